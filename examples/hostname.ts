/**
 * The guest's host name: `guest-get-host-name`.
 *
 *   npx tsx examples/hostname.ts
 */
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/**
 * The guest's host name.
 *
 * @example
 * ```ts
 * console.log(await hostName(client)); // 'web-1'
 * ```
 */
export async function hostName(client: QgaClient): Promise<string> {
  const { 'host-name': name } = await client.guestGetHostName();
  return name;
}

if (isMain(import.meta.url)) {
  await withClient(async (client) => console.log(await hostName(client))).catch(fail);
}
