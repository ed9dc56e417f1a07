/**
 * One libvirt RPC connection, shareable by many clients (one per domain or several per
 * domain): `LibvirtConnection.open({ uri })`, then `QgaClient.connect({ libvirt: { domain,
 * connection } })` as often as needed.
 *
 * Opening follows libvirt's own client (open-rpc.ts). Domains are looked up once per
 * connection and cached; agent lifecycle events come from one registration shared by the
 * clients (agent-events.ts).
 *
 * Loss and reopening: when the link goes (libvirtd restarted, network cut, keepalive
 * lost), every client on it is told. A client with `reconnect` asks the connection to
 * reopen itself: one dial for all of them (concurrent requests share it), domains stay
 * valid (libvirtd resolves them by UUID). A client without `reconnect` closes, as on the
 * direct channel. A connection over a user-given stream reopens only when `stream` is a
 * function that makes a new one. `close()` is final and closes every client on it.
 * @module
 */
import type { Duplex } from 'node:stream';
import { debuglog } from 'node:util';
import { workSignal } from '../../abortable.js';
import { QgaConnectionError } from '../../errors.js';
import { AgentEvents, type AgentLifecycleListener } from './agent-events.js';
import type { PemSource } from './dial.js';
import { connectError } from './errors.js';
import { checkOptions, openRpc } from './open-rpc.js';
import { CONNECT_CLOSE, DOMAIN_LOOKUP_BY_NAME, DOMAIN_LOOKUP_BY_UUID, parseUuid, type RemoteDomain } from './procedures.js';
import { LibvirtRemoteError, VirErr } from './remote-error.js';
import type { RpcConnection } from './rpc-connection.js';
import { parseLibvirtUri, type ParsedLibvirtUri } from './uri.js';

const debug = debuglog('qga:libvirt');

const DEFAULT_URI = 'qemu:///system';
/** How long a polite CONNECT_CLOSE may take before the socket is just closed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Dead-peer detection on a libvirt connection: the `keepalive` option.
 *
 * @example
 * ```ts
 * // A flaky WAN link: notice a dead peer within ~20 s instead of ~30 s.
 * await LibvirtConnection.open({ uri: 'qemu+tls://kvm1.example/system', keepalive: { interval: 4_000, count: 4 } });
 * ```
 */
export interface LibvirtKeepaliveOptions {
  /** ms of silence from libvirtd before a PING. Default 5000 (libvirt's own). */
  interval?: number | undefined;
  /** Unanswered PINGs before the connection counts as lost. Default 5. */
  count?: number | undefined;
}

/**
 * Options of {@link LibvirtConnection.open}.
 *
 * @example
 * ```ts
 * const local = await LibvirtConnection.open();                                  // qemu:///system
 * const tls = await LibvirtConnection.open({ uri: 'qemu+tls://kvm1.example/system', ca: '/etc/pki/CA/cacert.pem' });
 * const ssh = await LibvirtConnection.open({ uri: 'qemu+ssh://root@kvm2.example/system?keyfile=/root/.ssh/id_ed25519' });
 * ```
 */
export interface LibvirtConnectionOptions {
  /**
   * libvirt URI. Default `qemu:///system` (the local daemon's socket: `virtqemud-sock` if
   * present, else `libvirt-sock`; `?socket=PATH` to choose). Also `qemu+tls://host[:port]/system`,
   * `qemu+ssh://[user@]host[:port]/system` (runs `ssh`, batch mode: keys or an agent),
   * `qemu+tcp://host/system` (only when the daemon allows auth none there).
   */
  uri?: string | undefined;
  /**
   * A connected byte stream to libvirtd to use instead of dialling `uri` (which then only
   * names the driver, `qemu:///system`): any `Duplex`, or a function returning a new one
   * each time the connection is (re)opened.
   */
  stream?: Duplex | (() => Duplex | Promise<Duplex>) | undefined;
  /** TLS: the CA certificate (PEM text or file path). Default `/etc/pki/CA/cacert.pem`. */
  ca?: PemSource | undefined;
  /** TLS: the client certificate (PEM text or file path). Default `/etc/pki/libvirt/clientcert.pem`. */
  cert?: PemSource | undefined;
  /** TLS: the client key (PEM text or file path). Default `/etc/pki/libvirt/private/clientkey.pem`. */
  key?: PemSource | undefined;
  /** ms to dial, authenticate and open. Default 10000. */
  timeout?: number | undefined;
  /**
   * Dead-peer detection: PING after `interval` ms of silence, give up after `count`
   * unanswered PINGs. Default `{ interval: 5000, count: 5 }`; `false` to switch it off
   * (PINGs from libvirtd are always answered).
   */
  keepalive?: LibvirtKeepaliveOptions | false | undefined;
  /** Aborts the open. */
  signal?: AbortSignal | undefined;
}

