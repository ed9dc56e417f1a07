/**
 * Picks the channel a client's connect options ask for. The one place that knows every
 * channel: the client itself talks to {@link QgaChannel} only.
 * @module
 */
import type { ChannelHooks, QgaChannel } from '../channels/channel.js';
import { DirectChannel } from '../channels/direct/direct-channel.js';
import { LibvirtChannel } from '../channels/libvirt/libvirt-channel.js';
import { checkLibvirtOptions } from '../channels/libvirt/libvirt-options.js';
import { resolveProxmoxOptions } from '../channels/proxmox/options.js';
import { ProxmoxChannel } from '../channels/proxmox/proxmox-channel.js';
import { SocketTransport } from '../transport/socket-transport.js';
import type { Transport } from '../transport/transport.js';
import type { ConnectOptions, ResolvedConnectOptions } from './connect-options.js';

/** The channel for `options`; throws `TypeError` when they name none or a bad one. */
export function createChannel(options: ConnectOptions, resolved: ResolvedConnectOptions, hooks: ChannelHooks): QgaChannel {
  // resolveConnectOptions already refused more than one form of target.
  const target = options as { proxmox?: unknown; libvirt?: unknown };
  if (target.libvirt !== undefined) return new LibvirtChannel(checkLibvirtOptions(target.libvirt), resolved, hooks);
  if (target.proxmox !== undefined) {
    return new ProxmoxChannel({ proxmox: resolveProxmoxOptions(target.proxmox), options: resolved, hooks });
  }
  return new DirectChannel(transportFor(options), resolved, hooks);
}

function transportFor(options: ConnectOptions): Transport {
  if (options.transport !== undefined) {
    const t = options.transport as Partial<Transport> | null;
    if (typeof t !== 'object' || t === null || typeof t.open !== 'function' || typeof t.write !== 'function' || typeof t.close !== 'function') {
      throw new TypeError('QgaClient.connect: transport must implement open(), write() and close()');
    }
    return options.transport;
  }
  const target = options as { path?: unknown; host?: unknown; port?: unknown };
  if (target.path !== undefined) return new SocketTransport({ path: target.path as string });
  if (target.host !== undefined || target.port !== undefined) {
    return new SocketTransport({ host: target.host as string, port: target.port as number });
  }
  throw new TypeError('QgaClient.connect: give one of path, host + port, transport, libvirt or proxmox');
}
