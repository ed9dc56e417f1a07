/**
 * Is the agent there? One `guest-ping`, timed.
 *
 *   npx tsx examples/ping.ts                          # against the simulated guest
 *   QGA_SOCKET=/run/vm1/qga.sock npx tsx examples/ping.ts
 */
import type { QgaClient } from '../src/index.js';
import { fail, isMain, withClient } from './connect.js';

/** The outcome of {@link ping}. */
export interface PingResult {
  /** Always true: a missing answer rejects instead. */
  ok: true;
  /** Round trip in ms. */
  ms: number;
}

/**
 * Ping the agent; rejects with `QgaTimeoutError` when it does not answer within `timeout`.
 *
 * @example
 * ```ts
 * const { ms } = await ping(client);
 * ```
 */
export async function ping(client: QgaClient, timeout = 3_000): Promise<PingResult> {
  const started = performance.now();
  await client.ping({ timeout });
  return { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 };
}

/** One line for people. */
export function describePing(result: PingResult): string {
  return `the guest agent answered in ${result.ms.toFixed(2)} ms`;
}

if (isMain(import.meta.url)) {
  await withClient(async (client) => console.log(describePing(await ping(client)))).catch(fail);
}