/** @internal What a client on the connection is told. */
export interface LibvirtConnectionUser {
  /** The link went away; `reopen()` may bring it back. */
  connectionLost(error: QgaConnectionError): void;
  /** `close()` was called: final. */
  connectionClosed(error: QgaConnectionError): void;
}

/**
 * One connection to libvirtd, shared by the clients made on it.
 *
 * @example
 * ```ts
 * import { LibvirtConnection, QgaClient } from 'qga-client';
 *
 * const connection = await LibvirtConnection.open({ uri: 'qemu:///system' });
 * const vm1 = await QgaClient.connect({ libvirt: { domain: 'vm1', connection } });
 * const vm2 = await QgaClient.connect({ libvirt: { domain: 'vm2', connection } });
 * await Promise.all([vm1.ping(), vm2.ping()]); // concurrently, on one socket
 * await connection.close();                     // closes vm1 and vm2 too
 * ```
 */
export class LibvirtConnection {
  /** The URI this connection was opened with. */
  readonly uri: string;
  readonly #parsed: ParsedLibvirtUri;
  readonly #options: LibvirtConnectionOptions;
  readonly #users = new Set<LibvirtConnectionUser>();
  readonly #domains = new Map<string, RemoteDomain>();
  readonly #events = new AgentEvents();
  #rpc: RpcConnection;
  #state: 'open' | 'lost' | 'closed' = 'open';
  #reopening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #generation = 1;

  private constructor(parsed: ParsedLibvirtUri, options: LibvirtConnectionOptions, rpc: RpcConnection) {
    this.uri = parsed.uri;
    this.#parsed = parsed;
    this.#options = options;
    this.#rpc = rpc;
    this.#watch(rpc);
  }

  /**
   * Dials libvirtd, authenticates and opens the QEMU driver. Rejects with
   * `QgaConnectionError` (unreachable, permission denied, authentication refused, SASL
   * required) or `signal.reason`; bad options throw `TypeError`.
   *
   * @example
   * ```ts
   * const connection = await LibvirtConnection.open({ uri: 'qemu+ssh://root@kvm1.example/system' });
   * ```
   */
  static async open(options: LibvirtConnectionOptions = {}): Promise<LibvirtConnection> {
    if (typeof options !== 'object' || options === null) throw new TypeError('LibvirtConnection.open: options must be an object');
    const parsed = parseLibvirtUri(options.uri ?? DEFAULT_URI);
    checkOptions(options);
    const rpc = await openRpc(parsed, options, options.signal);
    return new LibvirtConnection(parsed, options, rpc);
  }

  /** True once {@link LibvirtConnection.close} was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Closes the connection and every client made on it (their waiting calls reject with
   * `QgaConnectionError`). Idempotent.
   *
   * @example
   * ```ts
   * await connection.close();
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closed';
      const error = new QgaConnectionError(`libvirt ${this.uri}: the libvirt connection was closed`);
      for (const user of [...this.#users]) user.connectionClosed(error);
      this.#users.clear();
      const rpc = this.#rpc;
      if (!rpc.closed) {
        // Politely, as virsh does, so libvirtd frees the connection's state at once.
        const grace = workSignal([], CLOSE_GRACE_MS);
        await rpc.call(CONNECT_CLOSE, undefined, { signal: grace.signal }).catch(() => undefined);
        grace.dispose();
      }
      rpc.close();
    })();
    return this.#closing;
  }

  /**
   * `await using connection = await LibvirtConnection.open()` closes it at scope end.
   *
   * @example
   * ```ts
   * await using connection = await LibvirtConnection.open();
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal The current RPC link (a new one after each reopen). */
  get rpc(): RpcConnection {
    return this.#rpc;
  }

