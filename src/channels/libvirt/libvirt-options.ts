/**
 * The `libvirt` member of the connect options, and its checks.
 * @module
 */
import type { Duplex } from 'node:stream';
import { checkOptions } from '../../check-options.js';
import type { PemSource } from './dial.js';
import { LibvirtConnection, type LibvirtKeepaliveOptions } from './libvirt-connection.js';

/**
 * Reach the agent through libvirt: the `libvirt` member of `QgaClient.connect`'s options.
 * Either `connection` (one {@link LibvirtConnection} shared by many clients), or what to
 * open a connection of the client's own with (`uri` and the TLS options).
 *
 * @example
 * ```ts
 * await QgaClient.connect({ libvirt: { domain: 'vm1' } });                                   // qemu:///system
 * await QgaClient.connect({ libvirt: { domain: 'vm1', uri: 'qemu+ssh://root@kvm1/system' } });
 * await QgaClient.connect({ libvirt: { domain: '4a9b…-uuid', connection } });                // shared link
 * ```
 */
export interface LibvirtConnectOptions {
  /** The domain's name or UUID. */
  domain: string;
  /** libvirt URI of a connection of the client's own. Default `qemu:///system`. */
  uri?: string | undefined;
  /** A shared connection; the client does not close it (closing it closes the client). */
  connection?: LibvirtConnection | undefined;
  /** TLS CA certificate, PEM text or file path (`qemu+tls://` only). */
  ca?: PemSource | undefined;
  /** TLS client certificate, PEM text or file path. */
  cert?: PemSource | undefined;
  /** TLS client key, PEM text or file path. */
  key?: PemSource | undefined;
  /** A connected byte stream to libvirtd instead of dialling `uri` (see {@link LibvirtConnectionOptions.stream}). */
  stream?: Duplex | (() => Duplex | Promise<Duplex>) | undefined;
  /** Dead-peer detection of the client's own connection (see {@link LibvirtConnectionOptions.keepalive}). */
  keepalive?: LibvirtKeepaliveOptions | false | undefined;
}

const OWN_CONNECTION_KEYS = ['uri', 'ca', 'cert', 'key', 'stream', 'keepalive'] as const;
const KNOWN_KEYS = new Set<string>(['domain', 'connection', ...OWN_CONNECTION_KEYS]);

/** Checks the `libvirt` option; throws `TypeError` before anything is opened. */
export function checkLibvirtOptions(value: unknown): LibvirtConnectOptions {
  if (typeof value !== 'object' || value === null) throw new TypeError('QgaClient.connect: libvirt must be an object with at least a domain');
  const options = value as LibvirtConnectOptions;
  checkOptions('QgaClient.connect: libvirt', options, KNOWN_KEYS);
  if (typeof options.domain !== 'string' || options.domain === '') throw new TypeError('QgaClient.connect: libvirt.domain must be a domain name or UUID');
  if (options.connection !== undefined) {
    if (!(options.connection instanceof LibvirtConnection)) throw new TypeError('QgaClient.connect: libvirt.connection must be a LibvirtConnection');
    const own = OWN_CONNECTION_KEYS.filter((key) => options[key] !== undefined);
    if (own.length > 0) throw new TypeError(`QgaClient.connect: libvirt.${own[0]!} belongs to the connection; give it to LibvirtConnection.open, not with libvirt.connection`);
  }
  return options;
}
