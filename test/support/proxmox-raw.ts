/**
 * Plain HTTPS requests to a simulated Proxmox, for tests of what it sends byte for byte.
 */
import https from 'node:https';
import type { SimulatedProxmox } from '../../src/testing/index.js';

export interface RawReply {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body as text. */
  text: string;
  /** The body as JSON, when it is. */
  json: unknown;
}

export interface RawOptions {
  /** `Authorization` header; default none. */
  authorization?: string;
  headers?: Record<string, string>;
  /** JSON body (an object) or a raw string body with `contentType`. */
  body?: unknown;
  contentType?: string;
}

/** One request with the CA of the simulated cluster trusted. */
export function rawRequest(pve: SimulatedProxmox, method: string, path: string, options: RawOptions = {}): Promise<RawReply> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.authorization) headers['Authorization'] = options.authorization;
  if (body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = https.request({ host: pve.host, port: pve.port, servername: 'localhost', ca: pve.ca, method, path: `/api2/json${path}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        const text = data.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body: data, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