  /** @internal Increases with every reopen. */
  get generation(): number {
    return this.#generation;
  }

  /** @internal `open`, `lost` (reopen() may bring it back) or `closed`. */
  get state(): 'open' | 'lost' | 'closed' {
    return this.#state;
  }

  /** @internal Tells `user` about loss and close; returns the function that stops it. */
  attach(user: LibvirtConnectionUser): () => void {
    if (this.#state === 'closed') throw new QgaConnectionError(`libvirt ${this.uri}: the libvirt connection is closed`);
    this.#users.add(user);
    return () => this.#users.delete(user);
  }

  /**
   * @internal Looks a domain up by name or UUID, once per connection: the struct stays
   * valid while the domain exists, across libvirtd restarts too (resolved by UUID).
   */
  async lookup(domain: string, signal: AbortSignal | undefined): Promise<RemoteDomain> {
    const cached = this.#domains.get(domain);
    if (cached) return cached;
    const rpc = this.#rpc;
    const uuid = parseUuid(domain);
    let found: RemoteDomain;
    try {
      // As virsh does: something that reads as a UUID is one, unless no domain has it.
      found = uuid ? await rpc.call(DOMAIN_LOOKUP_BY_UUID, uuid, { signal }).catch((error: unknown) => {
        if (error instanceof LibvirtRemoteError && error.virCode === VirErr.NO_DOMAIN) return rpc.call(DOMAIN_LOOKUP_BY_NAME, domain, { signal });
        throw error;
      }) : await rpc.call(DOMAIN_LOOKUP_BY_NAME, domain, { signal });
    } catch (error) {
      throw connectError(error, { description: `libvirt ${this.uri} domain ${domain}` }, 'domain lookup', signal);
    }
    this.#domains.set(domain, found);
    return found;
  }

  /** @internal Drops a cached domain (it was undefined, or re-created under a new UUID). */
  forget(domain: string): void {
    this.#domains.delete(domain);
  }

  /** @internal Agent lifecycle events of one domain; resolves once registered. */
  subscribeAgentEvents(dom: RemoteDomain, listener: AgentLifecycleListener, signal: AbortSignal | undefined): Promise<() => void> {
    return this.#events.subscribe(this.#rpc, dom.uuid, listener, signal);
  }

  /**
   * @internal Brings a lost link back (one dial shared by all who ask). Rejects with
   * `QgaConnectionError` when closed, when the stream cannot be remade, or when the dial fails.
   */
  reopen(signal: AbortSignal | undefined): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new QgaConnectionError(`libvirt ${this.uri}: the libvirt connection is closed`));
    if (this.#state === 'open') return Promise.resolve();
    if (this.#options.stream !== undefined && typeof this.#options.stream !== 'function') {
      return Promise.reject(new QgaConnectionError(`libvirt ${this.uri}: the connection was made over a given stream and cannot be reopened (pass stream as a function to allow it)`));
    }
    this.#reopening ??= (async () => {
      try {
        const rpc = await openRpc(this.#parsed, this.#options, signal);
        if (this.#state === 'closed') {
          rpc.close();
          throw new QgaConnectionError(`libvirt ${this.uri}: the libvirt connection is closed`);
        }
        this.#rpc = rpc;
        this.#generation += 1;
        this.#state = 'open';
        this.#watch(rpc);
        if (debug.enabled) debug('libvirt %s: reopened (generation %d)', this.uri, this.#generation);
      } finally {
        this.#reopening = undefined;
      }
    })();
    return this.#reopening;
  }

  #watch(rpc: RpcConnection): void {
    rpc.onClose((error) => {
      if (rpc !== this.#rpc || this.#state !== 'open' || !error) return;
      this.#state = 'lost';
      if (debug.enabled) debug('libvirt %s: lost: %s', this.uri, error.message);
      for (const user of [...this.#users]) user.connectionLost(error);
    });
  }
}
