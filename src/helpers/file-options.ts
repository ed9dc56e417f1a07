/**
 * Options shared by the file helpers, their defaults and the agent's size limits.
 * @module
 */
import { DEFAULT_FILE_CHUNK } from '../channels/direct/capabilities.js';
import type { QgaClient } from '../client/qga-client.js';
import { workSignal } from '../abortable.js';
import { checkOptions } from '../check-options.js';
import { QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import { checkWireString } from './wire-string.js';

/** Reported to `onProgress` after every chunk that crossed the channel. */
export interface TransferProgress {
  /** Bytes transferred so far. */
  bytes: number;
  /**
   * Size of the whole transfer when it is known cheaply (a seek to the end of a guest
   * file, the length of the data or the host file); `undefined` otherwise (pipes, `/proc`
   * files, streams of unknown length).
   */
  total: number | undefined;
}

/**
 * Options every file transfer accepts (`readFile`, `writeFile`, the streams, `download`,
 * `upload`).
 *
 * @example
 * ```ts
 * await client.download('/var/log/syslog', './syslog', {
 *   chunkSize: 4 * 1024 * 1024,
 *   timeout: 10 * 60_000, // the whole transfer
 *   callTimeout: 30_000,  // each guest-file-read
 *   onProgress: ({ bytes, total }) => console.log(bytes, '/', total ?? '?'),
 * });
 * ```
 */
export interface FileTransferOptions {
  /**
   * Bytes per `guest-file-read` / `guest-file-write` call. Default: the channel's
   * (`client.capabilities.limits`; 1 MiB on the direct channel). Larger values are capped
   * at what the channel carries: on the direct channel 48 MiB per read
   * (`GUEST_FILE_READ_COUNT_MAX`) and just under 48 MiB per write (the base64 request must
   * stay below the agent's 64 MiB JSON token limit).
   */
  chunkSize?: number | undefined;
  /**
   * ms for the whole transfer. On expiry the call in flight is abandoned, the guest file
   * is closed and the transfer rejects with `QgaTimeoutError` (`command` is the helper's
   * name, e.g. `readFile`). Default: no limit, since a large file on a slow guest may
   * rightly take minutes; each agent call still has `callTimeout`.
   */
  timeout?: number | undefined;
  /**
   * ms each agent call of the transfer may take (open, every read or write, close).
   * Default: the client's `timeout`, and for each read or write that plus 1 s per MiB of
   * its chunk, since a 48 MiB chunk on a slow guest can need several seconds.
   */
  callTimeout?: number | undefined;
  /** Abort the transfer; it rejects with `signal.reason` after the guest file was closed. */
  signal?: AbortSignal | undefined;
  /** Called after every chunk with the bytes transferred so far. */
  onProgress?: ((progress: TransferProgress) => void) | undefined;
}

/**
 * Modes of `guest-file-open` (C `fopen` modes), as the agent accepts them
 * (`qga/commands-posix.c:find_open_flag`).
 */
export type GuestFileMode =
  | 'r' | 'rb' | 'r+' | 'rb+' | 'r+b'
  | 'w' | 'wb' | 'w+' | 'wb+' | 'w+b'
  | 'a' | 'ab' | 'a+' | 'ab+' | 'a+b';

/** Default bytes per call on the direct channel; the benchmark picks the figure, see docs/files.md. */
export const DEFAULT_CHUNK_SIZE = DEFAULT_FILE_CHUNK;

/**
 * The chunk size for reads (`direction` 'read') or writes: the caller's, capped at what
 * the client's channel carries, else the channel's default.
 */
export function chunkSizeFor(client: QgaClient, direction: 'read' | 'write', value: unknown): number {
  const { limits } = client.capabilities;
  const [preferred, max] = direction === 'read' ? [limits.fileReadChunk, limits.maxFileReadChunk] : [limits.fileWriteChunk, limits.maxFileWriteChunk];
  if (value === undefined) return Math.min(preferred, max);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`chunkSize must be a positive integer number of bytes, got ${String(value)}`);
  }
  return Math.min(value, max);
}

/** The keys of {@link FileTransferOptions}. */
const TRANSFER_KEYS = ['chunkSize', 'timeout', 'callTimeout', 'signal', 'onProgress'] as const;

/** The keys a transfer helper accepts: the shared ones and its own `extra`. */
export function transferOptionKeys(...extra: string[]): ReadonlySet<string> {
  return new Set([...TRANSFER_KEYS, ...extra]);
}

const SHARED_KEYS = transferOptionKeys();

/**
 * Validates the options object itself, its keys (`known`: the shared ones unless the helper
 * has more, see {@link transferOptionKeys}) and the types of the shared fields.
 */
export function checkTransferOptions(what: string, options: unknown, known: ReadonlySet<string> = SHARED_KEYS): FileTransferOptions {
  const o = checkOptions(what, options as FileTransferOptions | undefined, known);
  for (const key of ['timeout', 'callTimeout'] as const) {
    const value = o[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new TypeError(`${what}: ${key} must be a positive finite number of ms, got ${String(value)}`);
    }
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`${what}: signal must be an AbortSignal`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError(`${what}: onProgress must be a function`);
  return o;
}

/** A signal that aborts on the caller's `signal` or when the whole-transfer `timeout` passes. */
export interface TransferDeadline {
  signal: AbortSignal | undefined;
  /** Stop the timer (the transfer settled). */
  clear(this: void): void;
}

/**
 * Combines the caller's signal with the transfer's `timeout`: on expiry the signal aborts
 * with a `QgaTimeoutError`, so every call of the transfer rejects with that error.
 */
export function transferDeadline(what: string, options: FileTransferOptions): TransferDeadline {
  const { timeout, signal } = options;
  if (timeout === undefined) return { signal, clear: () => undefined };
  const deadline = workSignal([signal], timeout, () => new QgaTimeoutError(what, timeout, `${what}: the transfer did not finish within ${formatMs(timeout)} ms`));
  return { signal: deadline.signal, clear: deadline.dispose };
}

/** Validates a guest path before anything is sent (see wire-string.ts for NUL and lone surrogates). */
export function checkPath(what: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: path must be a non-empty string`);
  return checkWireString(what, 'path', path);
}
