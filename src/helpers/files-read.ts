/**
 * `readFile`: a whole guest file into memory, chunk by chunk.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import { checkPath, checkTransferOptions, chunkSizeFor, transferDeadline, type FileTransferOptions } from './file-options.js';
import { withGuestFile } from './file-handle.js';

/**
 * Options of `readFile`.
 *
 * @example
 * ```ts
 * const osRelease = await client.readFile('/etc/os-release', { encoding: 'utf8', timeout: 10_000 });
 * ```
 */
export interface ReadFileOptions extends FileTransferOptions {
  /** Decode the content to a string with this encoding instead of returning a Buffer. */
  encoding?: BufferEncoding | undefined;
}

/**
 * Read a whole guest file. Resolves to a Buffer, or a string when `encoding` is given.
 * The guest handle is closed on every path before the promise settles.
 *
 * @example
 * ```ts
 * const hostname = await readFile(client, '/etc/hostname', { encoding: 'utf8' });
 * ```
 */
export async function readFile(client: QgaClient, path: string, options?: ReadFileOptions): Promise<Buffer | string> {
  checkPath('readFile', path);
  const opts = checkTransferOptions('readFile', options) as ReadFileOptions;
  const { encoding, onProgress } = opts;
  if (encoding !== undefined && !Buffer.isEncoding(encoding)) throw new TypeError(`readFile: unknown encoding ${String(encoding)}`);
  const chunkSize = chunkSizeFor(client, 'read', opts.chunkSize);
  const deadline = transferDeadline('readFile', opts);
  const { signal } = deadline;
  const content = await withGuestFile(client, path, 'r', { timeout: opts.callTimeout, signal }, async (file) => {
    // The size costs two round trips; only worth it when someone watches progress.
    const total = onProgress ? await file.size(signal) : undefined;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      const { data, eof } = await file.read(chunkSize, signal);
      if (data.length > 0) {
        parts.push(data);
        bytes += data.length;
        onProgress?.({ bytes, total: total !== undefined && bytes <= total ? total : undefined });
      }
      if (eof) break;
    }
    return Buffer.concat(parts, bytes);
  }).finally(deadline.clear);
  return encoding === undefined ? content : content.toString(encoding);
}
