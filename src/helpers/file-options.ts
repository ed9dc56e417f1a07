/**
 * Options shared by the file helpers, their defaults and the agent's size limits.
 * @module
 */

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

/** Options every file transfer accepts. */
export interface FileTransferOptions {
  /**
   * Bytes per `guest-file-read` / `guest-file-write` call. Default 1 MiB. Larger values are
   * capped at the agent's limits: 48 MiB per read (`GUEST_FILE_READ_COUNT_MAX`), and just
   * under 48 MiB per write (the base64 request must stay below the agent's 64 MiB JSON
   * token limit).
   */
  chunkSize?: number | undefined;
  /**
   * ms allowed for each agent call of the transfer (open, every read or write, close);
   * defaults to the client's `timeout`. It is per call, not for the whole transfer, so a
   * large file does not need a larger value: give a whole-transfer deadline with
   * `signal: AbortSignal.timeout(ms)` instead.
   */
  timeout?: number | undefined;
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

const MiB = 1024 * 1024;

/** Default bytes per call; the benchmark picks the figure, see docs/files.md. */
export const DEFAULT_CHUNK_SIZE = MiB;
/** `GUEST_FILE_READ_COUNT_MAX` in `qga/commands.c`: a larger `count` is refused. */
export const MAX_READ_CHUNK = 48 * MiB;
/**
 * A `guest-file-write` request carries the data base64-encoded, and the agent refuses a
 * request whose JSON tokens exceed 64 MiB (`MAX_TOKEN_SIZE`, `qobject/json-streamer.c`):
 * 48 MiB of data is exactly 64 MiB of base64, so leave room for the rest of the message.
 */
export const MAX_WRITE_CHUNK = 48 * MiB - 64 * 1024;

/** Validates `chunkSize` and caps it at the agent's limit for the direction. */
export function resolveChunkSize(value: unknown, max: number): number {
  if (value === undefined) return Math.min(DEFAULT_CHUNK_SIZE, max);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`chunkSize must be a positive integer number of bytes, got ${String(value)}`);
  }
  return Math.min(value, max);
}

/** Validates the options object itself and the types of the shared fields. */
export function checkTransferOptions(what: string, options: unknown): FileTransferOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  const o = options as FileTransferOptions;
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`${what}: signal must be an AbortSignal`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError(`${what}: onProgress must be a function`);
  return o;
}

/** Validates a guest path before anything is sent. */
export function checkPath(what: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: path must be a non-empty string`);
  return path;
}
