/**
 * The wire side of the simulated pveproxy (pve-http-server `PVE/APIServer/AnyEvent.pm`):
 * reading a request within the body limit, merging query and body parameters, and the
 * reply formats: `{"data": …}` as `application/json;charset=UTF-8`, errors with the
 * message's first line as the reason phrase, 401s and proxy errors with an empty body.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeJson } from '../../protocol/json-codec.js';
import { formList, type RawParams } from './schema.js';

const JSON_TYPE = 'application/json;charset=UTF-8';

/** The body, or `undefined` when it passed `limit` (the reader then stops). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.once('error', reject);
  });
}

/** Query and body parameters merged (the body's win); `undefined` for a body that is not what its type says. */
export function parseParams(query: URLSearchParams, body: Buffer, contentType: string): RawParams | undefined {
  const params: RawParams = new Map();
  const addForm = (form: URLSearchParams): void => {
    for (const key of new Set(form.keys())) params.set(key, formList(form.getAll(key)));
  };
  addForm(query);
  if (body.length === 0) return params;
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    for (const [key, value] of Object.entries(parsed)) params.set(key, value);
  } else addForm(new URLSearchParams(body.toString('utf8')));
  return params;
}

/** A reason phrase as pveproxy sends it: the message's first line, its bytes as they are. */
function reasonPhrase(message: string): string {
  return Buffer.from(message.split('\n')[0] ?? '', 'utf8').toString('latin1');
}

/** `200 {"data": …}`; integers beyond 2^53 stay exact. */
export function sendData(res: ServerResponse, data: unknown): void {
  const body = Buffer.from(encodeJson({ data }), 'utf8');
  res.writeHead(200, 'OK', { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
  res.end(body);
}

/** An error reply: `{"data":null,"message":"…\n"}` (without `message` before pve-http-server 5.2.0). */
export function sendError(res: ServerResponse, status: number, message: string, options: { withMessage: boolean; errors?: Record<string, string> | undefined }): void {
  const payload: Record<string, unknown> = {};
  if (options.errors) payload['errors'] = Object.fromEntries(Object.entries(options.errors).map(([k, v]) => [k, `${v}\n`]));
  payload['data'] = null;
  if (options.withMessage) payload['message'] = `${message}\n`;
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, reasonPhrase(message), { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
  res.end(body);
}

/** A reply with an empty body: 401s (with `Connection: close`) and the proxy's 595/596. */
export function sendEmpty(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, reasonPhrase(reason), { 'Content-Length': 0, ...(status === 401 ? { Connection: 'close' } : {}) });
  res.end();
}

/** `501 for data too large`, plain text, and the connection closed: the body was not read. */
export function sendTooLarge(res: ServerResponse): void {
  res.writeHead(501, 'for data too large', { 'Content-Type': 'text/plain', Connection: 'close' });
  res.end('for data too large');
}
