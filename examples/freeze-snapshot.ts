/**
 * Take a consistent disk snapshot: freeze the guest's filesystems (flushing them), run the
 * snapshot on the host, and thaw, always, also when the snapshot fails or takes too long.
 *
 *   npx tsx examples/freeze-snapshot.ts -- virsh snapshot-create-as vm1 --disk-only --no-metadata
 *   npx tsx examples/freeze-snapshot.ts          # no command: just hold the freeze for a second
 *
 * Keep the frozen window short: every writer in the guest waits until the thaw.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/** What {@link freezeAround} reports. */
export interface FrozenRun<T> {
  /** What `snapshot` returned. */
  result: T;
  /** Filesystems frozen. */
  frozen: number;
  /** Filesystems thawed afterwards. */
  thawed: number;
  /** How long the guest stayed frozen, in ms. */
  frozenMs: number;
}

/**
 * Run `snapshot` while the guest's filesystems are frozen. After `maxFrozenMs` the guest is
 * thawed anyway, `snapshot`'s signal is aborted and the call rejects with `QgaTimeoutError`.
 *
 * @example
 * ```ts
 * const { frozen, frozenMs } = await freezeAround(client, (signal) => takeSnapshot(signal), { maxFrozenMs: 20_000 });
 * ```
 */
export async function freezeAround<T>(
  client: QgaClient,
  snapshot: (signal: AbortSignal) => Promise<T>,
  options: { maxFrozenMs?: number; mountpoints?: string[] } = {},
): Promise<FrozenRun<T>> {
  let started = 0;
  const { result, frozen, thawed } = await client.withFrozenFilesystems(
    async ({ signal }) => {
      started = performance.now();
      return await snapshot(signal);
    },
    { timeout: options.maxFrozenMs ?? 30_000, mountpoints: options.mountpoints },
  );
  return { result, frozen, thawed, frozenMs: Math.round(performance.now() - started) };
}

if (isMain(import.meta.url)) {
  const dashDash = process.argv.indexOf('--');
  const command = dashDash === -1 ? [] : process.argv.slice(dashDash + 1);
  const snapshot = async (signal: AbortSignal): Promise<string> => {
    if (command.length === 0) {
      await sleep(1_000, undefined, { signal });
      return 'held the freeze for 1 s (give a host command after -- to snapshot)';
    }
    const { stdout } = await promisify(execFile)(command[0]!, command.slice(1), { signal });
    return stdout.trim();
  };
  const run = await withClient((client) => freezeAround(client, snapshot)).catch(fail);
  console.log(`froze ${run.frozen} filesystem(s) for ${run.frozenMs} ms, thawed ${run.thawed}: ${run.result}`);
}
