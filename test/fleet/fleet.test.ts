/**
 * QgaPool against a fleet of real qemu-ga processes (see fleet.global-setup.ts): the
 * whole fleet at once, the connection cap counted in sockets, abort, and a tenth of the
 * fleet killed or stopped mid-run. The destructive test runs last.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { QgaConnectionError, QgaPool, QgaTimeoutError, type QgaPoolOptions } from '../../src/index.js';
import { agentPid, type FleetAgent } from '../../scripts/test-env/agent-fleet.js';

const fleet = JSON.parse(inject('qgaFleet')) as FleetAgent[];
let pool: QgaPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function fleetPool(options?: QgaPoolOptions): QgaPool {
  pool = new QgaPool(options);
  fleet.forEach((agent, i) => pool!.add(`vm${i}`, { path: agent.socket }));
  return pool;
}

/** Open unix sockets and timers of this process, as Node counts its handles. */
function resources(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'PipeWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

/** Samples the open socket count every ms until stopped; returns the most seen. */
function socketSampler(): { sample(): void; stop(): number } {
  let most = 0;
  const sample = (): void => {
    most = Math.max(most, resources().sockets);
  };
  const timer = setInterval(sample, 1);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      return most;
    },
  };
}

describe.skipIf(fleet.length === 0)(`QgaPool over ${fleet.length} real agents`, () => {
  it('each at concurrency 64 reaches every agent once', async () => {
    const p = fleetPool();
    const results = await p.each(p.ids(), async (client) => (await client.guestGetHostName())['host-name'], { concurrency: 64 });
    expect(results.size).toBe(fleet.length);
    const failed = [...results].filter(([, r]) => r.status === 'rejected');
    expect(failed).toEqual([]);
    expect(new Set([...results.values()].map((r) => (r as { value: string }).value)).size).toBe(1);
  });

  it('maxConnections 50 never has more than 50 sockets open', async () => {
    const baseline = resources().sockets;
    const p = fleetPool({ maxConnections: 50 });
    const sampler = socketSampler();
    const results = await p.each(
      p.ids(),
      async (client) => {
        sampler.sample();
        await client.ping();
        sampler.sample();
      },
      { concurrency: 64 },
    );
    const most = sampler.stop() - baseline;
    expect([...results.values()].filter((r) => r.status === 'rejected')).toEqual([]);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(50);
    await p.close();
    expect(resources().sockets).toBe(baseline);
  });

  it('abort via signal settles the rest at once and leaves no socket or timer', async () => {
    const before = resources();
    const p = fleetPool({ timeout: 30_000 });
    const controller = new AbortController();
    let abortedAt = 0;
    const results = await p.each(p.ids(), (client) => client.exec(['sleep', '0.05']), {
      concurrency: 32,
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 20) {
          abortedAt = performance.now();
          controller.abort(new Error('operator abort'));
        }
      },
    });
    const settledIn = performance.now() - abortedAt;
    expect(settledIn).toBeLessThan(500);
    const reasons = [...results.values()].filter((r) => r.status === 'rejected').map((r) => (r as { reason: Error }).reason.message);
    expect(reasons.length).toBeGreaterThanOrEqual(fleet.length - 20 - 32);
    expect(new Set(reasons)).toEqual(new Set(['operator abort']));
    await p.close();
    expect(resources().sockets).toBe(before.sockets);
    // An abandoned exec whose client the pool closed ends at once (its pause is cut short).
    expect(resources().timers).toBeLessThanOrEqual(before.timers);
  });

  it('retries reach the agents for idempotent commands only', async () => {
    const agents = fleet.slice(0, 4);
    const count = (agent: FleetAgent, command: string): number => readFileSync(agent.log, 'utf8').split(`"execute":"${command}"`).length - 1;
    const before = agents.map((a) => [count(a, 'guest-get-osinfo'), count(a, 'guest-exec')]);
    pool = new QgaPool({ retry: { retries: 6, delay: 100 }, defaults: { timeout: 400 } });
    agents.forEach((agent, i) => pool!.add(`vm${i}`, { path: agent.socket }));
    await pool.each(pool.ids(), (client) => client.ping());
    // Each agent stops answering for a second: a read times out and is sent again until it
    // answers; an exec times out once and is never sent again.
    for (const agent of agents) process.kill(agentPid(agent), 'SIGSTOP');
    const resume = setTimeout(() => {
      for (const agent of agents) process.kill(agentPid(agent), 'SIGCONT');
    }, 1_000);
    const reads = await pool.each(pool.ids(), (client) => client.guestGetOsinfo());
    clearTimeout(resume);
    for (const agent of agents) process.kill(agentPid(agent), 'SIGCONT');
    expect([...reads.values()].map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    for (const agent of agents) process.kill(agentPid(agent), 'SIGSTOP');
    setTimeout(() => {
      for (const agent of agents) process.kill(agentPid(agent), 'SIGCONT');
    }, 1_000);
    const execs = await pool.each(pool.ids(), (client) => client.guestExec({ path: '/bin/true' }));
    expect([...execs.values()].map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    // Let the agents work through what queued while they were stopped, then read their logs.
    await new Promise((r) => setTimeout(r, 1_500));
    await pool.each(pool.ids(), (client) => client.ping());
    agents.forEach((agent, i) => {
      expect(count(agent, 'guest-get-osinfo') - before[i]![0]!, agent.socket).toBeGreaterThanOrEqual(2);
      expect(count(agent, 'guest-exec') - before[i]![1]!, agent.socket).toBe(1);
    });
  });

  it('a tenth of the fleet killed or stopped mid-run fails alone, within its timeout', async () => {
    const before = resources();
    const timeout = 6_000;
    // qemu-ga 7.2 may exit when a client leaves mid-reply (the abort test above did that);
    // its supervisor restarts it in ~50 ms, so connects ride over a restart.
    const p = fleetPool({ timeout, defaults: { timeout: 3_000, connectTimeout: 3_000, waitForAgent: 3_000 } });
    // Every guest connected first, so victims die with a connection open.
    const warm = await p.each(p.ids(), (client) => client.ping(), { concurrency: 64 });
    expect([...warm.values()].filter((r) => r.status === 'rejected')).toEqual([]);

    const victims = new Map<string, 'stopped' | 'killed'>();
    for (let i = 100; i < fleet.length && victims.size < fleet.length / 10; i += 5) victims.set(`vm${i}`, victims.size % 2 === 0 ? 'stopped' : 'killed');
    const startedAt = new Map<string, number>();
    const tookMs = new Map<string, number>();
    const results = await p.each(
      p.ids(),
      async (client, id) => {
        startedAt.set(id, performance.now());
        await client.ping();
        return (await client.guestGetOsinfo()).id;
      },
      {
        concurrency: 64,
        onProgress: ({ done, id }) => {
          tookMs.set(id, performance.now() - (startedAt.get(id) ?? performance.now()));
          if (done !== 10) return;
          for (const [victim, how] of victims) {
            const agent = fleet[Number(victim.slice(2))]!;
            // Signals only: spawning a stop script here would fork this process (hundreds of
            // sockets open) and block its event loop for seconds, stalling every call.
            if (how === 'stopped') process.kill(agentPid(agent), 'SIGSTOP');
            else {
              process.kill(agent.pid, 'SIGKILL'); // the supervisor first, so nothing restarts the agent
              process.kill(agentPid(agent), 'SIGKILL');
            }
          }
        },
      },
    );
    for (const [id, result] of results) {
      if (victims.has(id)) {
        expect(result.status, id).toBe('rejected');
        const reason = (result as { reason: unknown }).reason;
        expect(reason instanceof QgaTimeoutError || reason instanceof QgaConnectionError, `${id}: ${String(reason)}`).toBe(true);
        expect(tookMs.get(id)!, id).toBeLessThan(timeout + 1_000);
      } else {
        expect(result.status, `${id}: ${String((result as { reason?: unknown }).reason)}`).toBe('fulfilled');
      }
    }
    await p.close();
    expect(resources().sockets).toBe(before.sockets);
    // An abandoned exec whose client the pool closed ends at once (its pause is cut short).
    expect(resources().timers).toBeLessThanOrEqual(before.timers);
  });
});
