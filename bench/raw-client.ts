/**
 * The physical-limit baseline: the least a node:net client must do to talk to qemu-ga
 * correctly, and nothing more. Same wire work as the library:
 *
 * - on connect, `0xFF` + `guest-sync-delimited` and skip everything up to the echoed id
 *   (the agent's parser state outlives connections);
 * - one request in flight (the agent is one loop; over virtio-serial pipelining loses
 *   replies), each carrying an `id`;
 * - newline framing: chunks of an unfinished line are kept, joined once, and parsed with a
 *   single `JSON.parse` when the `\n` arrives;
 * - base64 decoding of file data and exec output by the caller (`Buffer.from(b64, 'base64')`).
 *
 * No timeouts, no abort, no resync after errors, no exact 64-bit integers, no events: what
 * the library adds on top of this is what the benchmark measures.
 */
import { connect, type Socket } from 'node:net';

const NEWLINE = 0x0a;
const DELIMITER = 0xff;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class RawQgaError extends Error {
  constructor(readonly errorClass: string, desc: string) {
    super(desc);
    this.name = 'RawQgaError';
  }
}

export class RawQgaClient {
  readonly #socket: Socket;
  #pieces: Buffer[] = [];
  #pieceBytes = 0;
  #pending: Pending | undefined;
  #sequence = 0;
  /** While synchronising: the id the delimited reply must carry; lines before it are skipped. */
  #syncId: number | undefined;
  #afterDelimiter = false;
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('raw client: channel closed')));
  }

  /**
   * Connect and synchronise. The agent may be restarting (it exits when a previous client
   * left in the middle of a reply), so a refused connect is retried for `retryFor` ms.
   */
  static async connect(path: string, retryFor = 3000): Promise<RawQgaClient> {
    const deadline = performance.now() + retryFor;
    for (;;) {
      try {
        const socket = await openSocket(path);
        const client = new RawQgaClient(socket);
        await client.#sync();
        return client;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const retryable = code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EAGAIN';
        if (!retryable || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** Send one command and resolve with its `return` value. One call at a time. */
  call(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#pending) return Promise.reject(new Error('raw client: one request at a time'));
    this.#sequence += 1;
    const text = args === undefined
      ? `{"execute":"${execute}","id":${this.#sequence}}\n`
      : `{"execute":"${execute}","arguments":${JSON.stringify(args)},"id":${this.#sequence}}\n`;
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(text);
    });
  }

  /** Handy form for file data: decode `buf-b64` of a guest-file-read. */
  async read(handle: number, count: number): Promise<{ data: Buffer; eof: boolean }> {
    const reply = (await this.call('guest-file-read', { handle, count })) as { 'buf-b64': string; eof: boolean };
    const data = Buffer.from(reply['buf-b64'], 'base64');
    return { data, eof: reply.eof || data.length === 0 };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.destroy();
    });
  }

  async #sync(): Promise<void> {
    const id = 1 + Math.floor(Math.random() * 2 ** 40);
    this.#syncId = id;
    const done = new Promise<unknown>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.#socket.write(Buffer.concat([Buffer.of(DELIMITER), Buffer.from(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}\n`)]));
    await done;
  }

  #receive(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (this.#syncId !== undefined) {
        // Only while synchronising can a 0xFF appear: everything before it is stale.
        const delimiter = chunk.indexOf(DELIMITER, start);
        if (delimiter !== -1 && (newline === -1 || delimiter < newline)) {
          this.#pieces = [];
          this.#pieceBytes = 0;
          this.#afterDelimiter = true;
          start = delimiter + 1;
          continue;
        }
      }
      if (newline === -1) {
        if (start < chunk.length) {
          this.#pieces.push(start === 0 ? chunk : chunk.subarray(start));
          this.#pieceBytes += chunk.length - start;
        }
        return;
      }
      let line: Buffer;
      if (this.#pieceBytes === 0) line = chunk.subarray(start, newline);
      else {
        this.#pieces.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#pieces, this.#pieceBytes + newline - start);
        this.#pieces = [];
        this.#pieceBytes = 0;
      }
      start = newline + 1;
      this.#line(line);
    }
  }

  #line(line: Buffer): void {
    const reply = JSON.parse(line.toString()) as { return?: unknown; error?: { class: string; desc: string }; id?: unknown };
    if (this.#syncId !== undefined) {
      if (!this.#afterDelimiter || reply.return !== this.#syncId) return;
      this.#syncId = undefined;
      this.#afterDelimiter = false;
    }
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return;
    if (reply.error) pending.reject(new RawQgaError(reply.error.class, reply.error.desc));
    else pending.resolve(reply.return);
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
