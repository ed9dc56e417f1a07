/**
 * The leanest correct client for the cold-path and short-burst rows: string framing
 * (a `latin1` socket, `indexOf('\n')`), replies matched by looking for their id in the
 * line, no `JSON.parse`. It still does the wire work any correct client must: `0xFF` +
 * `guest-sync-delimited` on connect and skipping everything before the echoed id, one
 * request in flight, an id on each request. Nothing else: no error replies, no values,
 * no timeouts. It answers "how fast could this possibly be", the figure the library's
 * cold path and first calls are held to.
 */
import { connect, type Socket } from 'node:net';

export class LeanRawClient {
  readonly #socket: Socket;
  #buffer = '';
  #waitFor = '';
  #resolve: (() => void) | undefined;
  #reject: ((error: Error) => void) | undefined;
  #sequence = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    socket.on('error', (error) => this.#reject?.(error));
    socket.on('close', () => this.#reject?.(new Error('lean raw client: channel closed')));
  }

  /** Connect and synchronise: `\xff{"execute":"guest-sync-delimited",...}`, skip to `\xff{"return": ID}`. */
  static async connect(path: string): Promise<LeanRawClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ path });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    const client = new LeanRawClient(socket);
    const id = 1 + Math.floor(Math.random() * 2 ** 40);
    await client.#exchange(`\xff{"execute":"guest-sync-delimited","arguments":{"id":${id}}}\n`, `\xff{"return": ${id}}`);
    return client;
  }

  /** One `guest-ping`; resolves on the line carrying its id. */
  ping(): Promise<void> {
    this.#sequence += 1;
    return this.#exchange(`{"execute":"guest-ping","id":${this.#sequence}}\n`, `"id": ${this.#sequence}}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.destroy();
    });
  }

  #exchange(request: string, marker: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waitFor = marker;
      this.#resolve = resolve;
      this.#reject = reject;
      this.#socket.write(request, 'latin1');
    });
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    for (let newline = this.#buffer.indexOf('\n'); newline !== -1; newline = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (this.#resolve && line.includes(this.#waitFor)) {
        const resolve = this.#resolve;
        this.#resolve = this.#reject = undefined;
        resolve();
      }
    }
  }
}
