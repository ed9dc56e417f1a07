/**
 * The Proxmox VE channel: QGA commands carried by Proxmox's REST API
 * (qemu-server 9.2 `PVE/API2/Qemu/Agent.pm`, `PVE/QemuServer/Agent.pm`).
 *
 * qemu-server opens the agent socket for each command (synchronising it with
 * guest-sync-delimited itself), so the channel has no byte stream to resynchronise: `sync`
 * is a no-op, a timed-out call leaves nothing behind to discard, and every call is one or a
 * few HTTPS requests. Calls are serialised per channel (one VM's agent takes one command at
 * a time), commands Proxmox has no endpoint for are refused before anything is sent, and
 * the replies are put back into the shapes qemu-ga uses, so the client's helpers run
 * unchanged.
 * @module
 */
import { pause } from '../../abortable.js';
import { debuglog } from 'node:util';
import { CallQueue } from '../call-queue.js';
import type { ChannelCallOptions, ChannelCapabilities, ChannelFileCallOptions, ChannelHooks, ChannelOptions, ChannelRequest, ConnectEvent, QgaChannel } from '../channel.js';
import { QgaCommandError, QgaConnectionError, QgaError, QgaTimeoutError } from '../../errors.js';
import { ProxmoxAuth } from './auth.js';
import { PROXMOX_COMMANDS, PROXMOX_ENDPOINTS, PROXMOX_LIMITS } from './endpoints.js';
import { failureKind } from './errors.js';
import { ProxmoxExec } from './exec.js';
import { ProxmoxFiles } from './files.js';
import { freeze } from './freeze.js';
import { ProxmoxHttp } from './http.js';
import type { ResolvedProxmoxOptions } from './options.js';
import { BodyTooLargeError, ProxmoxRequester, type CallContext } from './requester.js';
import { mapArguments, mapReply } from './translate.js';
import { monotonicNow } from '../../protocol/timers.js';

const debug = debuglog('qga:proxmox');

/** Pause between connect attempts while waiting for the agent (each may take qemu-server's 3 s ping). */
const AGENT_RETRY_MS = 250;

/** What a {@link ProxmoxChannel} is made from. */
export interface ProxmoxChannelInit {
  proxmox: ResolvedProxmoxOptions;
  options: ChannelOptions;
  hooks: ChannelHooks;
  /** ms clock for ticket renewal; tests inject one. Default `Date.now`. */
  clock?: (() => number) | undefined;
}

/** A {@link QgaChannel} through Proxmox VE's API. */
export class ProxmoxChannel implements QgaChannel {
  readonly capabilities: ChannelCapabilities;
  readonly description: string;
  readonly files: ProxmoxFiles;
  readonly #options: ChannelOptions;
  readonly #hooks: ChannelHooks;
  readonly #http: ProxmoxHttp;
  readonly #requester: ProxmoxRequester;
  readonly #exec: ProxmoxExec;
  readonly #turns = new CallQueue();
  /** Aborted by close(): requests in flight and callers waiting for their turn stop. */
  readonly #closing = new AbortController();
  #state: 'new' | 'open' | 'closed' = 'new';
  #lastConnect: ConnectEvent | undefined;

