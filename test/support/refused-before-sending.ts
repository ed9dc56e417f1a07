/**
 * Checks that a call is refused locally: a `TypeError` with the expected message, and not
 * one request reached the agent.
 */
import { expect, it } from 'vitest';
import type { QgaClient } from '../../src/index.js';
import type { SimulatedAgent } from '../../src/testing/index.js';

/** A name, what to attempt on the client, and the message the `TypeError` must match. */
export type RefusalCase = [name: string, attempt: (client: QgaClient) => unknown, message: RegExp];

/** One test per case, on the agent and client `subject()` gives when the test runs. */
export function itRefusesBeforeSending(cases: readonly RefusalCase[], subject: () => { agent: SimulatedAgent; client: QgaClient }): void {
  for (const [name, attempt, message] of cases) {
    it(name, async () => {
      const { agent, client } = subject();
      const before = agent.stats.requests;
      let error: unknown;
      try {
        await attempt(client);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
      expect(agent.stats.requests).toBe(before);
    });
  }
}
