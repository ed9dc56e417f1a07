/**
 * `download` / `upload`: guest file ↔ host file through the streams, memory flat.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createReadStream as createHostReadStream, createWriteStream as createHostWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { QgaClient } from '../client/qga-client.js';
import { checkPath, checkTransferOptions, chunkSizeFor, transferDeadline, transferOptionKeys, type FileTransferOptions } from './file-options.js';
import { createReadStream, createWriteStream } from './file-streams.js';
import type { WriteFileOptions } from './files-write.js';

/**
 * Options of `download`.
 *
 * @example
 * ```ts
 * await client.download('/var/log/messages', './messages.log', { timeout: 300_000 });
 * ```
 */
export type DownloadOptions = FileTransferOptions;

/**
 * Options of `upload`: the guest file is truncated, or appended to with `append: true`.
 *
 * @example
 * ```ts
 * await client.upload('./extra.log', '/var/log/app.log', { append: true });
 * ```
 */
export type UploadOptions = Omit<WriteFileOptions, 'encoding'>;

const UPLOAD_KEYS = transferOptionKeys('append', 'mode');

/** What a finished transfer moved. */
export interface TransferResult {
  /** Bytes transferred. */
  bytes: number;
}

/**
 * Copy a guest file to the host. The data goes to a temporary file next to `hostPath`
 * that is renamed over it only when the whole file arrived, so a failed or aborted
 * download leaves an existing host file untouched (the new file gets default
 * permissions). The guest handle is closed on every path.
 *
 * @example
 * ```ts
 * const { bytes } = await download(client, '/var/log/messages', './messages.log', { onProgress: console.log });
 * ```
 */
export async function download(client: QgaClient, guestPath: string, hostPath: string, options?: DownloadOptions): Promise<TransferResult> {
  checkPath('download', guestPath);
  if (typeof hostPath !== 'string' || hostPath === '') throw new TypeError('download: hostPath must be a non-empty string');
  const opts = checkTransferOptions('download', options);
  opts.signal?.throwIfAborted();
  const deadline = transferDeadline('download', opts);
  const source = createReadStream(client, guestPath, { ...opts, timeout: undefined, signal: deadline.signal });
  const partial = `${hostPath}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await pipeline(source, createHostWriteStream(partial, { flags: 'wx' }));
    await rename(partial, hostPath);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  } finally {
    deadline.clear();
  }
  return { bytes: source.bytesRead };
}

/**
 * Copy a host file into the guest. The host file is checked before the guest file is
 * opened, so a missing host file leaves the guest untouched; a transfer that fails later
 * leaves a partial guest file (the agent has no rename to make it atomic). The guest
 * handle is closed on every path.
 *
 * @example
 * ```ts
 * await upload(client, './app.tar.gz', '/tmp/app.tar.gz', { timeout: 600_000 });
 * ```
 */
export async function upload(client: QgaClient, hostPath: string, guestPath: string, options?: UploadOptions): Promise<TransferResult> {
  if (typeof hostPath !== 'string' || hostPath === '') throw new TypeError('upload: hostPath must be a non-empty string');
  checkPath('upload', guestPath);
  const opts = checkTransferOptions('upload', options, UPLOAD_KEYS) as UploadOptions;
  opts.signal?.throwIfAborted();
  const chunkSize = chunkSizeFor(client, 'write', opts.chunkSize);
  const info = await stat(hostPath);
  if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${hostPath}'`), { code: 'EISDIR', path: hostPath });
  const deadline = transferDeadline('upload', opts);
  try {
    const source = createHostReadStream(hostPath, { highWaterMark: chunkSize });
    const target = createWriteStream(client, guestPath, { ...opts, timeout: undefined, signal: deadline.signal, chunkSize, ...(info.isFile() ? { total: info.size } : {}) });
    await pipeline(source, target);
    return { bytes: target.bytesWritten };
  } finally {
    deadline.clear();
  }
}
