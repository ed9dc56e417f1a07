/**
 * Many guests and short-lived connections, against the leanest raw client
 * (bench/lean-raw-client.ts): the cold cycle (connect + first sync + one call + close),
 * a short burst of pings after only 200 warm-up calls, and QgaPool.each pinging a fleet of
 * real qemu-ga processes against as many raw clients at the same concurrency. Every
 * sample is a fresh process, so the library runs before V8 has optimised it, as a
 * per-task script or a fleet job does.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFleet, stopFleet } from '../../scripts/test-env/agent-fleet.js';
import { runWorker } from '../lib/child.js';
import { interleave, KiB } from '../lib/stats.js';
import type { BenchCase, BenchContext } from '../lib/types.js';
import type { BurstResult, CycleResult, EachResult } from '../workers/fleet.js';

type Impl = 'library' | 'raw';

function worker<T>(ctx: BenchContext, args: string[], nodeFlags: string[] = []): Promise<T> {
  return runWorker<T>({ repoRoot: ctx.repoRoot, worker: 'fleet.ts', args, nodeFlags, timeoutMs: 300_000 });
}

export const fleetCase: BenchCase = {
  name: 'fleet',
  title: 'Many guests: cold cycle, short bursts, QgaPool.each over real agents',
  needsAgent: true,
  async run(ctx) {
    const socket = ctx.socket!;
    const rounds = ctx.smoke ? 1 : 9;
    const cycles = ctx.smoke ? 10 : 100;
    const warmup = ctx.smoke ? 20 : 200;
    const burstCount = ctx.smoke ? 200 : 2_000;
    const guests = ctx.smoke ? 8 : 200;
    const concurrency = ctx.smoke ? 4 : 64;
    const eachRounds = ctx.smoke ? 1 : 20;
    const poolRounds = ctx.smoke ? 1 : 5;

    const cycleSamples = await interleave(rounds, {
      library: () => worker<CycleResult>(ctx, ['cycle', 'library', socket, String(cycles)]),
      raw: () => worker<CycleResult>(ctx, ['cycle', 'raw', socket, String(cycles)]),
    });
    const burstSamples = await interleave(rounds, {
      library: () => worker<BurstResult>(ctx, ['burst', 'library', socket, String(warmup), String(burstCount)]),
      raw: () => worker<BurstResult>(ctx, ['burst', 'raw', socket, String(warmup), String(burstCount)]),
    });

    ctx.log(`  starting ${guests} real qemu-ga processes …`);
    const fleet = await startFleet(guests);
    let eachSamples: { library: EachResult[]; raw: EachResult[] };
    try {
      const pathsFile = join(ctx.workDir, 'fleet-paths.json');
      await writeFile(pathsFile, JSON.stringify(fleet.map((agent) => agent.socket)));
      const side = (impl: Impl) => () => worker<EachResult>(ctx, ['each', impl, pathsFile, String(eachRounds), String(concurrency)], ['--expose-gc']);
      eachSamples = await interleave(poolRounds, { library: side('library'), raw: side('raw') });
    } finally {
      await stopFleet(fleet);
    }

    return {
      rows: [
        {
          name: 'cold cycle: connect + sync + ping + close',
          unit: 'ms',
          direction: 'lower',
          library: cycleSamples.library.map((r) => r.perCycleMs),
          raw: cycleSamples.raw.map((r) => r.perCycleMs),
          goal: { on: 'ratio', op: '<=', value: 1.2 },
        },
        {
          name: 'cold cycle: the first one in a fresh process',
          unit: 'ms',
          direction: 'lower',
          library: cycleSamples.library.map((r) => r.firstMs),
          raw: cycleSamples.raw.map((r) => r.firstMs),
          note: 'informational',
        },
        {
          name: `guest-ping, sequential, after ${warmup} warm-up calls`,
          unit: 'calls/s',
          direction: 'higher',
          library: burstSamples.library.map((r) => r.rate),
          raw: burstSamples.raw.map((r) => r.rate),
          goal: { on: 'ratio', op: '>=', value: 0.95 },
        },
        {
          name: `QgaPool.each ping over ${guests} agents at concurrency ${concurrency}`,
          unit: 'calls/s',
          direction: 'higher',
          library: eachSamples.library.map((r) => r.rate),
          raw: eachSamples.raw.map((r) => r.rate),
          goal: { on: 'ratio', op: '>=', value: 0.9 },
        },
        {
          name: 'heap per idle pooled connection',
          unit: 'KiB',
          direction: 'lower',
          library: eachSamples.library.map((r) => r.heapPerConnection / KiB),
          raw: eachSamples.raw.map((r) => r.heapPerConnection / KiB),
          goal: { on: 'library', op: '<', value: 30 },
        },
      ],
      notes: [
        `Baseline: the leanest correct raw client (string framing, ids matched in the line, no JSON.parse). Every sample is a fresh process; ${rounds} interleaved rounds.`,
        `Cold cycle: ${cycles} sequential cycles per process on the real agent; the sample is their mean. Burst: ${burstCount} pings after ${warmup} warm-up pings on one connection.`,
        `Fleet: ${guests} real qemu-ga processes; ${eachRounds} rounds of one ping per guest per sample after a first round that opens the connections; heap measured with every connection idle, after full GCs.`,
      ],
    };
  },
};
