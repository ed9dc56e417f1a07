/**
 * The libvirt channel: one client's way to one domain's agent through libvirtd, which owns
 * the agent's socket. Commands travel as the QEMU program's
 * DOMAIN_AGENT_COMMAND on a {@link LibvirtConnection}, the client's own or a shared one.
 *
 * - Never a guest-sync-delimited or a 0xFF: libvirt synchronises with the agent itself,
 *   and a reply it cannot parse breaks its agent channel for the domain. `sync()` is a
 *   guest-ping.
 * - Calls of one client go one at a time (call-queue.ts); clients on one connection run
 *   concurrently (libvirt serialises per domain, not per connection).
 * - Open: look the domain up, then one guest-ping. "QEMU guest agent is not connected"
 *   fails the open unless `waitForAgent`: then the channel waits for libvirt's
 *   AGENT_LIFECYCLE CONNECTED event for the domain (no polling), within `waitForAgent`.
 * - A lost connection (libvirtd restarted, keepalive lost): the call on it rejects with
 *   `QgaConnectionError`. With `reconnect` the channel asks the connection to reopen (one
 *   dial shared by every client on it) and later calls go out on the new link; without it
 *   the client closes. Closing a shared connection closes the clients on it.
 * @module
 */
import { abortable, workSignal } from '../../abortable.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import { QgaConnectionError, QgaTimeoutError } from '../../errors.js';
import { deferred, type Deferred } from '../../protocol/deferred.js';
import type { ChannelCallOptions, ChannelCapabilities, ChannelHooks, ChannelOptions, ChannelRequest, ConnectEvent, QgaChannel } from '../channel.js';
import { carry, type AgentTarget } from './agent-call.js';
import { domainGone } from './errors.js';
import { CallQueue } from '../call-queue.js';
import { InFlight } from '../../protocol/in-flight.js';
import type { Flight } from './in-flight.js';
import { libvirtCapabilities } from './capabilities.js';
import { openAgent } from './open-agent.js';
import { LibvirtConnection, type LibvirtConnectionUser } from './libvirt-connection.js';
import type { LibvirtConnectOptions } from './libvirt-options.js';
import type { RemoteDomain } from './procedures.js';

const debug = debuglog('qga:libvirt');

export class LibvirtChannel implements QgaChannel, LibvirtConnectionUser {
  readonly capabilities: ChannelCapabilities;
  readonly description: string;
  readonly #target: LibvirtConnectOptions;
  readonly #options: ChannelOptions;
  readonly #hooks: ChannelHooks;
  readonly #queue = new CallQueue();
  /** The call on the wire (one at a time per client), its timer, its end when the channel closes. */
  readonly #inFlight = new InFlight<Flight>();
  #connection: LibvirtConnection | undefined;
  #detach: (() => void) | undefined;
  /** Where this client's commands go, made once the domain was looked up. */
  #agent: AgentTarget | undefined;
  #state: 'opening' | 'open' | 'reconnecting' | 'closed' = 'opening';
  /** While reconnecting: settles when the link is back or given up. */
  #back: Deferred<void> | undefined;
  #lastConnect: ConnectEvent | undefined;
  #closing: Promise<void> | undefined;

