import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { QgaConnectionError } from '../errors.js';
import type { Transport, TransportHandlers } from './transport.js';

/** Waits for one write's callback. */
interface WriteWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

const FLUSHED: Promise<void> = Promise.resolve();
const EMPTY = new Uint8Array(0);

/**
 * Where a {@link SocketTransport} connects: a unix socket path, or a TCP host and port
 * (QEMU `-chardev socket,host=…,port=…,server=on`).
 *
 * @example
 * ```ts
 * new SocketTransport({ path: '/run/vm1/qga.sock' });
 * new SocketTransport({ host: '127.0.0.1', port: 4444 });
 * ```
 */
export type SocketTransportOptions =
  | {
      /** Path of the unix socket. */
      path: string;
    }
  | {
      /** Host name or IP address. */
      host: string;
      /** TCP port, 1..65535. */
      port: number;
    };

/**
 * A {@link Transport} over node:net: a unix socket (the usual host side of a VM's agent
 * channel) or TCP.
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({ transport: new SocketTransport({ host: '127.0.0.1', port: 4444 }) });
 * ```
 */
export class SocketTransport implements Transport {
  /** `unix socket PATH` or `tcp HOST:PORT`, for error messages. */
  readonly description: string;
  /** A unix socket connects or is refused at once; a TCP connect may take its time. */
  readonly opensAtOnce: boolean;
  /** An open socket keeps the process running (see {@link Transport.keepsProcessAlive}). */
  readonly keepsProcessAlive = true;
  readonly #target: SocketTransportOptions;
  #socket: Socket | undefined;
  #writeWaiters: WriteWaiter[] = [];
  #afterWrite: (err?: Error | null) => void = () => undefined;

  /** Checks the target; nothing is opened until {@link SocketTransport.open}. */
  constructor(target: SocketTransportOptions) {
    if ('path' in target) {
      if (typeof target.path !== 'string' || target.path === '') throw new TypeError('SocketTransport: path must be a non-empty string');
    } else if (typeof target.host !== 'string' || !Number.isInteger(target.port) || target.port <= 0 || target.port > 65535) {
      throw new TypeError('SocketTransport: host must be a string and port an integer in 1..65535');
    }
    this.#target = 'path' in target ? { path: target.path } : { host: target.host, port: target.port };
    this.description = 'path' in target ? `unix socket ${target.path}` : `tcp ${target.host}:${target.port}`;
    this.opensAtOnce = 'path' in target;
  }

