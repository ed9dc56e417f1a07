/**
 * One libvirt RPC connection over one byte stream (unix socket, TLS, an ssh pipe or any
 * duplex stream): calls with their serials, replies routed back by serial, server
 * MESSAGEs (events, keepalive) routed by program and procedure.
 *
 * Serials: each CALL gets its own; libvirtd echoes it and answers calls in flight in any
 * order (observed: 10 pipelined pings came back as 100,102,105,104,…). Server MESSAGEs
 * carry serial 1 (domain events) or 0 (keepalive), so they are never matched by serial.
 * A reply nobody waits for (the call was abandoned after a timeout or an abort, or a
 * confused server) is dropped; an abandoned call may leave a handler for its late result.
 *
 * Whatever the server sends, nothing throws out of the stream's data handler: a broken
 * frame drops the connection, a reply that does not decode fails only its own call.
 * @module
 */
import type { Duplex } from 'node:stream';
import { debuglog } from 'node:util';
import { QgaConnectionError, QgaProtocolError } from '../../errors.js';
import { systemTimers, type Timers } from '../../protocol/timers.js';
import { FrameReader, MAX_FRAME_BYTES, MessageStatus, MessageType, type FrameHeader } from './frame-reader.js';
import { encodeCall, encodeMessage } from './frame-writer.js';
import { Keepalive, type KeepaliveOptions } from './keepalive.js';
import { KeepaliveProc, Program, readRemoteError, type Procedure } from './procedures.js';
import { LibvirtRemoteError } from './remote-error.js';
import { XdrReader } from './xdr.js';

const debug = debuglog('qga:libvirt');

/** Abandoned calls whose late result someone wants; the oldest are forgotten past this. */
const MAX_LATE_HANDLERS = 1024;
/**
 * Calls from this size on are encoded into one buffer the connection keeps (reused once
 * the socket took the previous one): a fresh buffer per 175 KB file chunk is a fresh mmap
 * whose page faults cost ~1 ms per chunk on a VM (profiled with guest-file-write).
 */
const SCRATCH_FROM = 4 * 1024;
/** Room for the largest request the channel sends (192 KiB) with its header. */
const SCRATCH_BYTES = 256 * 1024;

export interface RpcConnectionOptions {
  /** For messages, e.g. `libvirt qemu:///system`. */
  description: string;
  /**
   * The stream is done with a written buffer once its write callback ran (node:net, tls,
   * a child's pipe), so requests may reuse one buffer. Not for any user stream: a
   * PassThrough hands the very buffer on to its reader later.
   */
  reuseWriteBuffer?: boolean | undefined;
  maxFrameBytes?: number | undefined;
  timers?: Timers | undefined;
}

export interface RpcCallOptions<Ret> {
  signal?: AbortSignal | undefined;
  /** Gets the result if it arrives after the call was abandoned (aborted). */
  onLate?: ((result: Ret) => void) | undefined;
}

interface Pending {
  procedure: Procedure<never, unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onLate: ((result: unknown) => void) | undefined;
}

type MessageHandler = (payload: Buffer) => void;

/** A started call: its result, and how to give up on it. */
export interface CallHandle<Ret> {
  readonly promise: Promise<Ret>;
  /** Rejects the call with `reason` now; its reply, if it still comes, is dropped (or goes to `onLate`). */
  abandon(reason: unknown): void;
}

const noop = (): void => undefined;

