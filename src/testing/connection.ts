/**
 * The agent's view of one client connection, whether a unix socket or an in-process
 * transport: input that can be paused (so a client that floods the agent meets
 * backpressure instead of filling memory), writes that resolve when the bytes left, and
 * an abrupt close for the `close` fault.
 * @module
 */
import type { Socket } from 'node:net';

/** Receives a connection's input once it is the one being served. */
export interface InputSink {
  data(chunk: Buffer): void;
  /** No more input (EOF or the connection closed). May be called more than once. */
  end(): void;
}

/** One client connection, seen from the agent. */
export interface AgentConnection {
  /** Start delivering input to `sink` (called once, when the agent starts serving it). */
  attach(sink: InputSink): void;
  pause(): void;
  resume(): void;
  /** Resolves when the bytes were handed on, or at once when the connection is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Close gracefully after pending writes. */
  end(): void;
  /** Close at once. */
  destroy(): void;
  /** True once nothing can be written any more. */
  readonly isClosed: boolean;
  /** Resolves when the connection is fully closed. */
  readonly closed: Promise<void>;
}

/** A unix-socket client. */
export class SocketConnection implements AgentConnection {
  readonly #socket: Socket;
  readonly closed: Promise<void>;

  constructor(socket: Socket) {
    this.#socket = socket;
    // Queued clients are not read from (the real agent stops watching its listen socket
    // while it serves someone), so their bytes wait in the kernel.
    socket.pause();
    // Peers vanish mid-write all the time in fault tests; the reply is simply lost.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  attach(sink: InputSink): void {
    this.#socket.on('data', (chunk: Buffer) => sink.data(chunk));
    this.#socket.once('end', () => sink.end());
    this.#socket.once('close', () => sink.end());
    if (this.#socket.destroyed) sink.end();
    this.#socket.resume();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  get isClosed(): boolean {
    return this.#socket.destroyed || !this.#socket.writable;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    // The callback runs once the bytes reached the kernel, or with an error when the
    // socket died first; either way the agent moves on, as qemu-ga does.
    return new Promise((resolve) => this.#socket.write(bytes, () => resolve()));
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
