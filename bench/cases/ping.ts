/**
 * Sequential `guest-ping`, one in flight: the per-call cost of the library (queue, ids,
 * timers, framing, events) against a raw client doing the same round trips.
 */
import { interleave, since } from '../lib/stats.js';
import type { BenchCase } from '../lib/types.js';

export const pingCase: BenchCase = {
  name: 'ping',
  title: 'Sequential guest-ping rate',
  needsAgent: true,
  async run(ctx) {
    const count = ctx.smoke ? 200 : 10_000;
    const warmup = ctx.smoke ? 20 : 1_000;
    const rounds = ctx.smoke ? 1 : 15;
    const samples = await interleave(rounds, {
      library: async () => {
        const client = await ctx.connectLibrary();
        try {
          for (let i = 0; i < warmup; i++) await client.ping();
          const start = performance.now();
          for (let i = 0; i < count; i++) await client.ping();
          return count / (since(start) / 1000);
        } finally {
          await client.close();
        }
      },
      raw: async () => {
        const client = await ctx.connectRaw();
        try {
          for (let i = 0; i < warmup; i++) await client.call('guest-ping');
          const start = performance.now();
          for (let i = 0; i < count; i++) await client.call('guest-ping');
          return count / (since(start) / 1000);
        } finally {
          await client.close();
        }
      },
    });
    return {
      rows: [
        {
          name: 'guest-ping, sequential',
          unit: 'calls/s',
          direction: 'higher',
          library: samples.library,
          raw: samples.raw,
          goal: { on: 'ratio', op: '>=', value: 0.95 },
        },
      ],
      notes: [`${count} pings per round after ${warmup} warm-up pings, ${rounds} rounds.`],
    };
  },
};
