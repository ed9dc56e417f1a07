/**
 * The baseline for the Proxmox case: a bare HTTPS client doing exactly the requests the
 * library's Proxmox channel does (same endpoints, bodies, keep-alive, one request at a
 * time), with nothing around them: no call queue, no error mapping, no option checks.
 */
import https from 'node:https';

export interface RawProxmoxTarget {
  host: string;
  port: number;
  ca: string;
  token: string;
  node: string;
  vmid: number;
}

export class RawProxmoxClient {
  readonly #target: RawProxmoxTarget;
  readonly #agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #base: string;

  constructor(target: RawProxmoxTarget) {
    this.#target = target;
    this.#base = `/api2/json/nodes/${target.node}/qemu/${target.vmid}/agent`;
  }

  /** One agent endpoint; resolves to the reply's `data`. */
  request(method: 'GET' | 'POST', endpoint: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const body = method === 'POST' ? JSON.stringify(params) : undefined;
    const query = method === 'GET' ? new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString() : '';
    const headers: Record<string, string | number> = { Authorization: `PVEAPIToken=${this.#target.token}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.#target.host, port: this.#target.port, servername: 'localhost', ca: this.#target.ca, agent: this.#agent, method, path: `${this.#base}/${endpoint}${query ? `?${query}` : ''}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${res.statusMessage}: ${text}`));
            else resolve((JSON.parse(text) as { data: unknown }).data);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** exec, then exec-status at once and backing off 1 ms doubling to 100 ms, as the library polls. */
  async exec(argv: string[]): Promise<{ exitcode: number }> {
    const { pid } = (await this.request('POST', 'exec', { command: argv })) as { pid: number };
    let pause = 1;
    for (;;) {
      const status = (await this.request('GET', 'exec-status', { pid })) as { exited: number; exitcode: number; 'out-data'?: string };
      if (status.exited === 1) {
        if (status['out-data'] !== undefined) Buffer.from(status['out-data'], 'latin1').toString('utf8');
        return { exitcode: status.exitcode };
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 100);
    }
  }

  /** A whole file in 1 MiB pieces with count/offset and decode=0, as the library reads. */
  async readFile(file: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const data = (await this.request('GET', 'file-read', { file, offset, count: 1024 * 1024, decode: 0 })) as { content: string; 'bytes-read': number; truncated?: number };
      const piece = Buffer.from(data.content, 'base64'); // one piece of ≤ 1 MiB: one padded run
      parts.push(piece);
      offset += piece.length;
      if (data.truncated !== 1) return Buffer.concat(parts, offset);
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}
