import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QgaTimeoutError } from '../../src/errors.js';
import { agentLikeResponder, scriptedQueue } from '../support/scripted-queue.js';

describe('RequestQueue properties', () => {
  it('without timeouts: exactly one request in flight, replies in call order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 15 }), async (delays) => {
        let inFlight = 0;
        let maxInFlight = 0;
        const echo = agentLikeResponder({ echo: (a) => a?.['n'] });
        const order: number[] = [];
        const { queue } = scriptedQueue((request, reply) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const n = request.arguments?.['n'];
          setTimeout(() => {
            inFlight--;
            if (typeof n === 'number') order.push(n);
            echo(request, reply);
          }, typeof n === 'number' ? (delays[n] ?? 0) : 0);
        });
        const results = await Promise.all(delays.map((_, n) => queue.send({ execute: 'echo', arguments: { n } }, { timeout: 5000, expectReply: true })));
        expect(results).toEqual(delays.map((_, n) => n));
        expect(order).toEqual(delays.map((_, n) => n));
        expect(maxInFlight).toBe(1);
      }),
      { numRuns: 40 },
    );
  });

  it('with timeouts: every call gets its own answer or a timeout, never another call\'s reply', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 6 }), timeout: fc.integer({ min: 2, max: 12 }) }), { minLength: 1, maxLength: 12 }),
        async (calls) => {
          let inFlight = 0;
          let maxInFlight = 0;
          const echo = agentLikeResponder({ echo: (a) => a?.['n'] });
          const { queue } = scriptedQueue((request, reply) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const n = request.arguments?.['n'];
            const delay = typeof n === 'number' ? (calls[n]?.delay ?? 0) : 0;
            setTimeout(() => {
              inFlight--;
              echo(request, reply);
            }, delay);
          });
          const outcomes = await Promise.all(
            calls.map((c, n) =>
              queue.send({ execute: 'echo', arguments: { n } }, { timeout: c.timeout + 20, expectReply: true }).then(
                (v) => ({ ok: v }),
                (e: unknown) => ({ err: e }),
              ),
            ),
          );
          outcomes.forEach((o, n) => {
            if ('ok' in o) expect(o.ok).toBe(n);
            else expect(o.err).toBeInstanceOf(QgaTimeoutError);
          });
          // After a timeout the next request may be written while the agent still works
          // on the abandoned one; the resync keeps that safe. Never more than the calls.
          expect(maxInFlight).toBeLessThanOrEqual(calls.length * 2);
        },
      ),
      { numRuns: 40 },
    );
  });
});
