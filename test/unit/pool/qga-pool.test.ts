import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QgaConnectionError, QgaPool, QgaTimeoutError } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

const agents: SimulatedAgent[] = [];
let pool: QgaPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function guests(count: number): Promise<SimulatedAgent[]> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => SimulatedAgent.start({ hostName: `vm-${i}` })));
  agents.push(...started);
  return started;
}

function poolOver(list: readonly SimulatedAgent[], options?: ConstructorParameters<typeof QgaPool>[0]): QgaPool {
  pool = new QgaPool(options);
  list.forEach((agent, i) => pool!.add(`vm-${i}`, { path: agent.path }));
  return pool;
}

const hostName = async (client: { guestGetHostName(): Promise<{ 'host-name': string }> }): Promise<string> => (await client.guestGetHostName())['host-name'];

describe('QgaPool', () => {
  it('connects lazily and reuses one connection per guest', async () => {
    const [a] = await guests(1);
    const p = poolOver([a!]);
    expect(p.status('vm-0').state).toBe('idle');
    expect(a!.stats.connections).toBe(0);
    expect(await p.use('vm-0', hostName)).toBe('vm-0');
    expect(await p.use('vm-0', hostName)).toBe('vm-0');
    expect(a!.stats.connections).toBe(1);
    expect(p.status('vm-0')).toMatchObject({ state: 'connected', failures: 0 });
    expect(p.status('vm-0').lastSeen).toBeGreaterThan(0);
  });

  it('each settles every id in the order given, failures included, and reports progress', async () => {
    const list = await guests(6);
    const p = poolOver(list);
    p.add('missing', { path: join(mkdtempSync(join(tmpdir(), 'qga-pool-')), 'none') });
    const progress: { done: number; failed: number; total: number }[] = [];
    const ids = ['vm-3', 'missing', ...p.ids().filter((id) => id !== 'vm-3' && id !== 'missing')];
    const results = await p.each(ids, hostName, { concurrency: 3, onProgress: ({ done, failed, total }) => progress.push({ done, failed, total }) });
    expect([...results.keys()]).toEqual(ids);
    expect(results.get('vm-3')).toEqual({ status: 'fulfilled', value: 'vm-3' });
    const missing = results.get('missing');
    expect(missing?.status).toBe('rejected');
    expect((missing as { reason: unknown }).reason).toBeInstanceOf(QgaConnectionError);
    expect(progress.map((x) => x.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.at(-1)).toEqual({ done: 7, failed: 1, total: 7 });
  });

  it('never holds more than maxConnections open, closing idle ones for waiting work', async () => {
    const list = await guests(8);
    const p = poolOver(list, { maxConnections: 3 });
    let most = 0;
    const results = await p.each(
      p.ids(),
      async (client) => {
        most = Math.max(most, p.openConnections);
        await client.ping();
        return p.openConnections;
      },
      { concurrency: 8 },
    );
    expect([...results.values()].every((r) => r.status === 'fulfilled')).toBe(true);
    expect(most).toBeLessThanOrEqual(3);
    expect(p.openConnections).toBeLessThanOrEqual(3);
    expect(list.reduce((n, a) => n + a.stats.connections, 0)).toBe(8);
  });

  it('a hung guest fails alone within the work timeout, and its connection is closed', async () => {
    const list = await guests(4);
    list[1]!.injectFault('drop', { command: 'guest-get-host-name', times: Infinity });
    const p = poolOver(list, { timeout: 300 });
    const started = performance.now();
    const results = await p.each(p.ids(), hostName, { concurrency: 4 });
    const elapsed = performance.now() - started;
    expect((results.get('vm-1') as { reason: unknown }).reason).toBeInstanceOf(QgaTimeoutError);
    expect(['vm-0', 'vm-2', 'vm-3'].map((id) => results.get(id)?.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(elapsed).toBeLessThan(5_000);
    expect(p.status('vm-1')).toMatchObject({ state: 'idle', failures: 1 });
    expect(p.status('vm-1').lastError).toBeInstanceOf(QgaTimeoutError);
  });

  it('a guest that keeps failing is marked down, refused at once, and tried again later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qga-pool-'));
    pool = new QgaPool({ downAfter: 2, retryDownAfter: 200 });
    pool.add('gone', { path: join(dir, 'none') });
    for (let i = 0; i < 2; i++) await expect(pool.use('gone', (c) => c.ping())).rejects.toBeInstanceOf(QgaConnectionError);
    expect(pool.status('gone').state).toBe('down');
    const refused = await pool.use('gone', (c) => c.ping()).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/down after 2 failures in a row; tried again in \d+ ms; last error: /);
    // After retryDownAfter, one attempt goes through: here the agent has come up meanwhile.
    const agent = await SimulatedAgent.start({ path: join(dir, 'none') });
    agents.push(agent);
    await new Promise((r) => setTimeout(r, 250));
    await pool.use('gone', (c) => c.ping());
    expect(pool.status('gone')).toMatchObject({ state: 'connected', failures: 0 });
  });

  it('aborting each settles the rest at once and leaves no connection open', async () => {
    const list = await guests(10);
    for (const agent of list) agent.injectFault({ kind: 'delay', ms: 200 }, { command: 'guest-get-host-name', times: Infinity });
    const p = poolOver(list);
    const controller = new AbortController();
    const run = p.each(p.ids(), hostName, { concurrency: 2, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 50);
    const results = await run;
    // Settled by the abort, not by the work: only the first two (concurrency) ever asked,
    // and none of them got the 200 ms-late answer.
    expect([...results.values()].every((r) => r.status === 'rejected' && (r.reason as Error).message === 'enough')).toBe(true);
    expect(list.reduce((n, agent) => n + (agent.stats.commands['guest-get-host-name'] ?? 0), 0)).toBeLessThanOrEqual(2);
    await p.close();
    expect(p.openConnections).toBe(0);
  });

  it('rejects bad input before connecting anything', async () => {
    pool = new QgaPool();
    expect(() => new QgaPool({ maxConections: 3 } as never)).toThrow(/unknown option 'maxConections'/);
    expect(() => new QgaPool({ maxConnections: 0 })).toThrow(TypeError);
    expect(() => pool!.add('', { path: '/x' })).toThrow(TypeError);
    pool.add('a', { path: '/x' });
    expect(() => pool!.add('a', { path: '/y' })).toThrow(/already in the pool/);
    expect(() => pool!.add('b', { path: '/x', timeout: -1 })).toThrow(TypeError);
    await expect(pool.use('nope', (c) => c.ping())).rejects.toThrow(/no guest 'nope'/);
    expect(() => pool!.each(['a', 'a'], (c) => c.ping())).toThrow(/listed twice/);
    expect(() => pool!.each(['a'], (c) => c.ping(), { concurency: 2 } as never)).toThrow(/unknown option 'concurency'/);
    expect(pool.status('a').state).toBe('idle');
  });

  it('closes a connection that sat idle past idleTimeout', async () => {
    const [a] = await guests(1);
    const p = poolOver([a!], { idleTimeout: 50 });
    await p.use('vm-0', (c) => c.ping());
    expect(p.openConnections).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(p.openConnections).toBe(0);
    expect(p.status('vm-0').state).toBe('idle');
  });

  it('counts idleTimeout from the last use: a connection used again stays open, then closes once idle that long', async () => {
    const [a] = await guests(1);
    const p = poolOver([a!], { idleTimeout: 150 });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const started = performance.now();
    await p.use('vm-0', (c) => c.ping());
    for (let i = 0; i < 3; i++) {
      await sleep(80);
      await p.use('vm-0', (c) => c.ping());
    }
    const lastUse = performance.now();
    // Past the first use's idleTimeout, but not the last one's: still open now, closed
    // only once idle 150 ms since the last use (a load spike can only make it look later).
    expect(lastUse - started).toBeGreaterThan(150);
    expect(p.openConnections).toBe(1);
    await expect.poll(() => p.openConnections, { timeout: 2_000, interval: 5 }).toBe(0);
    expect(performance.now() - lastUse).toBeGreaterThanOrEqual(145);
  });

  it('work after close rejects, and close is idempotent', async () => {
    const [a] = await guests(1);
    const p = poolOver([a!]);
    await p.use('vm-0', (c) => c.ping());
    await Promise.all([p.close(), p.close()]);
    await expect(p.use('vm-0', (c) => c.ping())).rejects.toBeInstanceOf(QgaConnectionError);
    expect(p.openConnections).toBe(0);
  });
});

describe('QgaPool retry', () => {
  it('retries connects and idempotent calls, never a command that changes the guest', async () => {
    const [a] = await guests(1);
    const p = poolOver([a!], { retry: { retries: 2, delay: 5 }, defaults: { timeout: 150 } });
    a!.injectFault('drop', { command: 'guest-get-osinfo', times: 1 });
    a!.injectFault('drop', { command: 'guest-exec', times: 1 });
    await p.use('vm-0', (client) => client.guestGetOsinfo());
    await expect(p.use('vm-0', (client) => client.exec(['true']))).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(a!.stats.commands['guest-get-osinfo']).toBe(2);
    expect(a!.stats.commands['guest-exec']).toBe(1);
  });
});
