/**
 * Which operating system runs in the guest: `guest-get-osinfo`.
 *
 *   npx tsx examples/osinfo.ts
 */
import type { GuestOSInfo, QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/**
 * The guest's OS description, as the agent reports it (os-release fields on Linux).
 *
 * @example
 * ```ts
 * const os = await osInfo(client);
 * console.log(os['pretty-name']);
 * ```
 */
export async function osInfo(client: QgaClient): Promise<GuestOSInfo> {
  return await client.guestGetOsinfo();
}

/** A few lines for people; fields the guest does not report are left out. */
export function describeOsInfo(os: GuestOSInfo): string {
  const lines = [
    ['name', os['pretty-name'] ?? os.name],
    ['id', os.id],
    ['version', os['version-id']],
    ['kernel', os['kernel-release']],
    ['machine', os.machine],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined);
  return lines.map(([key, value]) => `${key.padEnd(8)} ${value}`).join('\n');
}

if (isMain(import.meta.url)) {
  await withClient(async (client) => console.log(describeOsInfo(await osInfo(client)))).catch(fail);
}
