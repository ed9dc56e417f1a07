/**
 * One open guest file, and the wrapper that always closes it.
 *
 * The agent's file handles are not tied to a connection: nothing closes them when a client
 * goes away, only `guest-file-close` or the agent's exit. So every
 * helper that opens one closes it on every path, with a fresh call that does not carry the
 * caller's (possibly aborted) signal. After a timeout or an abort the client resynchronises
 * before that close goes out, so the close is never confused with a late reply.
 * @module
 */
import { debuglog } from 'node:util';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError, QgaProtocolError, QgaTimeoutError } from '../errors.js';
import { openChannelFile } from './channel-file.js';
import type { GuestFileMode } from './file-options.js';
import { busyFileError, fitOpenToGuest, readCapOf } from './file-platform.js';
import { WINDOWS_MAX_READ_CHUNK } from '../guest-os/windows-paths.js';
import { payloadTimeout } from './payload-timeout.js';

const debug = debuglog('qga:files');

/** Per-call options of a {@link GuestFile}. */
export interface GuestFileCallOptions {
  /** ms per agent call; defaults to the client's timeout. */
  timeout?: number | undefined;
  /** Aborts the call (not the close, which always goes out). */
  signal?: AbortSignal | undefined;
}

/** A chunk read from a guest file. */
export interface GuestFileChunk {
  data: Buffer;
  /** No more data: the agent reported end of file, or returned nothing. */
  eof: boolean;
}

/**
 * An open guest file as the helpers use it: a guest file handle ({@link GuestFileHandle}),
 * or, on channels without handles (Proxmox), the channel's file access
 * (`channel-file.ts`). Internal to the helpers: callers get the always-closing forms
 * (`readFile`, streams, …).
 */
export interface GuestFile {
  readonly path: string;
  readonly closed: boolean;
  /** Read up to `count` bytes (a channel that reads whole files may return more). */
  read(count: number, signal?: AbortSignal): Promise<GuestFileChunk>;
  /** Write all of `data`. */
  write(data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** The file's size when it is cheap and trustworthy, else undefined. */
  size(signal?: AbortSignal): Promise<number | undefined>;
  /** Close and wait; rejects when the data may not be in the file. Idempotent. */
  close(): Promise<void>;
  /** Close after another failure, which is what the caller sees. */
  closeAfterFailure(): Promise<void>;
}

/** An open guest file handle (`guest-file-open`). */
export class GuestFileHandle implements GuestFile {
  readonly handle: number;
  readonly path: string;
  readonly #client: QgaClient;
  readonly #timeout: number | undefined;
  readonly #closeTimeout: number;
  #closing: Promise<void> | undefined;
  /** Calls on the wire now; one still running when the file is abandoned is being given up. */
  #inFlight = 0;
  /** A call ended by timeout, abort or a protocol failure: the channel resynchronises. */
  #desynced = false;
  /** The largest read the guest handles (Windows: 1 MiB), settled at the first large read. */
  #readCap: number | undefined;

  constructor(client: QgaClient, handle: number, path: string, timeout: number | undefined) {
    this.#client = client;
    this.handle = handle;
    this.path = path;
    this.#timeout = timeout;
    this.#closeTimeout = Math.max(timeout ?? 0, client.defaultTimeout);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Read up to `count` bytes (at most 1 MiB per call on a Windows guest). */
  async read(count: number, signal?: AbortSignal): Promise<GuestFileChunk> {
    if (count > WINDOWS_MAX_READ_CHUNK) this.#readCap ??= await readCapOf(this.#client);
    const asked = Math.min(count, this.#readCap ?? count);
    const reply = await this.#track(this.#client.call('guest-file-read', { handle: this.handle, count: asked }, this.#chunkOptions(asked, signal)));
    const data = Buffer.from(reply['buf-b64'], 'base64');
    // POSIX reports feof() after a short read, Windows only after an empty one: stop on
    // either. On Windows that costs one more read, which returns
    // nothing and says eof.
    return { data, eof: reply.eof || data.length === 0 };
  }

  /** Write all of `data` (one call unless the agent takes less than offered). */
  async write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const piece = Buffer.from(data.buffer, data.byteOffset + offset, data.length - offset);
      const reply = await this.#track(this.#client.call('guest-file-write', { handle: this.handle, 'buf-b64': piece.toString('base64') }, this.#chunkOptions(piece.length, signal)));
      if (!(reply.count > 0)) {
        throw new QgaProtocolError(`guest-file-write: the agent wrote ${String(reply.count)} of ${piece.length} bytes to ${this.path}`);
      }
      offset += reply.count;
    }
  }