  /**
   * Connect and deliver what arrives to `handlers`. Rejects with a `QgaConnectionError`
   * that says what is wrong (no such socket, refused, permissions, backlog full), or with
   * `signal.reason` when aborted.
   *
   * @example
   * ```ts
   * // Normally QgaClient.connect does this; by hand:
   * await transport.open({ onData: (chunk) => console.log(chunk.length), onClose: () => console.log('closed') });
   * ```
   */
  open(handlers: TransportHandlers, signal?: AbortSignal): Promise<void> {
    if (this.#socket) return Promise.reject(new QgaConnectionError(`${this.description}: already open`));
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const socket = connect(this.#target);
      this.#socket = socket;
      // Per socket: a late callback of a closed socket must not settle a newer one's write.
      const waiters: WriteWaiter[] = [];
      this.#writeWaiters = waiters;
      this.#afterWrite = (err) => {
        const waiter = waiters.shift();
        if (!waiter) return;
        if (err) waiter.reject(new QgaConnectionError(`${this.description}: write failed: ${err.message}`, { cause: err }));
        else waiter.resolve();
      };
      let opened = false;
      const onAbort = (): void => {
        socket.destroy();
        this.#socket = undefined;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        opened = true;
        signal?.removeEventListener('abort', onAbort);
        socket.setNoDelay?.(true);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
      let lastError: Error | undefined;
      socket.on('error', (err) => {
        lastError = err;
        if (!opened) {
          signal?.removeEventListener('abort', onAbort);
          this.#socket = undefined;
          reject(connectError(this.description, err, 'path' in this.#target ? this.#target.path : undefined));
        }
      });
      socket.once('close', () => {
        if (this.#socket === socket) this.#socket = undefined;
        if (opened) handlers.onClose(lastError);
      });
    });
  }

  /**
   * Write bytes; resolves once the socket took them.
   *
   * @example
   * ```ts
   * await transport.write(Buffer.from('{"execute":"guest-ping"}\n'));
   * ```
   */
  write(bytes: Uint8Array): Promise<void> {
    return this.#write(bytes);
  }

  /**
   * Write `text` as UTF-8; resolves once the socket took it. The client uses it for its
   * request lines: a socket writes a string without a Buffer made for it.
   *
   * @example
   * ```ts
   * await transport.writeText('{"execute":"guest-ping"}\n');
   * ```
   */
  writeText(text: string): Promise<void> {
    return this.#write(text);
  }

  #write(chunk: Uint8Array | string): Promise<void> {
    const socket = this.#socket;
    // `writable` is false once the socket is destroyed, errored or ending.
    if (!socket?.writable) return Promise.reject(new QgaConnectionError(`${this.description}: channel is not open`));
    if (socket.writableLength === 0) {
      // Nothing queued: the kernel usually takes the chunk inside write(), as it does for
      // nearly every request line. Written without a callback, such a write costs Node no
      // tick and no callback round; a write callback was about a tenth of a sequential
      // call's JavaScript. A failure ends the socket ('error', then 'close'), and the
      // channel fails the call on the wire with it.
      socket.write(chunk);
      if (socket.writableLength === 0) return FLUSHED;
      // The kernel was full: an empty write queued behind it calls back once it is through.
      return this.#whenWritten(socket, EMPTY);
    }
    return this.#whenWritten(socket, chunk);
  }

  /** Writes `chunk` with a callback; resolves when the socket took it (and all before it). */
  #whenWritten(socket: Socket, chunk: Uint8Array | string): Promise<void> {
    const waiters = this.#writeWaiters;
    return new Promise((resolve, reject) => {
      waiters.push({ resolve, reject });
      socket.write(chunk, this.#afterWrite);
    });
  }

  /**
   * Close the socket; resolves once it is closed. Idempotent.
   *
   * @example
   * ```ts
   * await transport.close();
   * ```
   */
  close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}

/** Turns a node:net connect error into advice a person can act on. */
function connectError(description: string, err: NodeJS.ErrnoException, path: string | undefined): QgaConnectionError {
  const hint: Record<string, string> = {
    ENOENT: 'no such socket: is the VM running, and is its guest agent channel configured (virtserialport name=org.qemu.guest_agent.0)?',
    ECONNREFUSED: 'nothing is listening: the VM or agent socket is gone or not started yet',
    EACCES: 'permission denied: the socket belongs to another user (libvirt/QEMU); run as that user or adjust its permissions',
    EPERM: 'permission denied: the socket belongs to another user (libvirt/QEMU); run as that user or adjust its permissions',
    EAGAIN: 'the socket backlog is full: another client is probably connected (an agent channel serves one client at a time)',
    ENOTSOCK: 'the path exists but is not a socket',
    ETIMEDOUT: 'timed out connecting',
    EHOSTUNREACH: 'host unreachable',
  };
  // Linux refuses a connect to a file that is not a socket with ECONNREFUSED, the same code
  // as a socket nobody listens on: tell the two apart, the advice differs.
  const notSocket = path !== undefined && (err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') ? notASocket(path) : undefined;
  const advice = notSocket ?? (err.code && hint[err.code]) ?? err.message;
  return new QgaConnectionError(`cannot connect to ${description}: ${advice} [${err.code ?? 'error'}]`, { cause: err });
}

/** Advice when `path` exists but is not a socket; `undefined` when it is one (or is gone). */
function notASocket(path: string): string | undefined {
  let kind: string;
  try {
    const stats = statSync(path);
    if (stats.isSocket()) return undefined;
    kind = stats.isFile() ? 'a regular file' : stats.isDirectory() ? 'a directory' : stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() ? 'a character device' : 'not a socket';
  } catch {
    return undefined;
  }
  return `the path exists but is not a socket (it is ${kind}): pass the host end of the VM's agent channel, a unix socket`;
}
