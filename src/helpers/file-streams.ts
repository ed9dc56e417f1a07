/**
 * Node streams over a guest file: one agent call per chunk, driven by the consumer, with
 * the guest handle closed however the stream ends (end, error, abort, `destroy()`).
 * @module
 */
import { Readable, Writable } from 'node:stream';
import type { QgaClient } from '../client/qga-client.js';
import {
  checkPath,
  checkTransferOptions,
  chunkSizeFor,
  transferDeadline,
  transferOptionKeys,
  type FileTransferOptions,
  type TransferProgress,
} from './file-options.js';
import { openGuestFile, type GuestFile } from './file-handle.js';
import { writeMode, type WriteFileOptions } from './files-write.js';

/**
 * Options of `createReadStream`.
 *
 * @example
 * ```ts
 * const stream = client.createReadStream('/var/log/syslog', { chunkSize: 256 * 1024, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export type ReadStreamOptions = FileTransferOptions;

/**
 * Options of `createWriteStream`.
 *
 * @example
 * ```ts
 * const { size } = await stat('app.tar');
 * await pipeline(createReadStream('app.tar'), client.createWriteStream('/tmp/app.tar', { total: size, onProgress: console.log }));
 * ```
 */
export interface WriteStreamOptions extends WriteFileOptions {
  /** Expected size in bytes, reported as `total` to `onProgress`. */
  total?: number | undefined;
}

const WRITE_STREAM_KEYS = transferOptionKeys('append', 'mode', 'encoding', 'total');

/**
 * A readable stream of a guest file's bytes. Each `guest-file-read` is issued only when
 * the consumer wants more (backpressure): at most one chunk is in flight and about one is
 * buffered, whatever the file's size. The file is opened on the first read; `'end'` is
 * emitted after the handle was closed.
 *
 * @example
 * ```ts
 * for await (const chunk of createReadStream(client, '/var/log/syslog')) process.stdout.write(chunk);
 * ```
 */
export function createReadStream(client: QgaClient, path: string, options?: ReadStreamOptions): GuestFileReadStream {
  checkPath('createReadStream', path);
  const opts = checkTransferOptions('createReadStream', options);
  return new GuestFileReadStream(client, path, opts, chunkSizeFor(client, 'read', opts.chunkSize));
}

/**
 * A writable stream into a guest file (truncated, or appended with `append: true`). Small
 * writes are gathered into `chunkSize` pieces, one `guest-file-write` each; a write's
 * callback waits for the agent once a piece is full, so a fast producer is held back.
 * The file is opened at once; `'finish'` is emitted after the handle was closed (which
 * flushes it in the guest).
 *
 * @example
 * ```ts
 * await pipeline(fs.createReadStream('app.tar'), createWriteStream(client, '/tmp/app.tar'));
 * ```
 */
export function createWriteStream(client: QgaClient, path: string, options?: WriteStreamOptions): GuestFileWriteStream {
  checkPath('createWriteStream', path);
  const opts = checkTransferOptions('createWriteStream', options, WRITE_STREAM_KEYS) as WriteStreamOptions;
  const mode = writeMode('createWriteStream', opts);
  const encoding = opts.encoding ?? 'utf8';
  if (!Buffer.isEncoding(encoding)) throw new TypeError(`createWriteStream: unknown encoding ${String(encoding)}`);
  if (opts.total !== undefined && !(Number.isSafeInteger(opts.total) && opts.total >= 0)) {
    throw new TypeError(`createWriteStream: total must be a non-negative integer, got ${String(opts.total)}`);
  }
  return new GuestFileWriteStream(client, path, { ...opts, mode, encoding }, chunkSizeFor(client, 'write', opts.chunkSize));
}

/**
 * Destroys `stream` with `signal.reason` when the caller aborts or the whole-transfer
 * `timeout` passes, so a pipeline rejects with the caller's reason as `fetch` does (node's
 * own `signal` option would wrap it), or with `QgaTimeoutError`.
 */