  /**
   * Size of the file from a seek to its end, then back to the start. `undefined` when the
   * file cannot seek (a pipe) or reports 0 (`/proc` files, character devices): a size the
   * data may not match is worse than none.
   */
  async size(signal?: AbortSignal): Promise<number | undefined> {
    let end: number | bigint;
    try {
      end = (await this.#track(this.#client.call('guest-file-seek', { handle: this.handle, offset: 0, whence: 'end' }, this.#options(signal)))).position;
    } catch (error) {
      // An error reply (e.g. `Illegal seek` on a pipe): no size, the read goes on.
      if (error instanceof QgaCommandError) return undefined;
      throw error;
    }
    await this.#track(this.#client.call('guest-file-seek', { handle: this.handle, offset: 0, whence: 'set' }, this.#options(signal)));
    const size = Number(end);
    return size > 0 && Number.isSafeInteger(size) ? size : undefined;
  }

  /**
   * Close the handle and wait for the answer. Idempotent; never takes the caller's signal.
   * Rejects when the agent refuses (a failed flush of written data).
   */
  close(): Promise<void> {
    this.#closing ??= this.#client.call('guest-file-close', { handle: this.handle }, { timeout: this.#closeTimeout });
    return this.#closing;
  }

  /**
   * Close after another failure; that failure is what the caller sees, so a close error is
   * only logged.
   *
   * The close is waited for, so the caller's rejection means the handle is closed. After
   * a timeout or an abort the close goes out behind the resynchronisation, which lasts
   * until the agent finished the abandoned command (seconds for a 48 MiB read on a slow
   * guest): that wait is bounded by the client's timeout, after which the close goes on
   * in the background (queued before any later call, with a timeout long enough to wait
   * the agent out) and the failure is reported anyway. Only closing the client before it
   * ran, or losing the channel, leaves the handle open in the agent (until the agent exits).
   */
  closeAfterFailure(): Promise<void> {
    const abandoned = this.#inFlight > 0 || this.#desynced;
    const closing = this.#closing ?? (this.#closing = this.#client.call('guest-file-close', { handle: this.handle }, { timeout: abandoned ? Math.max(this.#closeTimeout, CLOSE_AFTER_RESYNC_TIMEOUT) : this.#closeTimeout }));
    const logged = closing.catch((error: unknown) => {
      if (debug.enabled) debug('closing handle %d (%s) after a failure failed too: %s', this.handle, this.path, String(error));
    });
    return abandoned ? settledOrAfter(logged, this.#client.defaultTimeout) : logged;
  }

  async #track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight += 1;
    try {
      return await call;
    } catch (error) {
      if (!(error instanceof QgaCommandError)) this.#desynced = true;
      if (error instanceof QgaTimeoutError && error.command.startsWith('guest-file-')) {
        // The call's own limit, not the transfer's `timeout` (whose command is the helper's):
        // say which option governs it.
        throw new QgaTimeoutError(
          error.command,
          error.timeout,
          `${error.message} (${this.#timeout === undefined ? "the client's timeout, grown with the chunk" : 'callTimeout'}; ` +
            'on a slow guest raise callTimeout, or use a smaller chunkSize)',
        );
      }
      throw error;
    } finally {
      this.#inFlight -= 1;
    }
  }

  #options(signal: AbortSignal | undefined): { timeout?: number; signal?: AbortSignal } {
    return { ...(this.#timeout === undefined ? {} : { timeout: this.#timeout }), ...(signal === undefined ? {} : { signal }) };
  }

  /**
   * For a call that moves `bytes` of file data: `callTimeout` when the caller set it, else
   * the client's default grown with the chunk (a 48 MiB chunk takes seconds on a slow guest).
   */
  #chunkOptions(bytes: number, signal: AbortSignal | undefined): { timeout: number; signal?: AbortSignal } {
    const timeout = this.#timeout ?? payloadTimeout(this.#client.defaultTimeout, bytes);
    return signal === undefined ? { timeout } : { timeout, signal };
  }
}

/** How long a close queued behind a resynchronisation may wait for the agent to catch up. */
const CLOSE_AFTER_RESYNC_TIMEOUT = 60_000;

/** Waits for `promise`, but no longer than `ms`; the timer does not keep the process alive. */
function settledOrAfter(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Open a guest file. The open itself is not aborted by `signal`: a handle the agent
 * opened after the caller gave up would be known to nobody and never closed. Instead the
 * open completes (it is quick, and bounded by `timeout`), the handle is closed, and the
 * call rejects with `signal.reason`.
 *
 * A *timed-out* open is cleaned up when its late reply arrives: the handle it carries is
 * closed (see `onLateReply`), so a slow agent does not collect orphan handles.
 */
export async function openGuestFile(client: QgaClient, path: string, mode: GuestFileMode, options: GuestFileCallOptions = {}): Promise<GuestFile> {
  const { timeout, signal } = options;
  signal?.throwIfAborted();
  const fitted = await fitOpenToGuest(client, path, mode, timeout);
  if (!client.capabilities.fileHandles) return openChannelFile(client, path, fitted, timeout);
  const closeLateHandle = (late: unknown): void => {
    if (typeof late !== 'number') return;
    client.call('guest-file-close', { handle: late }, { timeout: Math.max(timeout ?? 0, client.defaultTimeout, CLOSE_AFTER_RESYNC_TIMEOUT) }).catch((error: unknown) => {
      if (debug.enabled) debug('closing handle %d (%s) that a timed-out open returned late failed: %s', late, path, String(error));
    });
  };
  let handle: number;
  try {
    handle = await client.call('guest-file-open', { path, mode: fitted }, { ...(timeout === undefined ? {} : { timeout }), onLateReply: closeLateHandle });
  } catch (error) {
    throw busyFileError(error, path);
  }
  const file = new GuestFileHandle(client, handle, path, timeout);
  if (signal?.aborted) {
    await file.closeAfterFailure();
    throw signal.reason;
  }
  return file;
}

/**
 * Open `path`, run `fn` with the open file, and close it on every path. The promise
 * settles once the close was answered (after a timeout or an abort, at most the client's
 * timeout later; see {@link GuestFile.closeAfterFailure}). If
 * `fn` succeeds but the close fails, the close error is thrown: for a written file that
 * is a failed flush, and the data may not be on disk.
 *
 * @example
 * ```ts
 * const first = await withGuestFile(client, '/etc/os-release', 'r', {}, async (file) => (await file.read(64)).data);
 * ```
 */
export async function withGuestFile<T>(
  client: QgaClient,
  path: string,
  mode: GuestFileMode,
  options: GuestFileCallOptions,
  fn: (file: GuestFile) => Promise<T>,
): Promise<T> {
  const file = await openGuestFile(client, path, mode, options);
  let result: T;
  try {
    result = await fn(file);
  } catch (error) {
    await file.closeAfterFailure();
    throw error;
  }
  await file.close();
  return result;
}
