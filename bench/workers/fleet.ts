/**
 * Worker for the fleet case, one fresh process per sample, so the library runs as a
 * short-lived script or a fleet job does: before V8 has optimised it. Prints one JSON line.
 *
 * Usage:
 *   fleet.ts cycle library|raw SOCKET CYCLES          connect + sync + ping + close, sequentially
 *   fleet.ts burst library|raw SOCKET WARMUP COUNT    sequential pings after WARMUP warm-up pings
 *   fleet.ts each library|raw PATHS_FILE ROUNDS CONCURRENCY
 *       one ping per guest per round, CONCURRENCY at a time: QgaPool.each against as many
 *       lean raw clients driven by the same worker loop; also the heap per idle connection
 *       (run with --expose-gc).
 */
import { readFile } from 'node:fs/promises';
import { qga } from '../lib/qga.js';
import { LeanRawClient } from '../lean-raw-client.js';

export interface CycleResult {
  /** Mean ms per connect + sync + ping + close, over every cycle of the process. */
  perCycleMs: number;
  /** The first cycle alone (the coldest). */
  firstMs: number;
}

export interface BurstResult {
  /** Pings per second after the warm-up. */
  rate: number;
}

export interface EachResult {
  /** Pings per second over all rounds. */
  rate: number;
  /** heapUsed after every guest got its connection − before, after full GCs, ÷ guests. */
  heapPerConnection: number;
}

const [mode, impl, target, ...rest] = process.argv.slice(2);
if ((impl !== 'library' && impl !== 'raw') || !target) throw new Error('usage: fleet.ts cycle|burst|each library|raw SOCKET|PATHS_FILE ...');

interface Pinger {
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

function open(path: string): Promise<Pinger> {
  return impl === 'library' ? qga.QgaClient.connect({ path }) : LeanRawClient.connect(path);
}

async function cycle(path: string, cycles: number): Promise<CycleResult> {
  let firstMs = 0;
  const start = performance.now();
  for (let i = 0; i < cycles; i++) {
    const client = await open(path);
    await client.ping();
    await client.close();
    if (i === 0) firstMs = performance.now() - start;
  }
  return { perCycleMs: (performance.now() - start) / cycles, firstMs };
}

async function burst(path: string, warmup: number, count: number): Promise<BurstResult> {
  const client = await open(path);
  try {
    for (let i = 0; i < warmup; i++) await client.ping();
    const start = performance.now();
    for (let i = 0; i < count; i++) await client.ping();
    return { rate: count / ((performance.now() - start) / 1000) };
  } finally {
    await client.close();
  }
}

function settleHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** `work` for every index, `concurrency` at a time. */
async function forAll(count: number, concurrency: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function each(paths: string[], rounds: number, concurrency: number): Promise<EachResult> {
  const heapBefore = settleHeap();
  let round: () => Promise<void>;
  let close: () => Promise<void>;
  if (impl === 'library') {
    const pool = new qga.QgaPool({ maxConnections: paths.length, idleTimeout: 600_000 });
    paths.forEach((path, index) => pool.add(`guest-${index}`, { path }));
    const ids = pool.ids();
    round = async () => {
      const results = await pool.each(ids, (client) => client.ping(), { concurrency });
      for (const [id, outcome] of results) if (outcome.status === 'rejected') throw new Error(`pool: ${id} failed: ${String(outcome.reason)}`);
    };
    close = () => pool.close();
  } else {
    const clients: LeanRawClient[] = [];
    await forAll(paths.length, concurrency, async (index) => void (clients[index] = await LeanRawClient.connect(paths[index]!)));
    round = () => forAll(clients.length, concurrency, (index) => clients[index]!.ping());
    close = async () => void (await Promise.all(clients.map((c) => c.close())));
  }
  // The first round opens the pool's connections; the heap is measured with all of them idle.
  await round();
  await new Promise((done) => setTimeout(done, 20));
  const heapPerConnection = (settleHeap() - heapBefore) / paths.length;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await round();
  const rate = (paths.length * rounds) / ((performance.now() - start) / 1000);
  await close();
  return { rate, heapPerConnection };
}

let result: CycleResult | BurstResult | EachResult;
if (mode === 'cycle') result = await cycle(target, Number(rest[0]));
else if (mode === 'burst') result = await burst(target, Number(rest[0]), Number(rest[1]));
else if (mode === 'each') result = await each(JSON.parse(await readFile(target, 'utf8')) as string[], Number(rest[0]), Number(rest[1]));
else throw new Error(`unknown mode ${String(mode)}`);
console.log(JSON.stringify(result));
