import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import { QgaConnectionError } from '../../errors.js';
import { RequestQueue, type ResyncInfo, type ResyncReason } from '../../protocol/request-queue.js';
import type { Transport, TransportHandlers } from '../../transport/transport.js';
import type { ChannelCallOptions, ChannelCapabilities, ChannelHooks, ChannelOptions, ChannelRequest, ConnectEvent, QgaChannel } from '../channel.js';
import { directCapabilities } from './capabilities.js';
import { openTransport, openWithRetry } from './open-with-retry.js';

const debug = debuglog('qga');

/**
 * The direct channel: the host end of the agent's virtio-serial port (or any
 * {@link Transport}), framed and queued here, one request on the wire at a time.
 *
 * It owns the life of the byte channel: opening it (waiting for the agent if asked),
 * losing it, reopening it when `reconnect` is on, and closing it. The queue lives as long
 * as the client: across a reconnect, calls not yet written wait and then go out on the new
 * channel; the call that was on the wire fails, since nobody can tell whether it ran.
 */
export class DirectChannel implements QgaChannel {
  readonly queue: RequestQueue;
  readonly capabilities: ChannelCapabilities;
  readonly #transport: Transport;
  readonly #options: ChannelOptions;
  readonly #hooks: ChannelHooks;
  #state: 'opening' | 'open' | 'reconnecting' | 'closed' = 'opening';
  #closing: Promise<void> | undefined;
  /** The opening of the channel that is current; a write failure ends it. */
  #attachment: { open: boolean } | undefined;
  #connectResync: ResyncInfo | undefined;
  #lastConnect: ConnectEvent | undefined;

  constructor(transport: Transport, options: ChannelOptions, hooks: ChannelHooks) {
    this.capabilities = directCapabilities(options.maxReplyBytes);
    this.#transport = transport;
    this.#options = options;
    this.#hooks = hooks;
    this.queue = new RequestQueue({
      write: transport.write.bind(transport),
      writeText: transport.writeText?.bind(transport),
      // A failed write means the channel is gone, even though the transport may report the
      // close only a loop iteration later. Treat it as lost at once: otherwise the queue goes
      // on writing the calls behind it into the dead channel, and they all fail ("channel is
      // not open") instead of waiting for the reconnect.
      onWriteFailed: (error) => {
        if (this.#attachment) this.#detach(this.#attachment, error instanceof Error ? error : new Error(String(error)));
      },
      maxReplyBytes: options.maxReplyBytes,
      holdsProcess: transport.keepsProcessAlive !== true,
      onResync: (info) => {
        if (info.reason === 'connect' || info.reason === 'reconnect') this.#connectResync = info;
        if (debug.enabled) debug('resync (%s): discarded %d bytes, %d messages', info.reason, info.bytes, info.messages);
        hooks.resync(info);
      },
    });
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** What the last (re)connect took and discarded. */
  get lastConnect(): ConnectEvent | undefined {
    return this.#lastConnect;
  }

  get description(): string {
    return this.#transport.description;
  }

  send(request: ChannelRequest, options: ChannelCallOptions): Promise<unknown> {
    return this.queue.send(request, options);
  }

  sync(options: { timeout: number; signal?: AbortSignal | undefined }): Promise<void> {
    return this.queue.resync(options, 'requested');
  }

  async open(signal: AbortSignal | undefined): Promise<void> {
    const started = performance.now();
    const attempts = await openWithRetry({
      transport: this.#transport,
      options: this.#options,
      signal,
      attach: () => this.#attach(),
      resync: (timeout, attemptSignal, reason) => this.#resyncFirst(timeout, attemptSignal, reason),
    });
    this.#state = 'open';
    this.#connected(started, attempts, false);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const wasOpen = this.#state !== 'closed';
      this.#state = 'closed';
      this.queue.close(() => new QgaConnectionError(`${this.description}: the client was closed`));
      await this.#transport.close();
      if (wasOpen) this.#hooks.close();
    })();
    return this.#closing;
  }

  /** The (re)connect's resync goes ahead of calls that waited for the channel. */
  #resyncFirst(timeout: number, signal: AbortSignal | undefined, reason: ResyncReason): Promise<void> {
    const synced = this.queue.resync({ timeout, signal, first: true }, reason);
    this.queue.resume();
    return synced;
  }

  /** A method, so checks after an `await` see the state `close()` may have set meanwhile. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #connected(started: number, attempts: number, reconnected: boolean): void {
    const duration = performance.now() - started;
    if (debug.enabled) debug('%s %s in %d ms (%d attempts)', reconnected ? 'reconnected to' : 'connected to', this.description, duration.toFixed(1), attempts);
    const resync = this.#connectResync;
    this.#connectResync = undefined;
    this.#lastConnect = { channel: 'direct', transport: this.description, duration, attempts, reconnected, discardedBytes: resync?.bytes ?? 0, discardedMessages: resync?.messages ?? 0 };
    this.#hooks.connect(this.#lastConnect);
  }

  #attach(): TransportHandlers & { isOpen(): boolean } {
    const attachment = { open: true };
    this.#attachment = attachment;
    return {
      onData: (chunk) => this.queue.receive(chunk),
      onClose: (error) => this.#detach(attachment, error),
      isOpen: () => attachment.open,
    };
  }

  /** One opening of the channel ended (closed by the peer, an error, or a failed write). */
  #detach(attachment: { open: boolean }, error: Error | undefined): void {
    if (!attachment.open) return;
    attachment.open = false;
    this.#lost(error);
    // The transport may still think it is open (a failed write): make sure it lets go of
    // the socket, so the next opening starts clean. Its own close report is ignored now.
    if (this.#attachment === attachment) void this.#transport.close();
  }

  #lost(error: Error | undefined): void {
    const reason = `${this.description}: the channel closed${error ? ` (${error.message})` : ''}`;
    if (debug.enabled) debug('%s', reason);
    // Closed by close(): the socket's own close report needs no error (nobody would see it).
    if (this.#state === 'closed') return;
    const lost = new QgaConnectionError(reason, error ? { cause: error } : undefined);
    if (this.#state === 'opening' || this.#state === 'reconnecting') {
      this.queue.suspend(lost);
      return;
    }
    if (this.#options.reconnect) {
      this.queue.suspend(lost);
      void this.#reconnect(lost);
      return;
    }
    this.#state = 'closed';
    this.queue.close(lost);
    this.#hooks.close(lost);
  }

  async #reconnect(lost: QgaConnectionError): Promise<void> {
    const { retries, delay } = this.#options.reconnect!;
    this.#state = 'reconnecting';
    const started = performance.now();
    for (let attempt = 1; attempt <= retries; attempt++) {
      this.#hooks.reconnecting({ attempt, retries, error: lost });
      await sleep(delay);
      if (this.#isClosed()) return;
      const handlers = this.#attach();
      try {
        await openTransport(this.#transport, handlers, this.#options.connectTimeout);
        await this.#resyncFirst(this.#options.connectTimeout, undefined, 'reconnect');
        if (this.#isClosed()) return;
        this.#state = 'open';
        this.#connected(started, attempt, true);
        return;
      } catch {
        if (this.#isClosed()) return;
        this.queue.suspend(lost);
        await this.#transport.close();
      }
    }
    if (this.#isClosed()) return;
    this.#state = 'closed';
    const failed = new QgaConnectionError(`${this.description}: the channel closed and ${retries} reconnect attempts failed`, { cause: lost });
    this.queue.close(failed);
    await this.#transport.close();
    this.#hooks.close(failed);
  }
}
