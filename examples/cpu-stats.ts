/**
 * Where the guest's CPUs spend their time: `guest-get-cpustats` (Linux guests, qemu-ga
 * 7.1+). The counters are clock ticks since boot; the shares below are since boot too.
 * For a current load, take two samples and subtract.
 *
 *   npx tsx examples/cpu-stats.ts
 */
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/** One CPU's time shares since boot, in percent. */
export interface CpuShare {
  /** CPU number in the guest. */
  cpu: number;
  user: number;
  system: number;
  idle: number;
  iowait: number;
  /** Time the host ran something else while this vCPU wanted to run. */
  steal: number;
}

/**
 * Per-CPU time shares since boot. Counters arrive as `number | bigint`; tick counts fit a
 * `number` easily, so they are converted.
 *
 * @example
 * ```ts
 * const busiest = (await cpuStats(client)).sort((a, b) => a.idle - b.idle)[0];
 * ```
 */
export async function cpuStats(client: QgaClient): Promise<CpuShare[]> {
  const stats = await client.guestGetCpustats();
  return stats
    .filter((s) => s.type === 'linux')
    .map((s) => {
      const ticks = {
        user: Number(s.user) + Number(s.nice),
        system: Number(s.system) + Number(s.irq ?? 0) + Number(s.softirq ?? 0),
        idle: Number(s.idle),
        iowait: Number(s.iowait ?? 0),
        steal: Number(s.steal ?? 0),
      };
      const total = Object.values(ticks).reduce((a, b) => a + b, 0) || 1;
      const pct = (n: number): number => Math.round((n / total) * 1000) / 10;
      return { cpu: s.cpu, user: pct(ticks.user), system: pct(ticks.system), idle: pct(ticks.idle), iowait: pct(ticks.iowait), steal: pct(ticks.steal) };
    });
}

/** A small table. */
export function describeCpuStats(cpus: readonly CpuShare[]): string {
  const head = 'cpu    user%  system%   idle%  iowait%  steal%';
  const rows = cpus.map((c) =>
    [String(c.cpu).padEnd(3), ...[c.user, c.system, c.idle, c.iowait, c.steal].map((v, i) => v.toFixed(1).padStart(i === 0 ? 8 : 9))].join(''),
  );
  return [head, ...rows].join('\n');
}

if (isMain(import.meta.url)) {
  await withClient(async (client) => console.log(describeCpuStats(await cpuStats(client)))).catch(fail);
}