export class RpcConnection {
  readonly description: string;
  readonly #stream: Duplex;
  readonly #timers: Timers;
  readonly #reader: FrameReader;
  readonly #pending = new Map<number, Pending>();
  readonly #late = new Map<number, Pending>();
  readonly #handlers = new Map<string, MessageHandler>();
  readonly #closeListeners = new Set<(error: QgaConnectionError | undefined) => void>();
  #serial = 0;
  /** The reused request buffer, and whether the socket still holds it. */
  #scratch: Buffer | undefined;
  #scratchBusy = false;
  readonly #reuse: boolean;
  readonly #releaseScratch = (): void => {
    this.#scratchBusy = false;
  };
  #keepalive: Keepalive | undefined;
  #closed: QgaConnectionError | undefined;

  constructor(stream: Duplex, options: RpcConnectionOptions) {
    this.description = options.description;
    this.#stream = stream;
    this.#reuse = options.reuseWriteBuffer === true;
    this.#timers = options.timers ?? systemTimers;
    this.#reader = new FrameReader({
      maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
      onFrame: (header, payload) => this.#dispatch(header, payload),
      onError: (error) => this.#lost(error.message, error),
    });
    stream.on('data', (chunk: Buffer) => {
      this.#keepalive?.heard();
      this.#reader.push(chunk);
    });
    stream.on('error', (error) => this.#lost(`${error.message}`, error));
    stream.on('close', () => this.#lost('the peer closed the connection', undefined));
    stream.on('end', () => this.#lost('the peer closed the connection', undefined));
  }

  /**
   * Runs `send`, whose calls on the connection it is given go out together: one write to
   * the socket (one system call, one wake-up of libvirtd) instead of one per call.
   */
  together<T>(send: (connection: this) => T): T {
    // A stream the user passed may be duplex-like without cork(): then one write per call.
    const stream = this.#stream as Partial<Pick<Duplex, 'cork' | 'uncork'>>;
    if (typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return send(this);
    stream.cork();
    try {
      return send(this);
    } finally {
      stream.uncork();
    }
  }

  /** True once closed or lost. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Runs `listener` once when the connection closes; with the error when it was lost. */
  onClose(listener: (error: QgaConnectionError | undefined) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Routes server MESSAGEs of (program, procedure) to `handler` (one per pair). */
  onMessage(program: number, proc: number, handler: MessageHandler): () => void {
    const key = `${program}/${proc}`;
    this.#handlers.set(key, handler);
    return () => {
      if (this.#handlers.get(key) === handler) this.#handlers.delete(key);
    };
  }

  /** PINGs the peer when it is silent and drops it when it stays so (see keepalive.ts). */
  startKeepalive(options: KeepaliveOptions): void {
    if (this.#closed || this.#keepalive) return;
    this.#keepalive = new Keepalive(
      options,
      this.#timers,
      () => this.#send(this.#message(Program.KEEPALIVE, KeepaliveProc.PING)),
      (silent) => this.#lost(`libvirtd did not answer ${options.count} keepalive pings (silent for ${Math.round(silent)} ms)`, undefined),
    );
  }

  /**
   * Calls one procedure; resolves with its decoded result. Rejects with
   * {@link LibvirtRemoteError} (libvirtd's error), `QgaProtocolError` (a reply that does
   * not decode), `QgaConnectionError` (the connection is or went away) or `signal.reason`.
   */
  call<Args, Ret>(procedure: Procedure<Args, Ret>, args: Args, options: RpcCallOptions<Ret> = {}): Promise<Ret> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const handle = this.start(procedure, args, options.onLate);
    if (!signal) return handle.promise;
    const onAbort = (): void => handle.abandon(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return handle.promise.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * Starts a call and returns its result promise with the function that abandons it (the
   * promise then rejects with the given reason, and a late reply goes to `onLate` if any).
   * The channel's hot path uses this instead of an AbortSignal: no EventTarget work per call.
   */
  start<Args, Ret>(procedure: Procedure<Args, Ret>, args: Args, onLate?: (result: Ret) => void): CallHandle<Ret> {
    if (this.#closed) return { promise: Promise.reject(this.#closed), abandon: noop };
    const serial = this.#nextSerial();
    let frame: Buffer;
    const scratch = this.#scratchBusy ? undefined : this.#scratch;
    try {
      frame = encodeCall(procedure, args, serial, scratch);
    } catch (error) {
      return { promise: Promise.reject(error), abandon: noop };
    }
    const inScratch = scratch !== undefined && frame.buffer === scratch.buffer;
    if (inScratch) this.#scratchBusy = true;
    else if (this.#reuse && this.#scratch === undefined && frame.length >= SCRATCH_FROM) this.#scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    let entry!: Pending;
    const promise = new Promise<Ret>((resolve, reject) => {
      entry = { procedure, resolve: resolve, reject, onLate: onLate as ((result: unknown) => void) | undefined };
    });
    this.#pending.set(serial, entry);
    this.#send(frame, inScratch ? this.#releaseScratch : undefined);
    return {
      promise,
      abandon: (reason) => {
        if (this.#pending.get(serial) !== entry) return;
        this.#pending.delete(serial);
        this.#keepLate(serial, entry);
        entry.reject(reason);
      },
    };
  }

  /** Closes the stream; waiting calls reject with `QgaConnectionError`. */
  close(): void {
    this.#lost('the connection was closed', undefined, true);
  }

  #nextSerial(): number {
    // Any uint32 will do (libvirtd echoes it); skip one still in use after a wrap-around.
    do this.#serial = (this.#serial + 1) >>> 0;
    while (this.#pending.has(this.#serial) || this.#late.has(this.#serial));
    return this.#serial;
  }

  #message(program: number, proc: number): Buffer {
    // Keepalive messages always carry serial 0 (virkeepaliveprotocol.x).
    return encodeMessage({ program, proc, type: MessageType.MESSAGE, serial: 0 });
  }

  #send(frame: Buffer, written?: () => void): void {
    if (this.#closed) {
      written?.();
      return;
    }
    // Not awaiting drain: every caller holds at most one call in flight per client and the
    // frames are bounded by libvirt's 4 MiB string limit, so the queue stays bounded too.
    // `written` runs once the stream took the bytes (or failed): the buffer is free again.
    this.#stream.write(frame, written);
  }

  #keepLate(serial: number, entry: Pending): void {
    if (!entry.onLate) return;
    if (this.#late.size >= MAX_LATE_HANDLERS) this.#late.delete(this.#late.keys().next().value!);
    this.#late.set(serial, entry);
  }

  #dispatch(header: FrameHeader, payload: Buffer): void {
    try {
      if (header.type === MessageType.REPLY || header.type === MessageType.REPLY_WITH_FDS) this.#reply(header, payload);
      else if (header.type === MessageType.MESSAGE) this.#serverMessage(header, payload);
      else if (debug.enabled) debug('%s: ignoring message type %d (prog %d proc %d)', this.description, header.type, header.prog, header.proc);
    } catch (error) {
      // A handler bug or an undecodable event must not break the socket's data handler.
      if (debug.enabled) debug('%s: message handling failed: %s', this.description, String(error));
    }
  }

  #reply(header: FrameHeader, payload: Buffer): void {
    const entry = this.#pending.get(header.serial);
    if (!entry) {
      const late = this.#late.get(header.serial);
      this.#late.delete(header.serial);
      if (late && header.status === MessageStatus.OK) {
        const result = this.#decode(late, header, payload);
        if (!(result instanceof Error)) late.onLate!(result);
      } else if (!late && debug.enabled) {
        debug('%s: dropping a reply for serial %d that nobody waits for', this.description, header.serial);
      }
      return;
    }
    this.#pending.delete(header.serial);
    const result = this.#decode(entry, header, payload);
    if (result instanceof Error) entry.reject(result);
    else entry.resolve(result);
  }

  /** The call's result, or the error it ends with (never throws). */
  #decode(entry: Pending, header: FrameHeader, payload: Buffer): unknown {
    const { procedure } = entry;
    if (header.prog !== procedure.program || header.proc !== procedure.proc) {
      return new QgaProtocolError(`libvirt RPC: the reply to ${procedure.name} (serial ${header.serial}) came for program ${header.prog} procedure ${header.proc}`);
    }
    try {
      const reader = new XdrReader(payload);
      if (header.status === MessageStatus.OK) return procedure.decode(reader);
      if (header.status === MessageStatus.ERROR) return new LibvirtRemoteError(procedure.name, readRemoteError(reader));
      return new QgaProtocolError(`libvirt RPC: the reply to ${procedure.name} has status ${header.status}`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return error instanceof QgaProtocolError ? new QgaProtocolError(`libvirt RPC: the reply to ${procedure.name}: ${detail}`, { cause: error }) : error;
    }
  }

  #serverMessage(header: FrameHeader, payload: Buffer): void {
    if (header.prog === Program.KEEPALIVE) {
      if (header.proc === KeepaliveProc.PING) this.#send(this.#message(Program.KEEPALIVE, KeepaliveProc.PONG));
      return;
    }
    const handler = this.#handlers.get(`${header.prog}/${header.proc}`);
    if (handler) handler(payload);
    else if (debug.enabled) debug('%s: no handler for message prog %d proc %d', this.description, header.prog, header.proc);
  }

  #lost(reason: string, cause: unknown, requested = false): void {
    if (this.#closed) return;
    const error = new QgaConnectionError(`${this.description}: ${requested ? reason : `the libvirt connection was lost: ${reason}`}`, cause === undefined ? undefined : { cause });
    this.#closed = error;
    this.#keepalive?.stop();
    this.#reader.reset();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#late.clear();
    this.#handlers.clear();
    this.#stream.destroy();
    for (const entry of pending) entry.reject(error);
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) {
      try {
        listener(requested ? undefined : error);
      } catch (listenerError) {
        if (debug.enabled) debug('%s: close listener failed: %s', this.description, String(listenerError));
      }
    }
  }
}
