/**
 * Copy files between the host and the guest: `guest-file-open` / `-read` / `-write` /
 * `-close`, chunk by chunk, with the guest handle closed on every path.
 *
 *   npx tsx examples/file-get-put.ts get /etc/hostname            # to stdout
 *   npx tsx examples/file-get-put.ts get /var/log/syslog syslog.txt
 *   npx tsx examples/file-get-put.ts put ./app.conf /etc/app.conf
 */
import { pipeline } from 'node:stream/promises';
import type { QgaClient, TransferResult } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/**
 * A whole guest file in memory. Fine for configuration files and logs; for big files use
 * {@link downloadFile}, which streams.
 *
 * @example
 * ```ts
 * const hosts = (await getFile(client, '/etc/hosts')).toString('utf8');
 * ```
 */
export async function getFile(client: QgaClient, guestPath: string): Promise<Buffer> {
  return await client.readFile(guestPath, { timeout: 5 * 60_000 });
}

/**
 * Stream a guest file to a host file (memory stays flat whatever the size). An existing
 * host file is replaced only once the whole file arrived.
 *
 * @example
 * ```ts
 * const { bytes } = await downloadFile(client, '/var/log/syslog', './syslog.txt');
 * ```
 */
export async function downloadFile(client: QgaClient, guestPath: string, hostPath: string): Promise<TransferResult> {
  return await client.download(guestPath, hostPath, { timeout: 30 * 60_000 });
}

/**
 * Stream a host file into the guest, replacing the guest file.
 *
 * @example
 * ```ts
 * await putFile(client, './app.conf', '/etc/app.conf');
 * ```
 */
export async function putFile(client: QgaClient, hostPath: string, guestPath: string): Promise<TransferResult> {
  return await client.upload(hostPath, guestPath, { timeout: 30 * 60_000 });
}

/** Write a guest file to `out` as it arrives (the `get PATH` form of the CLI). */
export async function catFile(client: QgaClient, guestPath: string, out: NodeJS.WritableStream): Promise<void> {
  await pipeline(client.createReadStream(guestPath), out, { end: false });
}

if (isMain(import.meta.url)) {
  const [verb, from, to] = process.argv.slice(2);
  await withClient(async (client) => {
    if (verb === 'get' && from && to) console.log(`${(await downloadFile(client, from, to)).bytes} bytes`);
    else if (verb === 'get' && from) await catFile(client, from, process.stdout);
    else if (verb === 'put' && from && to) console.log(`${(await putFile(client, from, to)).bytes} bytes`);
    else throw new Error('usage: file-get-put.ts get GUEST_PATH [HOST_PATH] | put HOST_PATH GUEST_PATH');
  }).catch(fail);
}
