/**
 * One test per fault the simulated agent can inject, each pinning the client's exact
 * outcome: which error (if any), that the next call gets its own answer, and that no
 * reply is ever delivered to the wrong call (every call carries a unique sync id).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, QgaProtocolError, QgaTimeoutError, type ResyncInfo } from '../../src/index.js';
import { SimulatedAgent } from '../../src/testing/index.js';

let agent: SimulatedAgent | undefined;
let client: QgaClient | undefined;
let nextId = 1;
afterEach(async () => {
  await client?.close();
  await agent?.stop();
  client = undefined;
  agent = undefined;
});

async function setup(options: Parameters<typeof QgaClient.connect>[0] extends infer O ? Partial<O & object> : never = {}) {
  agent = await SimulatedAgent.start();
  client = await QgaClient.connect({ path: agent.path, timeout: 300, ...(options as object) });
  const resyncs: ResyncInfo[] = [];
  client.on('resync', (info) => resyncs.push(info));
  return { agent, client, resyncs };
}

/** A call whose answer can only be its own: guest-sync echoes a fresh id. */
async function uniqueCall(c: QgaClient, timeout?: number): Promise<void> {
  const id = nextId++;
  await expect(c.call('guest-sync', { id }, timeout === undefined ? undefined : { timeout })).resolves.toBe(id);
}

describe('fault matrix (simulated agent)', () => {
  it('delay shorter than the timeout: the call succeeds', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'delay', ms: 50 }, { command: 'guest-sync' });
    await uniqueCall(c);
    expect(a.stats.faultsInjected.delay).toBe(1);
  });

  it('delay longer than the timeout: QgaTimeoutError, the late reply is discarded, the next call gets its own answer', async () => {
    const { agent: a, client: c, resyncs } = await setup();
    a.injectFault({ kind: 'delay', ms: 150 }, { command: 'guest-sync' });
    const error = await c.call('guest-sync', { id: 999_001 }, { timeout: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    await uniqueCall(c);
    expect(resyncs.at(-1)).toMatchObject({ reason: 'timeout', messages: 1 });
  });

  it('drop: QgaTimeoutError, then the next call succeeds', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault('drop', { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_002 }, { timeout: 80 })).rejects.toBeInstanceOf(QgaTimeoutError);
    await uniqueCall(c);
  });

  it('duplicate: the call succeeds and the copy never reaches the next call', async () => {
    const { agent: a, client: c, resyncs } = await setup();
    a.injectFault('duplicate', { command: 'guest-sync' });
    await uniqueCall(c);
    await uniqueCall(c);
    await uniqueCall(c);
    expect(resyncs.some((r) => r.reason === 'unmatched' && r.messages >= 1)).toBe(true);
  });

  it('stale: the reply arrives after a later one; every call still gets only its own answer', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'stale' }, { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_003 }, { timeout: 80 })).rejects.toBeInstanceOf(QgaTimeoutError);
    for (let i = 0; i < 5; i++) await uniqueCall(c);
  });

  it('garbage before the reply: QgaProtocolError for that call, the next call succeeds', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'garbage', position: 'before' }, { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_004 })).rejects.toBeInstanceOf(QgaProtocolError);
    await uniqueCall(c);
    await uniqueCall(c);
  });

  it('garbage instead of the reply: QgaProtocolError, the next call succeeds', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'garbage', position: 'instead' }, { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_005 })).rejects.toBeInstanceOf(QgaProtocolError);
    await uniqueCall(c);
  });

  it("garbage given without a line end (docs/testing.md's own example): QgaProtocolError, not a timeout", async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'garbage', position: 'instead', bytes: '{"ret' }, { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_006 })).rejects.toBeInstanceOf(QgaProtocolError);
    a.injectFault({ kind: 'garbage', position: 'before', bytes: 'junk' }, { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_007 })).rejects.toBeInstanceOf(QgaProtocolError);
    await uniqueCall(c);
  });

  it('split into tiny writes: the call succeeds', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault({ kind: 'split', chunkSize: 1, pauseMs: 1 }, { command: 'guest-get-osinfo' });
    // One byte per write, a pause between writes: give it the time that takes.
    const os = await c.guestGetOsinfo({ timeout: 10_000 });
    expect(os.id).toBeDefined();
    await uniqueCall(c);
  });

  it('close mid-reply: QgaConnectionError and the client reports the channel closed', async () => {
    const { agent: a, client: c } = await setup();
    const closed = new Promise<Error | undefined>((r) => c.once('close', r));
    a.injectFault('close', { command: 'guest-get-osinfo' });
    await expect(c.guestGetOsinfo()).rejects.toBeInstanceOf(QgaConnectionError);
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    await expect(c.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('close mid-reply with reconnect: the call fails, the client reconnects and goes on', async () => {
    const { agent: a, client: c } = await setup({ reconnect: { retries: 5, delay: 10 } });
    a.injectFault('close', { command: 'guest-get-osinfo' });
    await expect(c.guestGetOsinfo()).rejects.toBeInstanceOf(QgaConnectionError);
    await uniqueCall(c);
    expect(c.closed).toBe(false);
  });

  it('oversize reply: QgaProtocolError at maxReplyBytes, memory stays bounded, the next call succeeds', async () => {
    agent = await SimulatedAgent.start();
    client = await QgaClient.connect({ path: agent.path, maxReplyBytes: 1024 * 1024, timeout: 5000 });
    agent.injectFault({ kind: 'oversize', bytes: 128 * 1024 * 1024 }, { command: 'guest-get-osinfo' });
    const before = process.memoryUsage().arrayBuffers;
    await expect(client.guestGetOsinfo()).rejects.toBeInstanceOf(QgaProtocolError);
    await uniqueCall(client);
    // 128 MiB streamed through. The client keeps at most 1 MiB of a line; what else shows
    // here is socket chunks the garbage collector has not reclaimed yet, far below 128 MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('stall: calls time out (never hang) and close() still returns promptly', async () => {
    const { agent: a, client: c } = await setup();
    a.injectFault('stall', { command: 'guest-sync' });
    await expect(c.call('guest-sync', { id: 999_006 }, { timeout: 50 })).rejects.toBeInstanceOf(QgaTimeoutError);
    const started = performance.now();
    await expect(c.ping({ timeout: 50 })).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
    await c.close();
    expect(c.closed).toBe(true);
  });
});
