import { describe, expect, test } from 'vitest';
import { SimulatedAgent, type SimulatedAgentOptions } from '../../../src/testing/index.js';
import { useSimulatedAgent, type RawClient } from '../../support/raw-client.js';

const simulated = useSimulatedAgent();

async function start(options?: SimulatedAgentOptions): Promise<RawClient> {
  simulated.agent = await SimulatedAgent.start(options);
  return simulated.connect();
}

const sync = (id: number): string => `{"execute":"guest-sync","arguments":{"id":${id}}}`;

describe('injected faults', () => {
  test('delay holds the reply back for the given time', async () => {
    const c = await start();
    simulated.agent!.injectFault({ kind: 'delay', ms: 150 });
    const t0 = performance.now();
    c.send(sync(1));
    expect(await c.quietFor(80)).toBe(true);
    await c.lines(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(c.text).toBe('{"return": 1}\n');
    expect(simulated.agent!.stats.faultsInjected.delay).toBe(1);
  });

  test('drop sends no reply, and the next request gets its own', async () => {
    const c = await start();
    simulated.agent!.injectFault('drop');
    c.send(sync(1));
    expect(await c.quietFor(50)).toBe(true);
    expect(await c.call({ execute: 'guest-sync', arguments: { id: 2 } })).toEqual({ return: 2 });
    expect(c.text).toBe('{"return": 2}\n');
  });

  test('duplicate writes the reply twice', async () => {
    const c = await start();
    simulated.agent!.injectFault('duplicate');
    c.send(sync(3));
    await c.lines(2);
    expect(c.text).toBe('{"return": 3}\n{"return": 3}\n');
    expect(simulated.agent!.stats.replies).toBe(2);
  });

  test('stale sends the reply after the next request’s reply', async () => {
    const c = await start();
    simulated.agent!.injectFault('stale', { command: 'guest-sync' });
    c.send(sync(1));
    expect(await c.quietFor(30)).toBe(true);
    c.send('{"execute":"guest-ping"}');
    await c.lines(2);
    expect(c.text).toBe('{"return": {}}\n{"return": 1}\n');
  });

  test('a timed stale reply reaches the next client, like a late reply on virtio-serial', async () => {
    const a = await start();
    simulated.agent!.injectFault({ kind: 'stale', afterMs: 300 });
    a.send(sync(111));
    await new Promise((r) => setTimeout(r, 20));
    await a.close();
    const b = await simulated.connect();
    await b.lines(1, 3000);
    expect(b.text).toBe('{"return": 111}\n');
  });

  test('garbage comes before the reply, or instead of it, and always ends a line', async () => {
    const c = await start();
    simulated.agent!.injectFault({ kind: 'garbage', bytes: 'junk\x00\n' });
    simulated.agent!.injectFault({ kind: 'garbage', position: 'instead', bytes: '{"ret' });
    c.send(sync(1));
    await c.lines(2);
    c.send(sync(2));
    await c.waitFor(() => c.text.endsWith('{"ret\n'));
    expect(await c.quietFor(50)).toBe(true);
    expect(c.text).toBe('junk\x00\n{"return": 1}\n{"ret\n');
  });

  test('default garbage is random bytes without 0xFF, ending a line', async () => {
    const c = await start();
    simulated.agent!.injectFault('garbage');
    c.send(sync(1));
    await c.lines(2);
    const [junk, reply] = c.text.split('\n');
    expect(junk!.length).toBeGreaterThanOrEqual(16);
    expect(junk).not.toContain('\xff');
    expect(reply).toBe('{"return": 1}');
  });

  test('split writes the reply in small pieces that add up to it', async () => {
    simulated.agent = await SimulatedAgent.start({ listen: false });
    simulated.agent.injectFault({ kind: 'split', chunkSize: 5, pauseMs: 2 });
    const transport = simulated.agent.createTransport();
    const pieces: string[] = [];
    await transport.open({ onData: (chunk) => pieces.push(Buffer.from(chunk).toString('latin1')), onClose: () => {} });
    await transport.write(Buffer.from(sync(42).replace('guest-sync', 'guest-sync-delimited')));
    const deadline = Date.now() + 2000;
    while (pieces.join('') !== '\xff{"return": 42}\n' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(pieces).toEqual(['\xff{"re', 'turn"', ': 42}', '\n']);
    await transport.close();
  });

  test('close writes part of the reply and drops the connection; the agent serves the next client', async () => {
    const c = await start();
    simulated.agent!.injectFault({ kind: 'close', afterBytes: 5 });
    c.send(sync(12345));
    await c.closed;
    expect(c.text).toBe('{"ret');
    const d = await simulated.connect();
    expect(await d.call({ execute: 'guest-ping' })).toEqual({ return: {} });
  });

  test('oversize sends a valid reply of exactly the given size before its newline, with the id', async () => {
    const c = await start();
    simulated.agent!.injectFault({ kind: 'oversize', bytes: 2 << 20 });
    c.send('{"execute":"guest-ping","id":"big"}');
    await c.lines(1, 10_000);
    expect(c.length).toBe((2 << 20) + 1);
    expect(c.text.endsWith('}\n')).toBe(true);
    const reply = JSON.parse(c.text);
    expect(reply.id).toBe('big');
    expect(typeof reply.return.padding).toBe('string');
  });

  test('stall never answers and stops reading until the client leaves', async () => {
    const c = await start();
    simulated.agent!.injectFault('stall');
    c.send(sync(1));
    c.send(sync(2));
    expect(await c.quietFor(100)).toBe(true);
    await c.close();
    const d = await simulated.connect();
    expect(await d.call({ execute: 'guest-sync', arguments: { id: 3 } })).toEqual({ return: 3 });
    expect(simulated.agent!.stats.faultsInjected.stall).toBe(1);
  });

  test('command and times choose which requests get a fault', async () => {
    const c = await start();
    simulated.agent!.injectFault('duplicate', { command: 'guest-sync', times: 2 });
    c.send('{"execute":"guest-ping"}');
    c.send(sync(1));
    c.send(sync(2));
    c.send(sync(3));
    await c.lines(6);
    expect(c.text).toBe('{"return": {}}\n{"return": 1}\n{"return": 1}\n{"return": 2}\n{"return": 2}\n{"return": 3}\n');
    expect(await c.quietFor(30)).toBe(true);
  });

  test('faults on a no-reply command still apply: close drops the connection after a shutdown', async () => {
    const c = await start();
    simulated.agent!.injectFault('close', { command: 'guest-shutdown' });
    c.send('{"execute":"guest-shutdown"}');
    await c.closed;
    expect(c.text).toBe('');
    expect(simulated.agent!.shutdownRequests).toHaveLength(1);
  });

  test('bad fault descriptions are refused', async () => {
    await start();
    expect(() => simulated.agent!.injectFault('explode' as 'drop')).toThrow(TypeError);
    expect(() => simulated.agent!.injectFault({ kind: 'delay', ms: -1 })).toThrow(RangeError);
    expect(() => simulated.agent!.injectFault('drop', { times: 0 })).toThrow(RangeError);
  });
});

describe('random faults', () => {
  async function run(seed: number): Promise<{ text: string; faults: Record<string, number> }> {
    const c = await start({
      faults: { probability: 0.5, seed, kinds: ['duplicate', 'drop', { kind: 'garbage', bytes: 'x\n' }], commands: ['guest-sync'] },
    });
    for (let i = 0; i < 40; i++) c.send(sync(i));
    // guest-ping gets no faults: once its reply is in, everything before it is too.
    c.send('{"execute":"guest-ping"}');
    await c.waitFor(() => c.text.endsWith('{"return": {}}\n'));
    const result = { text: c.text, faults: simulated.agent!.stats.faultsInjected };
    await c.close();
    simulated.clients.length = 0;
    await simulated.agent!.stop();
    return result;
  }

  test('the same seed gives the same faults; another seed others', async () => {
    const a = await run(42);
    const b = await run(42);
    const other = await run(7);
    expect(a).toEqual(b);
    expect(other.text).not.toBe(a.text);
    const total = Object.values(a.faults).reduce((x, y) => x + y, 0);
    expect(total).toBeGreaterThan(5);
    expect(total).toBeLessThan(35);
    expect(a.faults.delay).toBe(0);
  });

  test('probability 1 hits every request, only for the listed commands', async () => {
    const c = await start({ faults: { probability: 1, kinds: ['duplicate'], commands: ['guest-ping'] } });
    c.send('{"execute":"guest-ping"}');
    c.send(sync(1));
    await c.lines(3);
    expect(c.text).toBe('{"return": {}}\n{"return": {}}\n{"return": 1}\n');
  });

  test('a probability outside 0..1 is refused', async () => {
    await expect(SimulatedAgent.start({ faults: { probability: 2 } })).rejects.toThrow(RangeError);
  });
});
