import type { ChannelOptions } from '../channels/channel.js';
import type { LibvirtConnectOptions } from '../channels/libvirt/libvirt-options.js';
import type { ProxmoxOptions } from '../channels/proxmox/options.js';
import type { Transport } from '../transport/transport.js';
import { checkOptions, positive } from '../check-options.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/**
 * Where to connect: a domain through libvirt, a unix socket, TCP, any {@link Transport}, or
 * a VM through Proxmox VE's API. Exactly one of the forms; the members of the other forms
 * must stay unset.
 *
 * @example
 * ```ts
 * await QgaClient.connect({ libvirt: { domain: 'vm1' } });    // through libvirtd (qemu:///system)
 * await QgaClient.connect({ path: '/run/vm1/qga.sock' });     // unix socket
 * await QgaClient.connect({ host: '127.0.0.1', port: 4444 }); // QEMU chardev socket over TCP
 * await QgaClient.connect({ transport: myTransport });        // any byte channel
 * await QgaClient.connect({ proxmox: { host: 'pve1', vmid: 101, token, fingerprint } }); // through Proxmox VE
 * ```
 */
export type ConnectTarget =
  | {
      /** Path of the unix socket on the host side of the agent channel. */
      path: string;
      /** Only with the TCP form. */
      host?: undefined;
      /** Only with the TCP form. */
      port?: undefined;
      /** Only with the transport form. */
      transport?: undefined;
    }
  | {
      /** Host of a TCP agent channel (QEMU `-chardev socket,host=…,port=…,server=on`). */
      host: string;
      /** TCP port of the agent channel. */
      port: number;
      /** Only with the unix socket form. */
      path?: undefined;
      /** Only with the transport form. */
      transport?: undefined;
    }
  | {
      /** Any byte channel to the agent, e.g. a {@link SocketTransport} or your own. */
      transport: Transport;
      /** Only with the unix socket form. */
      path?: undefined;
      /** Only with the TCP form. */
      host?: undefined;
      /** Only with the TCP form. */
      port?: undefined;
    }
  | {
      /**
       * Through libvirt: libvirtd owns the agent's socket and the client speaks libvirt's
       * RPC protocol to it (local socket, TLS or SSH; see {@link LibvirtConnectOptions}).
       */
      libvirt: LibvirtConnectOptions;
      /** Only with the unix socket form. */
      path?: undefined;
      /** Only with the TCP form. */
      host?: undefined;
      /** Only with the TCP form. */
      port?: undefined;
      /** Only with the transport form. */
      transport?: undefined;
    }
  | {
      /** A VM's agent through Proxmox VE's REST API (see {@link ProxmoxOptions}). */
      proxmox: ProxmoxOptions;
      /** Only with the unix socket form. */
      path?: undefined;
      /** Only with the TCP form. */
      host?: undefined;
      /** Only with the TCP form. */
      port?: undefined;
      /** Only with the transport form. */
      transport?: undefined;
    };

/**
 * Options of {@link QgaClient.connect}. One of `libvirt`, `path`, `host` + `port`,
 * `transport` or `proxmox` is required; everything else is optional.
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({
 *   path: '/var/lib/libvirt/qemu/channel/target/vm.org.qemu.guest_agent.0',
 *   timeout: 10_000,
 *   waitForAgent: 60_000, // the guest may still be booting
 * });
 * ```
 */
export type ConnectOptions = ConnectTarget & {
  /** Default per-call timeout in ms (a few slow commands have longer defaults). Default 5000. */
  timeout?: number | undefined;
  /**
   * ms to open the channel and complete the first resynchronisation. Default 10000. With
   * `waitForAgent`, the limit of each attempt instead (the wait as a whole is
   * `waitForAgent`).
   */
  connectTimeout?: number | undefined;
  /**
   * ms to keep retrying the channel and the first resynchronisation while the agent does
   * not answer yet (a guest still booting): the whole budget of the connect, whatever
   * `connectTimeout` says. Attempts that fail at once (nothing listening, a socket that
   * accepts and closes) are spaced by pauses growing from 50 ms to 1 s. Default 0: one
   * attempt within `connectTimeout`.
   */
  waitForAgent?: number | undefined;
  /** Largest single reply accepted, in bytes: an integer of at least 1024. Default 100 MiB. */
  maxReplyBytes?: number | undefined;
  /**
   * Fetch `guest-info` once after connecting, and make calls to commands the agent lists
   * as disabled reject at once with `QgaCommandError` (`CommandNotFound`) instead of a
   * round trip. Default false. Skipped when the agent is frozen at connect time (a frozen
   * agent reports nearly everything disabled).
   */
  checkEnabled?: boolean | undefined;
  /**
   * Reopen the channel when it is lost (e.g. the guest rebooted), `true` for the defaults.
   * The call on the wire when the channel went away rejects with `QgaConnectionError`
   * (it may or may not have run); calls not yet sent wait, within their own timeouts,
   * and go out once the channel is back and resynchronised. When every attempt fails,
   * the client closes and all waiting calls reject.
   */
  reconnect?: boolean | ReconnectOptions | undefined;
  /**
   * Send a call again after a passing failure (no reply in time, the connection lost or
   * refused, the manager busy), `true` for the defaults (2 retries, 100 ms doubling to at
   * most 2 s). Only idempotent commands are retried (`QGA_COMMANDS[name].idempotent`:
   * reads such as `guest-ping`, `guest-get-*`, `guest-info`); exec, file operations,
   * freeze, settings and power commands never are, since their first attempt may have run.
   * Each attempt has the call's own `timeout`; a `retry` event precedes each retry.
   * Default: off.
   */
  retry?: boolean | RetryOptions | undefined;
  /**
   * Check every reply against the result type the schema declares for its command (the
   * generated `QGA_SHAPES`, see `validateReply`). `true`: a reply that does not match
   * rejects the call with `QgaProtocolError`, whose message lists the first problems.
   * `'warn'`: the call resolves as usual and a `validation` event carries the problems.
   * Members the schema does not know (a newer agent's) are not problems. Default false:
   * replies are not checked and cost nothing extra.
   */
  validate?: boolean | 'warn' | undefined;
  /** Aborts the connect itself. */
  signal?: AbortSignal | undefined;
};

