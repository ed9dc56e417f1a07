/**
 * Where the examples connect: the agent socket given by `--socket PATH` or the QGA_SOCKET
 * environment variable, or else a simulated guest started for the run.
 */
import { pathToFileURL } from 'node:url';
import { QgaClient } from '../src/index.js';
import { startDemoGuest } from './demo-guest.js';

/**
 * Connect to `socket` (a real agent) or, without one, to a fresh simulated guest; run
 * `fn`; close everything, also when `fn` throws.
 *
 * @example
 * ```ts
 * const name = await withClient((client) => hostName(client));
 * ```
 */
export async function withClient<T>(fn: (client: QgaClient) => Promise<T>, socket = process.env['QGA_SOCKET']): Promise<T> {
  await using agent = socket ? undefined : await startDemoGuest();
  const path = socket ?? agent!.path;
  await using client = await QgaClient.connect({ path, timeout: 10_000 });
  return await fn(client);
}

/** True when the module at `moduleUrl` is the script being run (not imported). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

/** Say what went wrong and exit non-zero: the standalone form of every example. */
export function fail(error: unknown): never {
  const e = error as { name?: string; code?: string; message?: string };
  console.error(`${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(error)}`);
  process.exit(1);
}
