/**
 * `readFile`: a whole guest file into memory, chunk by chunk, never more than `maxBytes`.
 * @module
 */
import { constants } from 'node:buffer';
import type { QgaClient } from '../client/qga-client.js';
import { QgaProtocolError } from '../errors.js';
import { checkPath, checkTransferOptions, chunkSizeFor, transferDeadline, transferOptionKeys, type FileTransferOptions } from './file-options.js';
import { withGuestFile } from './file-handle.js';

/**
 * The most `readFile` holds by default: 64 MiB. The guest decides what a path holds (a
 * file swapped for a link to `/dev/zero` never ends), so a whole-file read needs a bound
 * that keeps the host safe from a hostile guest. 64 MiB is the size of the agent's own
 * largest message, well inside the client's 100 MiB `maxReplyBytes`, and far beyond the
 * configuration files and logs `readFile` is for; larger files belong in
 * `createReadStream` / `download`, which hold one chunk at a time.
 *
 * @example
 * ```ts
 * const twice = await client.readFile('/var/tmp/big.bin', { maxBytes: 2 * DEFAULT_READ_FILE_MAX_BYTES });
 * ```
 */
export const DEFAULT_READ_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Options of `readFile`.
 *
 * @example
 * ```ts
 * const osRelease = await client.readFile('/etc/os-release', { encoding: 'utf8', timeout: 10_000 });
 * const dump = await client.readFile('/var/tmp/dump.bin', { maxBytes: 512 * 1024 * 1024 });
 * ```
 */
export interface ReadFileOptions extends FileTransferOptions {
  /** Decode the content to a string with this encoding instead of returning a Buffer. */
  encoding?: BufferEncoding | undefined;
  /**
   * The largest file accepted, in bytes. Default 64 MiB
   * ({@link DEFAULT_READ_FILE_MAX_BYTES}). A longer file (or one that never ends, such as
   * `/dev/zero`) rejects with `QgaProtocolError` naming the limit once it is passed, after
   * the guest handle was closed; at most `maxBytes` + 1 bytes are ever read.
   */
  maxBytes?: number | undefined;
}

const READ_FILE_KEYS = transferOptionKeys('encoding', 'maxBytes');

/**
 * Read a whole guest file. Resolves to a Buffer, or a string when `encoding` is given.
 * The guest handle is closed on every path before the promise settles. At most
 * `maxBytes` (default 64 MiB) are read: a longer file rejects with `QgaProtocolError`.
 *
 * @example
 * ```ts
 * const hostname = await readFile(client, '/etc/hostname', { encoding: 'utf8' });
 * ```
 */
export async function readFile(client: QgaClient, path: string, options?: ReadFileOptions): Promise<Buffer | string> {
  checkPath('readFile', path);
  const opts = checkTransferOptions('readFile', options, READ_FILE_KEYS) as ReadFileOptions;
  const { encoding, onProgress } = opts;
  if (encoding !== undefined && !Buffer.isEncoding(encoding)) throw new TypeError(`readFile: unknown encoding ${String(encoding)}`);
  const maxBytes = maxBytesOf(opts.maxBytes);
  const chunkSize = chunkSizeFor(client, 'read', opts.chunkSize);
  const deadline = transferDeadline('readFile', opts);
  const { signal } = deadline;
  const content = await withGuestFile(client, path, 'r', { timeout: opts.callTimeout, signal }, async (file) => {
    // The size costs two round trips; only worth it when someone watches progress.
    const total = onProgress ? await file.size(signal) : undefined;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      // Near the limit, ask only for what still fits and one byte more: that byte tells a
      // file of exactly maxBytes from a longer one without holding a chunk past the limit.
      const { data, eof } = await file.read(Math.min(chunkSize, maxBytes - bytes + 1), signal);
      if (data.length > 0) {
        bytes += data.length;
        if (bytes > maxBytes) {
          throw new QgaProtocolError(
            `readFile: ${path} holds more than maxBytes (${maxBytes} bytes); pass a larger maxBytes, ` +
              'or read it with createReadStream() or download(), which hold one chunk at a time',
          );
        }
        parts.push(data);
        onProgress?.({ bytes, total: total !== undefined && bytes <= total ? total : undefined });
      }
      if (eof) break;
    }
    return Buffer.concat(parts, bytes);
  }).finally(deadline.clear);
  return encoding === undefined ? content : content.toString(encoding);
}

function maxBytesOf(value: unknown): number {
  if (value === undefined) return DEFAULT_READ_FILE_MAX_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > constants.MAX_LENGTH) {
    throw new TypeError(`readFile: maxBytes must be an integer number of bytes in 0…${constants.MAX_LENGTH}, got ${String(value)}`);
  }
  return value;
}