/**
 * Automatic reconnection of a long-lived client (off by default): the `reconnect` member
 * of {@link ConnectOptions}.
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({ path, reconnect: { retries: 30, delay: 2_000 } });
 * client.on('reconnecting', ({ attempt, retries }) => console.log(`reconnecting ${attempt}/${retries}`));
 * ```
 */
export interface ReconnectOptions {
  /** Attempts before giving up and closing the client. Default 10. */
  retries?: number | undefined;
  /** ms to wait before each attempt. Default 1000. */
  delay?: number | undefined;
}

/** {@link ConnectOptions} after defaults. */
export interface ResolvedConnectOptions extends ChannelOptions {
  checkEnabled: boolean;
  validate: boolean | 'warn';
  retry: RetryPolicy | undefined;
}

export const DEFAULT_TIMEOUT = 5_000;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
export const DEFAULT_MAX_REPLY_BYTES = 100 * 1024 * 1024;
/**
 * The smallest `maxReplyBytes` accepted: 1 KiB. Below it the limit stops being a safety net
 * and breaks ordinary use: the agent's short replies (`guest-get-osinfo`, a `guest-exec`
 * status without output, `guest-get-time`) run to a few hundred bytes.
 */
export const MIN_MAX_REPLY_BYTES = 1024;

/** The forms of a connect target, each with the keys that make it up. */
const TARGET_FORMS: readonly (readonly string[])[] = [['path'], ['host', 'port'], ['transport'], ['libvirt'], ['proxmox']];

/**
 * Every key of {@link ConnectOptions}. `libvirt` and `proxmox` name the channels API.md
 * describes; the channel factory says when one is not available.
 */
const CONNECT_KEYS: ReadonlySet<string> = new Set([
  'path', 'host', 'port', 'transport', 'libvirt', 'proxmox',
  'timeout', 'connectTimeout', 'waitForAgent', 'maxReplyBytes', 'checkEnabled', 'reconnect', 'retry', 'validate', 'signal',
]);
const RECONNECT_KEYS: ReadonlySet<string> = new Set(['retries', 'delay']);

export function resolveConnectOptions(options: ConnectOptions): ResolvedConnectOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('QgaClient.connect: options must be an object');
  checkOptions('QgaClient.connect', options, CONNECT_KEYS);
  checkTarget(options);
  return {
    timeout: positive('timeout', options.timeout, DEFAULT_TIMEOUT),
    connectTimeout: positive('connectTimeout', options.connectTimeout, DEFAULT_CONNECT_TIMEOUT),
    waitForAgent: nonNegative('waitForAgent', options.waitForAgent, 0),
    maxReplyBytes: replyLimit(options.maxReplyBytes),
    checkEnabled: flag('checkEnabled', options.checkEnabled),
    reconnect: resolveReconnect(options.reconnect),
    validate: resolveValidate(options.validate),
    retry: resolveRetry(options.retry),
  };
}

/**
 * Exactly one form of target: `{ path, port }` used to connect to the path and ignore the
 * port, which hides a mistake. Whether one is given at all is the channel factory's check.
 */
function checkTarget(options: ConnectOptions): void {
  const o = options as Record<string, unknown>;
  const { host, port } = o;
  // Counted without arrays or closures: this runs on every connect.
  const count = Number(o['path'] !== undefined) + Number(host !== undefined || port !== undefined) + Number(o['transport'] !== undefined) + Number(o['libvirt'] !== undefined) + Number(o['proxmox'] !== undefined);
  if (count > 1) {
    const forms = TARGET_FORMS.filter((keys) => keys.some((key) => o[key] !== undefined)).map((keys) => keys.join(' + '));
    throw new TypeError(`QgaClient.connect: give one of path, host + port, transport, libvirt or proxmox; ${forms.join(' and ')} cannot be combined`);
  }
  if ((host === undefined) !== (port === undefined)) throw new TypeError(`QgaClient.connect: host and port go together (got only ${host === undefined ? 'port' : 'host'})`);
}

function replyLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_REPLY_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MIN_MAX_REPLY_BYTES) {
    throw new TypeError(`maxReplyBytes must be an integer of at least ${MIN_MAX_REPLY_BYTES} bytes, got ${String(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a non-negative finite number, got ${String(value)}`);
  }
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
  return value;
}

function resolveValidate(value: unknown): ResolvedConnectOptions['validate'] {
  if (value === undefined) return false;
  if (typeof value !== 'boolean' && value !== 'warn') throw new TypeError(`validate must be true, false or 'warn', got ${String(value)}`);
  return value;
}

function resolveReconnect(value: unknown): ResolvedConnectOptions['reconnect'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { retries: 10, delay: 1000 };
  if (typeof value !== 'object' || value === null) throw new TypeError(`reconnect must be a boolean or { retries, delay }, got ${String(value)}`);
  const { retries, delay } = checkOptions('QgaClient.connect: reconnect', value as ReconnectOptions, RECONNECT_KEYS);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 1)) throw new TypeError(`reconnect.retries must be a positive integer, got ${String(retries)}`);
  return { retries: retries ?? 10, delay: nonNegative('reconnect.delay', delay, 1000) };
}
