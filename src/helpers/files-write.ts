/**
 * `writeFile`: bytes, a string or a stream into a guest file, chunk by chunk.
 * @module
 */
import type { Readable } from 'node:stream';
import type { QgaClient } from '../client/qga-client.js';
import { checkPath, checkTransferOptions, chunkSizeFor, transferDeadline, transferOptionKeys, type FileTransferOptions, type GuestFileMode } from './file-options.js';
import { withGuestFile } from './file-handle.js';

/**
 * What `writeFile` accepts: a string (encoded with `options.encoding`, default UTF-8),
 * bytes, or a source of bytes read as it goes (a node `Readable`, any async iterable of
 * `Uint8Array` or string chunks).
 */
export type WriteFileData = string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

/**
 * Options of `writeFile` and `createWriteStream`.
 *
 * @example
 * ```ts
 * await client.writeFile('/var/log/app.log', 'started\n', { append: true });
 * await client.writeFile('/tmp/latin1.txt', 'café', { encoding: 'latin1' });
 * ```
 */
export interface WriteFileOptions extends FileTransferOptions {
  /** Append instead of truncating (mode `a`). */
  append?: boolean | undefined;
  /** Open mode of `guest-file-open`; default `w` (or `a` with `append`). */
  mode?: GuestFileMode | undefined;
  /** Encoding of string data. Default `utf8`. */
  encoding?: BufferEncoding | undefined;
}

/** The keys of {@link WriteFileOptions}. */
export const WRITE_FILE_KEYS = transferOptionKeys('append', 'mode', 'encoding');

/** Picks the open mode from `mode` / `append`; refuses a contradiction. */
export function writeMode(what: string, options: WriteFileOptions): GuestFileMode {
  const { mode, append } = options;
  if (mode === undefined) return append ? 'a' : 'w';
  if (typeof mode !== 'string' || !/^[wa]\+?b?\+?$|^r(\+b?|b\+)$/.test(mode)) {
    throw new TypeError(`${what}: mode must be a writable guest-file-open mode (w, a, r+, …), got ${String(mode)}`);
  }
  if (append && !mode.startsWith('a')) throw new TypeError(`${what}: append: true contradicts mode '${mode}'`);
  return mode;
}

/**
 * Write `data` to a guest file, creating or truncating it (or appending with
 * `append: true`). The guest handle is closed on every path before the promise settles;
 * a failed close (the agent could not flush) rejects.
 *
 * @example
 * ```ts
 * await writeFile(client, '/tmp/greeting', 'hello\n');
 * await writeFile(client, '/var/log/app.log', 'more\n', { append: true });
 * await writeFile(client, '/tmp/big.iso', createReadStream('big.iso'), { onProgress: console.log });
 * ```
 */
export async function writeFile(client: QgaClient, path: string, data: WriteFileData, options?: WriteFileOptions): Promise<void> {
  checkPath('writeFile', path);
  const opts = checkTransferOptions('writeFile', options, WRITE_FILE_KEYS) as WriteFileOptions;
  const mode = writeMode('writeFile', opts);
  const encoding = opts.encoding ?? 'utf8';
  if (!Buffer.isEncoding(encoding)) throw new TypeError(`writeFile: unknown encoding ${String(encoding)}`);
  const chunkSize = chunkSizeFor(client, 'write', opts.chunkSize);
  const source = sourceOf(data, encoding);
  const { onProgress } = opts;
  const deadline = transferDeadline('writeFile', opts);
  const { signal } = deadline;
  await withGuestFile(client, path, mode, { timeout: opts.callTimeout, signal }, async (file) => {
    let bytes = 0;
    for await (const chunk of rechunk(source.chunks, chunkSize, encoding)) {
      await file.write(chunk, signal);
      bytes += chunk.length;
      onProgress?.({ bytes, total: source.total });
    }
  }).finally(deadline.clear);
}

interface Source {
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>;
  total: number | undefined;
}

/** Checks the data's type before anything is opened, so a wrong argument creates no file. */
function sourceOf(data: WriteFileData, encoding: BufferEncoding): Source {
  if (typeof data === 'string') {
    const bytes = Buffer.from(data, encoding);
    return { chunks: [bytes], total: bytes.length };
  }
  if (data instanceof Uint8Array) return { chunks: [data], total: data.length };
  if (typeof data === 'object' && data !== null && Symbol.asyncIterator in data) {
    return { chunks: data as AsyncIterable<Uint8Array | string>, total: undefined };
  }
  throw new TypeError('writeFile: data must be a string, a Uint8Array, a Readable or an async iterable of bytes');
}

/**
 * Regroups any chunking of the input into pieces of exactly `size` bytes (the last one
 * shorter), holding at most one piece plus one input chunk: one agent call per `size`
 * bytes whatever the producer's chunk size, and memory bounded for streams.
 */
export async function* rechunk(input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>, size: number, encoding: BufferEncoding = 'utf8'): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const item of input) {
    let chunk: Uint8Array;
    if (typeof item === 'string') chunk = Buffer.from(item, encoding);
    else if (item instanceof Uint8Array) chunk = item;
    else throw new TypeError('writeFile: the data source yielded something that is neither bytes nor a string');
    if (chunk.length === 0) continue;
    if (pendingBytes === 0 && chunk.length >= size) {
      // Large input: slice it without copying.
      let offset = 0;
      for (; chunk.length - offset >= size; offset += size) yield chunk.subarray(offset, offset + size);
      chunk = chunk.subarray(offset);
      if (chunk.length === 0) continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= size) {
      const joined = Buffer.concat(pending, pendingBytes);
      let offset = 0;
      for (; joined.length - offset >= size; offset += size) yield joined.subarray(offset, offset + size);
      const rest = joined.subarray(offset);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
