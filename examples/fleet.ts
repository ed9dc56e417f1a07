/**
 * Ask a whole fleet: one QgaPool over every guest, a live progress line while it works, and
 * a summary table at the end. A guest that is down or hangs fails alone.
 *
 *   npx tsx examples/fleet.ts /run/qga/vm1.sock /run/qga/vm2.sock …
 *   npx tsx examples/fleet.ts            # no sockets: 40 simulated guests, two of them broken
 */
import { QgaPool, type EachProgress } from '../src/index.js';
import { SimulatedAgent } from '../src/testing/index.js';
import { fail, isMain } from './connect.js';

/** One guest's row of the summary. */
export interface FleetRow {
  id: string;
  /** Host name, kernel release and OS, when the guest answered. */
  hostName?: string;
  kernel?: string;
  os?: string;
  /** `code: message` when it did not. */
  error?: string;
}

/**
 * Queries every guest of `pool` (host name, kernel, OS) with at most `concurrency` at once;
 * `onProgress` sees each guest settle. Resolves with one row per guest, failures included.
 *
 * @example
 * ```ts
 * const rows = await surveyFleet(pool, { concurrency: 32, onProgress: (p) => console.log(p.done, '/', p.total) });
 * ```
 */
export async function surveyFleet(pool: QgaPool, options: { concurrency?: number; timeout?: number; onProgress?: (progress: EachProgress) => void } = {}): Promise<FleetRow[]> {
  const results = await pool.each(
    pool.ids(),
    async (client) => {
      const { 'host-name': hostName } = await client.guestGetHostName();
      const os = await client.guestGetOsinfo();
      return { hostName, kernel: os['kernel-release'] ?? '?', os: os['pretty-name'] ?? os.name ?? '?' };
    },
    { concurrency: options.concurrency ?? 16, timeout: options.timeout ?? 10_000, onProgress: options.onProgress },
  );
  return [...results].map(([id, result]) => {
    if (result.status === 'fulfilled') return { id, ...result.value };
    const e = result.reason as { code?: string; message?: string };
    return { id, error: `${e.code ?? 'ERROR'}: ${e.message ?? String(result.reason)}` };
  });
}

/** A progress line: `[#######.....]  28/40  1 failed  4 in flight`. */
export function progressLine({ done, total, failed, inFlight }: EachProgress, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}  ${failed} failed  ${inFlight} in flight`;
}

/** The summary table, one guest per line, failures last. */
export function summaryTable(rows: readonly FleetRow[]): string {
  const ok = rows.filter((r) => !r.error);
  const failed = rows.filter((r) => r.error);
  const width = Math.max(4, ...rows.map((r) => r.id.length));
  const lines = [`${'GUEST'.padEnd(width)}  ${'HOST'.padEnd(12)} ${'KERNEL'.padEnd(24)} OS`];
  for (const r of ok) lines.push(`${r.id.padEnd(width)}  ${r.hostName!.padEnd(12)} ${r.kernel!.padEnd(24)} ${r.os!}`);
  for (const r of failed) lines.push(`${r.id.padEnd(width)}  ✗ ${r.error!}`);
  lines.push(`${ok.length}/${rows.length} guests answered`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const agents: SimulatedAgent[] = [];
  try {
    let sockets = process.argv.slice(2);
    if (sockets.length === 0) {
      for (let i = 1; i <= 40; i++) {
        const agent = await SimulatedAgent.start({ hostName: `vm-${String(i).padStart(2, '0')}` });
        // Two broken guests: one that never answers, one that hangs up.
        if (i === 7) agent.injectFault('drop', { command: 'guest-get-osinfo', times: Infinity });
        if (i === 23) agent.injectFault('close', { command: 'guest-get-host-name', times: Infinity });
        agents.push(agent);
      }
      sockets = agents.map((a) => a.path);
    }
    await using pool = new QgaPool({ maxConnections: 16, defaults: { timeout: 2_000 } });
    sockets.forEach((socket, i) => pool.add(`guest-${String(i + 1).padStart(2, '0')}`, { path: socket }));
    const live = process.stderr.isTTY;
    const rows = await surveyFleet(pool, {
      concurrency: 8,
      onProgress: (progress) => {
        if (live) process.stderr.write(`\r${progressLine(progress)}`);
      },
    });
    if (live) process.stderr.write('\n');
    console.log(summaryTable(rows));
  } catch (error) {
    fail(error);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
