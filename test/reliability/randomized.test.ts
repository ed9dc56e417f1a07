/**
 * A long randomized run against the simulated agent with seeded random faults and
 * timeouts close to the injected delays. Every call carries a unique id (guest-sync
 * echoes it), so a reply handed to the wrong call is detected.
 *
 * Reproduce a run: QGA_RELIABILITY_SEED=1234 npx vitest run test/reliability
 * Random seed:     QGA_RELIABILITY_SEED=random (the seed is printed)
 * More calls:      QGA_RELIABILITY_CALLS=100000
 */
import { describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, QgaError, QgaProtocolError, QgaTimeoutError } from '../../src/index.js';
import { mulberry32, SimulatedAgent, type Fault } from '../../src/testing/index.js';

const seedSetting = process.env['QGA_RELIABILITY_SEED'];
const SEED = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting ?? 20261201);
const CALLS = Number(process.env['QGA_RELIABILITY_CALLS'] ?? 10_000);
const CONCURRENCY = 8;
/** Slack for timer and event-loop lag on a loaded CI machine. */
const SETTLE_MARGIN_MS = 250;

const FAULTS: Fault[] = [
  { kind: 'delay', ms: 30 },
  { kind: 'delay', ms: 60 },
  { kind: 'drop' },
  { kind: 'duplicate' },
  { kind: 'stale' },
  { kind: 'garbage', position: 'before' },
  { kind: 'garbage', position: 'instead' },
  { kind: 'split', pauseMs: 0 },
  { kind: 'close' },
];

describe('randomized reliability run', () => {
  it(`${CALLS} calls with random faults: nothing misdelivered, everything settles in time, no growth`, { timeout: 600_000 }, async () => {
    const agent = await SimulatedAgent.start({ faults: { probability: 0.04, seed: SEED, kinds: FAULTS, commands: ['guest-sync'] } });
    const random = mulberry32(SEED ^ 0x5eed);
    const client = await QgaClient.connect({ path: agent.path, timeout: 200, reconnect: { retries: 50, delay: 2 } });
    const counts = { ok: 0, misdelivered: 0, timeout: 0, protocol: 0, connection: 0, other: 0, late: 0 };
    let worstOverrun = 0;
    let nextId = 1;
    let baseline: { heap: number; handles: number } | undefined;

    const one = async (): Promise<void> => {
      const id = nextId++;
      // Timeouts straddle the injected delays (30 and 60 ms).
      const timeout = 20 + Math.floor(random() * 80);
      const started = performance.now();
      try {
        const value = await client.call('guest-sync', { id }, { timeout });
        if (value === id) counts.ok++;
        else counts.misdelivered++;
      } catch (error) {
        if (error instanceof QgaTimeoutError) counts.timeout++;
        else if (error instanceof QgaProtocolError) counts.protocol++;
        else if (error instanceof QgaConnectionError) counts.connection++;
        else counts.other++;
        if (!(error instanceof QgaError)) throw error;
      }
      const overrun = performance.now() - started - timeout;
      worstOverrun = Math.max(worstOverrun, overrun);
      if (overrun > SETTLE_MARGIN_MS) counts.late++;
    };

    const started = performance.now();
    for (let done = 0; done < CALLS; done += CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, CALLS - done) }, one));
      if (baseline === undefined && done >= 1000) {
        baseline = { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
      }
    }
    // After the storm: the client still works, for plain calls.
    for (let i = 0; i < 3; i++) {
      agent.clearFaults();
      const id = nextId++;
      await expect(client.call('guest-sync', { id }, { timeout: 2000 }).catch(() => client.call('guest-sync', { id }, { timeout: 2000 }))).resolves.toBe(id);
    }
    const end = { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
    const faults = agent.stats.faultsInjected;
    const injected = Object.values(faults).reduce((a, b) => a + b, 0);
    console.log(
      `reliability: seed=${SEED} calls=${CALLS} faults injected=${injected} ${JSON.stringify(faults)} ` +
        `outcomes=${JSON.stringify(counts)} misdelivered=${counts.misdelivered} worst overrun=${worstOverrun.toFixed(1)} ms ` +
        `heap ${(baseline!.heap / 1048576).toFixed(1)} -> ${(end.heap / 1048576).toFixed(1)} MiB, handles ${baseline!.handles} -> ${end.handles}, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await client.close();
    await agent.stop();

    expect(counts.misdelivered).toBe(0);
    expect(counts.other).toBe(0);
    expect(counts.late).toBe(0);
    expect(counts.ok + counts.timeout + counts.protocol + counts.connection).toBe(CALLS);
    expect(injected).toBeGreaterThan(CALLS * 0.02);
    expect(counts.ok).toBeGreaterThan(CALLS * 0.8);
    // Bounded: no growth with the number of calls.
    expect(end.heap - baseline!.heap).toBeLessThan(32 * 1024 * 1024);
    expect(end.handles).toBeLessThanOrEqual(baseline!.handles + 2);
  });
});
