/**
 * `exec(['/bin/true'])` latency: start, wait for the exit, decode the (empty) output.
 * Raw: `guest-exec` with captured output, then `guest-exec-status` in a tight loop until
 * `exited` (no pause at all: the fastest possible, and the most load on the agent). Also
 * against the seed design's fixed 100 ms poll, which the library must beat by 20x.
 */
import type { RawQgaClient } from '../raw-client.js';
import { clientMethod } from '../lib/library.js';
import { interleave, median, percentile, since } from '../lib/stats.js';
import type { BenchCase } from '../lib/types.js';

interface RoundResult {
  p50: number;
  p95: number;
  polls: number;
  /** Median latency of a client that polls every 100 ms (raw side only; 0 for the library). */
  fixedPoll: number;
  /**
   * Median time to the agent's reply to `guest-exec` alone (raw side only): the agent
   * answers only once the child has been spawned, so no client can finish sooner.
   */
  spawnReply: number;
}

/** The seed design's wait: pause 100 ms, then ask, until the process has exited. */
const FIXED_POLL_MS = 100;

async function rawExecFixedPoll(client: RawQgaClient): Promise<void> {
  const { pid } = (await client.call('guest-exec', { path: '/bin/true', 'capture-output': true })) as { pid: number };
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FIXED_POLL_MS));
    const status = (await client.call('guest-exec-status', { pid })) as { exited: boolean };
    if (status.exited) return;
  }
}

async function rawExec(client: RawQgaClient, spawnReplies?: number[]): Promise<number> {
  const started = performance.now();
  const { pid } = (await client.call('guest-exec', { path: '/bin/true', 'capture-output': true })) as { pid: number };
  spawnReplies?.push(since(started));
  for (let polls = 1; ; polls++) {
    const status = (await client.call('guest-exec-status', { pid })) as { exited: boolean; 'out-data'?: string; 'err-data'?: string };
    if (status.exited) {
      if (status['out-data'] !== undefined) Buffer.from(status['out-data'], 'base64').toString('utf8');
      if (status['err-data'] !== undefined) Buffer.from(status['err-data'], 'base64').toString('utf8');
      return polls;
    }
  }
}

export const execCase: BenchCase = {
  name: 'exec',
  title: "exec(['/bin/true']) latency",
  needsAgent: true,
  async run(ctx) {
    const count = ctx.smoke ? 5 : 150;
    const warmup = ctx.smoke ? 1 : 10;
    const rounds = ctx.smoke ? 1 : 7;
    const fixedPollRuns = ctx.smoke ? 1 : 5;
    const summarise = (times: number[], polls: number): RoundResult => ({ p50: median(times), p95: percentile(times, 95), polls: polls / times.length, fixedPoll: 0, spawnReply: 0 });
    const samples = await interleave<RoundResult>(rounds, {
      library: async () => {
        const client = await ctx.connectLibrary();
        try {
          const exec = clientMethod(client, 'exec');
          for (let i = 0; i < warmup; i++) await exec(['/bin/true']);
          let polls = 0;
          const onRequest = (event: { command: string }): void => {
            if (event.command === 'guest-exec-status') polls++;
          };
          client.on('request', onRequest);
          // Listening to 'request' costs the library an emit per call; only count polls
          // in a separate pass so the timed pass runs without listeners.
          for (let i = 0; i < Math.min(count, 20); i++) await exec(['/bin/true']);
          client.off('request', onRequest);
          const countedRuns = Math.min(count, 20);
          const times: number[] = [];
          for (let i = 0; i < count; i++) {
            const start = performance.now();
            await exec(['/bin/true']);
            times.push(since(start));
          }
          return { ...summarise(times, 0), polls: polls / countedRuns };
        } finally {
          await client.close();
        }
      },
      raw: async () => {
        const client = await ctx.connectRaw();
        try {
          for (let i = 0; i < warmup; i++) await rawExec(client);
          const times: number[] = [];
          const spawnReplies: number[] = [];
          let polls = 0;
          for (let i = 0; i < count; i++) {
            const start = performance.now();
            polls += await rawExec(client, spawnReplies);
            times.push(since(start));
          }
          const fixedPollTimes: number[] = [];
          for (let i = 0; i < fixedPollRuns; i++) {
            const start = performance.now();
            await rawExecFixedPoll(client);
            fixedPollTimes.push(since(start));
          }
          return { ...summarise(times, polls), fixedPoll: median(fixedPollTimes), spawnReply: median(spawnReplies) };
        } finally {
          await client.close();
        }
      },
    });
    const pick = (key: keyof RoundResult) => ({ library: samples.library.map((r) => r[key]), raw: samples.raw.map((r) => r[key]) });
    /** A row whose baseline is the fixed-poll client's latency, measured on the raw side. */
    const againstFixedPoll = (name: string, library: number[]) => ({
      name: `${name} against a fixed ${FIXED_POLL_MS} ms poll`,
      unit: 'ms',
      direction: 'lower' as const,
      library,
      raw: samples.raw.map((r) => r.fixedPoll),
      rawLabel: `${FIXED_POLL_MS} ms poll`,
    });
    return {
      rows: [
        { name: 'exec /bin/true, median latency', unit: 'ms', direction: 'lower', ...pick('p50'), goal: { on: 'ratio', op: '<=', value: 1.3 } },
        {
          ...againstFixedPoll('exec /bin/true, median latency', samples.library.map((r) => r.p50)),
          // "At least 20x faster" is a ratio of at most 1/20.
          goal: { on: 'ratio', op: '<=', value: 0.05 },
          // No client sees the exit sooner than one that polls without pausing; its ratio
          // is printed with the verdict when the goal is out of reach.
          floor: samples.raw.map((r) => r.p50),
        },
        {
          ...againstFixedPoll("the agent's reply to guest-exec alone", samples.raw.map((r) => r.spawnReply)),
          note: 'informational: the agent answers once the child is spawned; the library column is the raw guest-exec round trip',
        },
        { name: 'exec /bin/true, p95 latency', unit: 'ms', direction: 'lower', ...pick('p95'), note: 'informational' },
        { name: 'exec /bin/true, status polls per run', unit: 'polls', direction: 'lower', ...pick('polls'), note: 'informational' },
      ],
      notes: [
        `${count} runs per round after ${warmup} warm-up runs, ${rounds} rounds; each round's median and p95 are the samples.`,
        `The fixed-poll client (guest-exec, then wait ${FIXED_POLL_MS} ms before each guest-exec-status) runs ${fixedPollRuns} times per round on the raw side; its median is the sample.`,
      ],
    };
  },
};