  constructor(init: ProxmoxChannelInit) {
    const { proxmox, options, hooks } = init;
    this.#options = options;
    this.#hooks = hooks;
    this.#http = new ProxmoxHttp({ host: proxmox.host, port: proxmox.port, trust: proxmox.trust, handshakeTimeout: options.connectTimeout, closing: this.#closing.signal });
    this.description = `Proxmox VE ${this.#http.origin} VM ${proxmox.vmid}`;
    const auth = new ProxmoxAuth(proxmox.credentials, (request, limits) => this.#http.send(request, limits), init.clock ?? Date.now, this.description);
    this.#requester = new ProxmoxRequester(this.#http, auth, proxmox.vmid, proxmox.node, options.maxReplyBytes);
    this.#exec = new ProxmoxExec(this.#requester);
    this.files = new ProxmoxFiles((command, opts, fn) => this.#inTurn(command, opts, fn), this.#requester, this.#exec);
    this.capabilities = Object.freeze({
      kind: 'proxmox',
      commands: PROXMOX_COMMANDS,
      noReply: 'manager',
      fileHandles: false,
      limits: Object.freeze({
        maxRequestBytes: PROXMOX_LIMITS.body,
        maxReplyBytes: options.maxReplyBytes,
        // 1 MiB a request: well inside the 5 s call timeout and pveproxy's 30 s (a 4 MiB
        // read took 3.3 s with decode=0 on a real PVE, qemu-server commit a1397a11).
        fileReadChunk: 1024 * 1024,
        maxFileReadChunk: PROXMOX_LIMITS.fileRead,
        fileWriteChunk: PROXMOX_LIMITS.fileWrite,
        maxFileWriteChunk: PROXMOX_LIMITS.fileWrite,
        maxExecOutputBytes: PROXMOX_LIMITS.execOutput,
      }),
    });
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  get lastConnect(): ConnectEvent | undefined {
    return this.#lastConnect;
  }

  /** The node the VM was last seen on (given, or looked up). */
  get node(): string | undefined {
    return this.#requester.node;
  }

  /**
   * Logs in (tickets), finds the node when not given, and pings the agent. With
   * `waitForAgent`, "QEMU guest agent is not running" is retried until that many ms passed.
   */
  async open(signal: AbortSignal | undefined): Promise<void> {
    const started = performance.now();
    const waiting = this.#options.waitForAgent > 0;
    const budget = waiting ? Math.max(this.#options.waitForAgent, this.#options.connectTimeout) : this.#options.connectTimeout;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const remaining = budget - (performance.now() - started);
      try {
        await this.#inTurn('guest-ping', { timeout: Math.max(1, Math.min(remaining, this.#options.connectTimeout)), signal }, (ctx) => this.#ping(ctx));
        break;
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        const retry = waiting && agentNotReady(error) && budget - (performance.now() - started) > AGENT_RETRY_MS;
        if (!retry) {
          this.#http.close();
          this.#state = 'closed';
          throw connectError(this.description, error);
        }
        debug('%s: agent not ready (%s), retrying', this.description, (error as Error).message);
        await pause(AGENT_RETRY_MS, signal);
      }
    }
    this.#state = 'open';
    const duration = performance.now() - started;
    this.#lastConnect = { channel: 'proxmox', transport: this.description, duration, attempts, reconnected: false, discardedBytes: 0, discardedMessages: 0 };
    this.#hooks.connect(this.#lastConnect);
  }

  async send(request: ChannelRequest, options: ChannelCallOptions): Promise<unknown> {
    const command = request.execute;
    if (this.#state === 'closed') throw new QgaConnectionError(`${this.description}: the client is closed`);
    const endpoint = Object.hasOwn(PROXMOX_ENDPOINTS, command) ? PROXMOX_ENDPOINTS[command] : undefined;
    if (endpoint === undefined) {
      throw new QgaCommandError(command, 'CommandNotFound', `${command} cannot be carried by the Proxmox VE channel: Proxmox's API exposes a fixed set of agent commands (see capabilities.commands); not sent`);
    }
    const params = mapArguments(command, endpoint.args, request.arguments);
    const result = await this.#inTurn(command, options, async (ctx) => {
      try {
        if (command === 'guest-fsfreeze-freeze') return await freeze(this.#requester, ctx);
        if (command === 'guest-exec') return { pid: await this.#exec.start(ctx, params) };
        if (command === 'guest-exec-status') return await this.#exec.status(ctx, params['pid'] as number);
        const data = await this.#requester.agent(ctx, { method: endpoint.method, path: endpoint.path, params, idempotent: endpoint.idempotent });
        return mapReply(command, endpoint.reply, data);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        // Only exec's stdin can get that large (65,536 bytes may take 384 KiB as JSON).
        throw new QgaCommandError(command, 'GenericError', `the request is over this Proxmox's body limit of ${error.limit} bytes (64 KiB before PVE 8.4); send less input; not run`);
      }
    });
    return options.discardResult ? undefined : result;
  }

  /** Nothing to do: qemu-server synchronises the agent socket before every command. */
  sync(options: { timeout: number; signal?: AbortSignal | undefined }): Promise<void> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.#state === 'closed') return Promise.reject(new QgaConnectionError(`${this.description}: the client is closed`));
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#closing.abort(new QgaConnectionError(`${this.description}: the client was closed`));
    this.#http.close();
    if (wasOpen) this.#hooks.close();
    return Promise.resolve();
  }

  async #ping(ctx: CallContext): Promise<void> {
    const endpoint = PROXMOX_ENDPOINTS['guest-ping']!;
    mapReply(ctx.command, 'result', await this.#requester.agent(ctx, { method: endpoint.method, path: endpoint.path, params: {}, idempotent: true }));
  }

  /**
   * Waits for this channel's turn and runs `fn` with the call's context: the deadline
   * covers the wait, and close() stops both the wait and the requests.
   */
  async #inTurn<T>(command: string, options: ChannelFileCallOptions, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
    const { timeout } = options;
    const deadline = monotonicNow() + timeout;
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    const release =
      this.#turns.take() ??
      (await this.#turns.turn(timeout, signal, () => new QgaTimeoutError(command, timeout, `${command}: still waiting for earlier calls to ${this.description} after ${timeout} ms; not sent`)));
    try {
      signal.throwIfAborted();
      return await fn({ command, timeout, deadline, signal, where: this.description });
    } finally {
      release();
    }
  }
}

/** The agent is not answering yet: worth another try while waiting for it. */
function agentNotReady(error: unknown): boolean {
  const kind = failureKind(error);
  return kind === 'agent-not-running' || kind === 'agent-unreachable';
}

/** Whatever stopped the connect, as the `QgaConnectionError` the contract promises. */
function connectError(description: string, error: unknown): Error {
  if (error instanceof QgaConnectionError) return error;
  if (error instanceof QgaError) return new QgaConnectionError(`${description}: ${error.message}`, { cause: error });
  return error instanceof Error ? new QgaConnectionError(`${description}: ${error.message}`, { cause: error }) : new QgaConnectionError(`${description}: ${String(error)}`);
}
