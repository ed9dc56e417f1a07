/**
 * The guest's network interfaces and addresses: `guest-network-get-interfaces`.
 *
 *   npx tsx examples/network-interfaces.ts
 */
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/** One interface, flattened for display. */
export interface InterfaceSummary {
  /** e.g. `ens3`. */
  name: string;
  /** MAC address, when the guest reports one. */
  mac: string | undefined;
  /** `address/prefix`, IPv4 first. */
  addresses: string[];
}

/**
 * The guest's interfaces with their addresses in CIDR form.
 *
 * @example
 * ```ts
 * const nics = await networkInterfaces(client);
 * const ips = nics.filter((n) => n.name !== 'lo').flatMap((n) => n.addresses);
 * ```
 */
export async function networkInterfaces(client: QgaClient): Promise<InterfaceSummary[]> {
  const interfaces = await client.guestNetworkGetInterfaces();
  return interfaces.map((nic) => ({
    name: nic.name,
    mac: nic['hardware-address'],
    addresses: [...(nic['ip-addresses'] ?? [])]
      .sort((a, b) => a['ip-address-type'].localeCompare(b['ip-address-type']))
      .map((ip) => `${ip['ip-address']}/${ip.prefix}`),
  }));
}

/** One line per interface. */
export function describeInterfaces(interfaces: readonly InterfaceSummary[]): string {
  return interfaces.map((nic) => `${nic.name.padEnd(8)} ${(nic.mac ?? '-').padEnd(17)} ${nic.addresses.join(' ')}`).join('\n');
}

if (isMain(import.meta.url)) {
  await withClient(async (client) => console.log(describeInterfaces(await networkInterfaces(client)))).catch(fail);
}