function destroyOnAbort(stream: Readable | Writable, what: string, options: FileTransferOptions): void {
  const { signal, clear } = transferDeadline(what, options);
  stream.once('close', clear);
  if (!signal) return;
  if (signal.aborted) {
    process.nextTick(() => stream.destroy(signal.reason as Error));
    return;
  }
  const onAbort = (): void => {
    stream.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
}

/**
 * Waits for an open that may still be running, then closes whatever it opened. Used by
 * `_destroy`, so `'close'` is emitted once the guest close was answered (when a call was
 * abandoned mid-flight, at most the client's timeout later; the close stays queued ahead
 * of any later call).
 */
function closeOpened(opening: Promise<unknown> | undefined, file: () => GuestFile | undefined): Promise<void> {
  return (opening ?? Promise.resolve())
    .then(
      () => undefined,
      () => undefined,
    )
    .then(() => file()?.closeAfterFailure());
}

/** The stream `createReadStream` returns. */
export class GuestFileReadStream extends Readable {
  readonly #client: QgaClient;
  readonly #path: string;
  readonly #chunkSize: number;
  readonly #timeout: number | undefined;
  readonly #onProgress: ((progress: TransferProgress) => void) | undefined;
  /** Aborts the call in flight when the stream is destroyed. */
  readonly #calls = new AbortController();
  #opening: Promise<GuestFile> | undefined;
  #file: GuestFile | undefined;
  #total: number | undefined;
  #bytesRead = 0;

  constructor(client: QgaClient, path: string, options: FileTransferOptions, chunkSize: number) {
    super();
    this.#client = client;
    this.#path = path;
    this.#chunkSize = chunkSize;
    this.#timeout = options.callTimeout;
    this.#onProgress = options.onProgress;
    destroyOnAbort(this, 'createReadStream', options);
  }

  /** Bytes read from the guest so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** The guest path being read. */
  get path(): string {
    return this.#path;
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _read(): void {
    void this.#pull();
  }

  async #pull(): Promise<void> {
    try {
      const file = await (this.#opening ??= this.#open());
      const { data, eof } = await file.read(this.#chunkSize, this.#calls.signal);
      if (this.destroyed) return;
      if (data.length > 0) {
        this.#bytesRead += data.length;
        const total = this.#total !== undefined && this.#bytesRead <= this.#total ? this.#total : undefined;
        this.#onProgress?.({ bytes: this.#bytesRead, total });
      }
      if (!eof) {
        this.push(data);
        return;
      }
      // Close before 'end', so a consumer that saw the end knows the handle is gone.
      await file.close();
      if (this.destroyed) return;
      if (data.length > 0) this.push(data);
      this.push(null);
    } catch (error) {
      if (!this.destroyed) this.destroy(error as Error);
    }
  }

  async #open(): Promise<GuestFile> {
    const file = await openGuestFile(this.#client, this.#path, 'r', { timeout: this.#timeout, signal: this.#calls.signal });
    this.#file = file;
    if (this.#onProgress) this.#total = await file.size(this.#calls.signal);
    return file;
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#calls.abort(error ?? undefined);
    void closeOpened(this.#opening, () => this.#file).then(() => callback(error));
  }
}

/** The stream `createWriteStream` returns. */
export class GuestFileWriteStream extends Writable {
  readonly #client: QgaClient;
  readonly #path: string;
  readonly #options: WriteStreamOptions & { mode: NonNullable<WriteStreamOptions['mode']> };
  readonly #chunkSize: number;
  readonly #calls = new AbortController();
  #opening: Promise<GuestFile> | undefined;
  #file: GuestFile | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #bytesWritten = 0;

  constructor(
    client: QgaClient,
    path: string,
    options: WriteStreamOptions & { mode: NonNullable<WriteStreamOptions['mode']>; encoding: BufferEncoding },
    chunkSize: number,
  ) {
    super({ decodeStrings: true, defaultEncoding: options.encoding });
    this.#client = client;
    this.#path = path;
    this.#options = options;
    this.#chunkSize = chunkSize;
    destroyOnAbort(this, 'createWriteStream', options);
  }

  /** Bytes the agent accepted so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** The guest path being written. */
  get path(): string {
    return this.#path;
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _construct(callback: (error?: Error | null) => void): void {
    this.#opening = openGuestFile(this.#client, this.#path, this.#options.mode, { timeout: this.#options.callTimeout, signal: this.#calls.signal });
    this.#opening.then(
      (file) => {
        this.#file = file;
        callback();
      },
      (error: unknown) => callback(error as Error),
    );
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#take([chunk], callback);
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#take(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _final(callback: (error?: Error | null) => void): void {
    this.#flush(true)
      .then(() => this.#file?.close())
      .then(
        () => callback(),
        (error: unknown) => callback(error as Error),
      );
  }

  /** @internal Node's stream hook; use the public stream API. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#calls.abort(error ?? undefined);
    void closeOpened(this.#opening, () => this.#file).then(() => callback(error));
  }

  #take(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    }
    if (this.#pendingBytes < this.#chunkSize) {
      callback();
      return;
    }
    this.#flush(false).then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  /** Writes every full chunk pending (and the remainder too when `all`). */
  async #flush(all: boolean): Promise<void> {
    const file = this.#file;
    if (!file || this.#pendingBytes === 0) return;
    const joined = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    let offset = 0;
    while (joined.length - offset >= this.#chunkSize || (all && offset < joined.length)) {
      const piece = joined.subarray(offset, offset + Math.min(this.#chunkSize, joined.length - offset));
      await file.write(piece, this.#calls.signal);
      offset += piece.length;
      this.#bytesWritten += piece.length;
      this.#options.onProgress?.({ bytes: this.#bytesWritten, total: this.#options.total });
    }
    if (offset < joined.length) {
      this.#pending = [joined.subarray(offset)];
      this.#pendingBytes = joined.length - offset;
    }
  }
}