  constructor(target: LibvirtConnectOptions, options: ChannelOptions, hooks: ChannelHooks) {
    this.#target = target;
    this.#options = options;
    this.#hooks = hooks;
    this.capabilities = libvirtCapabilities(options.maxReplyBytes);
    this.description = `libvirt ${target.connection?.uri ?? target.uri ?? 'qemu:///system'} domain ${target.domain}`;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  get lastConnect(): ConnectEvent | undefined {
    return this.#lastConnect;
  }

  async open(signal: AbortSignal | undefined): Promise<void> {
    const started = performance.now();
    const { waitForAgent, connectTimeout } = this.#options;
    // As on the direct channel: with waitForAgent, that is the whole budget.
    const budget = waitForAgent > 0 ? waitForAgent : connectTimeout;
    // One signal and timer for the whole open, not AbortSignal.timeout/any (see open-rpc.ts).
    signal?.throwIfAborted();
    const opening = workSignal([signal], budget);
    const bounded = opening.signal;
    try {
      const connection = await this.#connect(bounded, budget);
      this.#detach = connection.attach(this);
      const reach = async (): Promise<number> => {
        const dom = await connection.lookup(this.#target.domain, bounded);
        this.#agent = agentTarget(connection, dom, this.description, this.capabilities.limits.maxReplyBytes);
        return openAgent({
          connection,
          dom,
          target: this.#agent,
          inFlight: this.#inFlight,
          description: this.description,
          wait: waitForAgent > 0,
          deadline: started + budget,
          attemptTimeout: connectTimeout,
          signal: bounded,
        });
      };
      let attempts: number;
      try {
        attempts = await reach();
      } catch (error) {
        // A shared connection may remember a domain that was since re-created (a new
        // UUID under the same name): look it up afresh, once.
        if (!domainGone(error)) throw error;
        connection.forget(this.#target.domain);
        attempts = await reach();
      }
      if (this.#isClosed()) throw new QgaConnectionError(`${this.description}: the client was closed while connecting`);
      this.#state = 'open';
      this.#connected(started, attempts, false);
    } catch (error) {
      await this.#release();
      this.#state = 'closed';
      if (signal?.aborted) throw signal.reason;
      if (bounded.aborted) {
        throw new QgaConnectionError(
          `${this.description}: the agent did not answer within ${budget} ms. Is qemu-ga running in the guest? ` +
            'Another libvirt client may hold the domain\'s agent: libvirt runs one agent command per domain at a time.',
          { cause: error },
        );
      }
      throw error instanceof QgaConnectionError ? error : new QgaConnectionError(`${this.description}: ${(error as Error).message}`, { cause: error });
    } finally {
      opening.dispose();
    }
  }

  async send(request: ChannelRequest, options: ChannelCallOptions): Promise<unknown> {
    const command = request.execute;
    if (this.#state === 'closed') throw new QgaConnectionError(`${this.description}: the client is closed`);
    const started = performance.now();
    const release = this.#queue.take() ?? (await this.#queue.turn(options.timeout, options.signal, () => new QgaTimeoutError(command, options.timeout)));
    try {
      if (this.#state !== 'open') await this.#whenBack(command, options, started);
      const result = await carry(this.#agent!, request, options, started + options.timeout, this.#inFlight);
      return options.discardResult ? undefined : result;
    } catch (error) {
      // The next client on this connection looks the domain up again (it may have been
      // re-created under a new UUID), instead of failing on the remembered one.
      if (domainGone(error)) this.#connection?.forget(this.#target.domain);
      throw error;
    } finally {
      release();
    }
  }

  async sync(options: { timeout: number; signal?: AbortSignal | undefined }): Promise<void> {
    await this.send({ execute: 'guest-ping' }, { ...options, expectReply: true });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const wasOpen = this.#state === 'open' || this.#state === 'reconnecting';
      this.#shut(new QgaConnectionError(`${this.description}: the client was closed`));
      await this.#release();
      if (wasOpen) this.#hooks.close();
    })();
    return this.#closing;
  }

  /** @internal The connection was lost: reconnect, or close with the error. */
  connectionLost(error: QgaConnectionError): void {
    if (this.#state !== 'open') return;
    if (!this.#options.reconnect) {
      this.#lose(error);
      return;
    }
    this.#state = 'reconnecting';
    this.#back = deferred();
    this.#back.promise.catch(() => undefined);
    void this.#reconnect(error);
  }

  /** @internal The shared connection was closed by its owner. */
  connectionClosed(error: QgaConnectionError): void {
    if (this.#state === 'closed') return;
    this.#lose(new QgaConnectionError(`${this.description}: the libvirt connection was closed`, { cause: error }));
  }

  async #connect(signal: AbortSignal, budget: number): Promise<LibvirtConnection> {
    const shared = this.#target.connection;
    if (shared) {
      if (shared.state === 'lost') await shared.reopen(signal);
      this.#connection = shared;
      return shared;
    }
    const { uri, ca, cert, key, stream, keepalive } = this.#target;
    this.#connection = await LibvirtConnection.open({ uri, ca, cert, key, stream, keepalive, signal, timeout: budget });
    return this.#connection;
  }

  /** Waits, within the call's time, for a reconnect in progress. */
  async #whenBack(command: string, options: ChannelCallOptions, started: number): Promise<void> {
    if (this.#state === 'closed') throw new QgaConnectionError(`${this.description}: the client is closed`);
    const back = this.#back!.promise;
    const remaining = Math.max(1, Math.ceil(options.timeout - (performance.now() - started)));
    const wait = workSignal([options.signal], remaining, () => new QgaTimeoutError(command, options.timeout, `${command}: ${this.description}: the libvirt connection was not back within ${options.timeout} ms`));
    try {
      await abortable(back, wait.signal);
    } finally {
      wait.dispose();
    }
  }

  async #reconnect(lost: QgaConnectionError): Promise<void> {
    const { retries, delay } = this.#options.reconnect!;
    const started = performance.now();
    for (let attempt = 1; attempt <= retries; attempt++) {
      this.#hooks.reconnecting({ attempt, retries, error: lost });
      await sleep(delay);
      if (this.#isClosed()) return;
      try {
        const bounded = workSignal([], Math.ceil(this.#options.connectTimeout));
        try {
          await this.#connection!.reopen(bounded.signal);
        } finally {
          bounded.dispose();
        }
        if (this.#state !== 'reconnecting') return;
        this.#state = 'open';
        this.#back!.resolve();
        this.#connected(started, attempt, true);
        return;
      } catch (error) {
        if (debug.enabled) debug('%s: reconnect attempt %d failed: %s', this.description, attempt, String(error));
        if (this.#isClosed()) return;
      }
    }
    this.#lose(new QgaConnectionError(`${this.description}: the libvirt connection was lost and ${retries} reconnect attempts failed`, { cause: lost }));
  }

  #connected(started: number, attempts: number, reconnected: boolean): void {
    const duration = performance.now() - started;
    this.#lastConnect = { channel: 'libvirt', transport: this.description, duration, attempts, reconnected, discardedBytes: 0, discardedMessages: 0 };
    if (debug.enabled) debug('%s %s in %d ms', this.description, reconnected ? 'reconnected' : 'connected', duration.toFixed(1));
    this.#hooks.connect(this.#lastConnect);
  }

  /** A method, so checks after an `await` see the state `close()` may have set meanwhile. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Lost for good: waiting calls and the one in flight reject with `error`. */
  #lose(error: QgaConnectionError): void {
    if (this.#state === 'closed') return;
    this.#shut(error);
    void this.#release();
    this.#hooks.close(error);
  }

  #shut(error: QgaConnectionError): void {
    this.#state = 'closed';
    this.#queue.clear(error);
    this.#back?.reject(error);
    this.#inFlight.close(error);
  }

  /** Stops listening to the connection, and closes it when it is the client's own. */
  async #release(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
    const connection = this.#connection;
    if (connection && connection !== this.#target.connection) await connection.close();
  }
}

/** A client's target: the connection's RPC link as it is now (it changes on reopen), and its domain. */
function agentTarget(connection: LibvirtConnection, dom: RemoteDomain, description: string, maxReplyBytes: number): AgentTarget {
  return {
    get rpc() {
      return connection.rpc;
    },
    dom,
    description,
    maxReplyBytes,
  };
}
