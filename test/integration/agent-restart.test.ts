/**
 * A real qemu-ga that dies under the client and comes back (start-qemu-ga --respawn): what
 * `reconnect` promises when the agent goes away with calls queued, and what an exec whose
 * agent restarted reports. This file starts an agent of its own, since it kills it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError, type ReconnectEvent } from '../../src/index.js';
import { qgaSocket } from './connect-agent.js';
import { QGA_TOOLS } from './qga.global-setup.js';

interface OwnAgent {
  socket: string;
  pid: string;
  dir: string;
}

function startAgent(): OwnAgent {
  const out = execFileSync(resolve(QGA_TOOLS, 'start-qemu-ga'), ['--respawn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return { socket: env['QGA_SOCKET'] ?? '', pid: env['QGA_PID'] ?? '', dir: env['QGA_DIR'] ?? '' };
}

/** True while `pid` runs (a zombie has closed its sockets already). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * SIGKILL the agent (the supervisor starts a new one within ~50 ms) and return once it is
 * gone, without yielding to the event loop: the client has not seen the loss yet.
 */
function killAgentNow(agent: OwnAgent): void {
  const child = Number(readFileSync(resolve(agent.dir, 'qemu-ga.child'), 'utf8').trim());
  process.kill(child, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (running(child) && Date.now() < deadline);
}

// Only where the shared agent runs (qemu-ga installed); the file uses its own.
describe.skipIf(!qgaSocket)('a real qemu-ga that dies and is restarted', () => {
  let agent: OwnAgent;
  let client: QgaClient | undefined;
  beforeAll(() => {
    agent = startAgent();
  });
  afterAll(() => {
    if (agent && existsSync(agent.dir)) execFileSync(resolve(QGA_TOOLS, 'stop-qemu-ga'), [agent.pid], { stdio: 'inherit' });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('with reconnect, calls queued when the agent died wait for the new channel: only the call on the wire fails', async () => {
    client = await QgaClient.connect({ path: agent.socket, waitForAgent: 5_000, reconnect: { retries: 50, delay: 50 } });
    const reconnecting: ReconnectEvent[] = [];
    client.on('reconnecting', (event) => reconnecting.push(event));
    await client.ping();

    killAgentNow(agent);
    const ids = [1, 2, 3, 4, 5, 6];
    const outcomes = await Promise.allSettled(ids.map((id) => client!.call('guest-sync', { id }, { timeout: 15_000 })));

    // The first call was written into the dead channel: nobody can tell whether it ran.
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.any(QgaConnectionError) });
    // The others were never written before the loss was known: they went out on the new channel.
    expect(outcomes.slice(1)).toEqual(ids.slice(1).map((id) => ({ status: 'fulfilled', value: id })));
    expect(reconnecting.length).toBeGreaterThanOrEqual(1);
    expect(client.closed).toBe(false);
  });

  it('an exec whose agent restarted under reconnect fails saying the process status was lost', async () => {
    client = await QgaClient.connect({ path: agent.socket, waitForAgent: 5_000, reconnect: { retries: 50, delay: 50 } });
    const reconnected = new Promise<void>((resolve) => client!.once('connect', () => resolve()));
    // One poll at once, then one a second later: the agent dies in between.
    const run = client.exec(['sleep', '3'], { pollInterval: { initial: 1_000, max: 1_000 }, timeout: 30_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    killAgentNow(agent);
    await reconnected;
    const error = await run;
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe('guest-exec-status');
    expect((error as Error).message).toMatch(/sleep \(pid \d+\): the agent no longer knows this process, so its exit status and output are lost/);
    expect((error as Error).message).toMatch(/restarted/);
    expect((error as Error).cause).toBeInstanceOf(QgaCommandError);
    await expect(client.ping()).resolves.toBeUndefined();
  });
});
