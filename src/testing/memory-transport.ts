/**
 * An in-process channel between a client {@link Transport} and the simulated agent, for
 * tests that need no socket. Bytes are copied at each hand-over and delivered
 * asynchronously, in order, as a socket would; client writes wait while the agent is
 * not reading (bounded by a 1 MiB high-water mark).
 * @module
 */
import { QgaConnectionError } from '../errors.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import type { AgentConnection, InputSink } from './connection.js';

const HIGH_WATER = 1 << 20;

/** One open in-process connection: the client end and the agent end. */
class MemoryLink implements AgentConnection {
  readonly #handlers: TransportHandlers;
  readonly #inbound: Buffer[] = [];
  #inboundBytes = 0;
  #sink: InputSink | undefined;
  #paused = true;
  #clientEnded = false;
  /** The agent dropped the link; the close reaches the client after pending output. */
  #closing = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];
  #out: Promise<void> = Promise.resolve();
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(handlers: TransportHandlers) {
    this.#handlers = handlers;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  // ---- client side ----

  clientWrite(bytes: Uint8Array): Promise<void> {
    if (this.#closed || this.#clientEnded) return Promise.reject(new QgaConnectionError('in-process transport is closed'));
    const copy = Buffer.from(bytes);
    this.#inbound.push(copy);
    this.#inboundBytes += copy.length;
    this.#pump();
    if (this.#inboundBytes <= HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  clientClose(): Promise<void> {
    if (this.#clientEnded || this.#closed) return this.closed;
    this.#clientEnded = true;
    this.#pump();
    // The client is gone at once: nothing more is delivered to it.
    this.#finish(undefined);
    return this.closed;
  }

  // ---- agent side ----

  attach(sink: InputSink): void {
    this.#sink = sink;
    this.#paused = false;
    this.#pump();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const copy = Buffer.from(bytes);
    this.#out = this.#out.then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            if (!this.#closed) this.#handlers.onData(copy);
            resolve();
          }),
        ),
    );
    return this.#out;
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    // Input not yet read is lost, as with a socket the agent closes.
    this.#inbound.length = 0;
    this.#inboundBytes = 0;
    if (this.#closed) {
      this.#sink?.end();
      return;
    }
    // Bytes already written arrive first, then the close, as on a socket.
    this.#closing = true;
    void this.#out.then(() => this.#finish(new QgaConnectionError('the simulated agent closed the connection')));
  }

  #pump(): void {
    while (this.#sink && !this.#paused && this.#inbound.length > 0) {
      const chunk = this.#inbound.shift() as Buffer;
      this.#inboundBytes -= chunk.length;
      this.#sink.data(chunk);
    }
    if (this.#inboundBytes <= HIGH_WATER) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
    if ((this.#clientEnded || this.#closing) && this.#inbound.length === 0) this.#sink?.end();
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#drainWaiters) w();
    this.#drainWaiters = [];
    // Bytes the client wrote before closing are still read (#pump ends the input after them).
    if (this.#inbound.length === 0) this.#sink?.end();
    this.#handlers.onClose(error);
    this.#resolveClosed();
  }
}

/**
 * A {@link Transport} whose every `open()` makes a new in-process connection through
 * `connect`. Reopening after a close works, as transports may be reopened.
 */
export class MemoryTransport implements Transport {
  readonly description = 'in-process simulated agent';
  readonly #connect: (link: AgentConnection) => void;
  #link: MemoryLink | undefined;

  /** `connect` hands the agent end to the agent; it throws when the agent is stopped. */
  constructor(connect: (link: AgentConnection) => void) {
    this.#connect = connect;
  }

  open(handlers: TransportHandlers, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#link && !this.#link.isClosed) return Promise.reject(new QgaConnectionError(`${this.description} is already open`));
    const link = new MemoryLink(handlers);
    try {
      this.#connect(link);
    } catch (err) {
      return Promise.reject(new QgaConnectionError(`cannot open ${this.description}`, { cause: err }));
    }
    this.#link = link;
    return Promise.resolve();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#link) return Promise.reject(new QgaConnectionError(`${this.description} is not open`));
    return this.#link.clientWrite(bytes);
  }

  async close(): Promise<void> {
    await this.#link?.clientClose();
  }
}
