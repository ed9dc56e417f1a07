import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SimulatedAgent } from '../../../src/testing/index.js';
import type { Transport } from '../../../src/transport/transport.js';
import { useSimulatedAgent } from '../../support/raw-client.js';

const simulated = useSimulatedAgent();

/** Opens an in-process transport and collects what it receives. */
async function openTransport(transport: Transport): Promise<{ data: () => string; closed: Promise<Error | undefined> }> {
  const chunks: Buffer[] = [];
  let resolveClosed!: (e: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
  await transport.open({ onData: (c) => chunks.push(Buffer.from(c)), onClose: (e) => resolveClosed(e) });
  return { data: () => Buffer.concat(chunks).toString('latin1'), closed };
}

async function until(cond: () => boolean, timeout = 2000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('one client at a time', () => {
  test('a second client is answered only after the first closes', async () => {
    simulated.agent = await SimulatedAgent.start();
    const a = await simulated.connect();
    expect(await a.call({ execute: 'guest-ping' })).toEqual({ return: {} });
    const b = await simulated.connect();
    b.send('{"execute":"guest-sync","arguments":{"id":2}}');
    expect(await b.quietFor(100)).toBe(true);
    await a.close();
    await b.lines(1);
    expect(b.text).toBe('{"return": 2}\n');
    expect(simulated.agent.stats.connections).toBe(2);
  });

  test('a client that shuts down its sending side still gets its replies', async () => {
    simulated.agent = await SimulatedAgent.start();
    const a = await simulated.connect();
    a.socket.end('{"execute":"guest-sync","arguments":{"id":9}}');
    await a.closed;
    expect(a.text).toBe('{"return": 9}\n');
  });

  test('a large request is read in pieces, with the parser state kept between them', async () => {
    simulated.agent = await SimulatedAgent.start();
    const c = await simulated.connect();
    const h = (await c.call({ execute: 'guest-file-open', arguments: { path: '/tmp/big', mode: 'w' } })).return;
    const data = Buffer.alloc(3 << 20, 7);
    expect(await c.call({ execute: 'guest-file-write', arguments: { handle: h, 'buf-b64': data.toString('base64') } }, 10_000)).toEqual({
      return: { count: 3 << 20, eof: false },
    });
  });
});

describe('in-process transport', () => {
  test('carries requests and replies without a socket, and can be reopened', async () => {
    simulated.agent = await SimulatedAgent.start({ listen: false });
    expect(() => simulated.agent!.path).toThrow(/listen: false/);
    const transport = simulated.agent.createTransport();
    const first = await openTransport(transport);
    await transport.write(Buffer.from('\xff{"execute":"guest-sync-delimited","arguments":{"id":7}}', 'latin1'));
    await until(() => first.data().endsWith('\n') && first.data().includes('\xff'));
    expect(first.data()).toBe(`{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}\n\xff{"return": 7}\n`);
    await transport.close();
    expect(await first.closed).toBeUndefined();
    await expect(transport.write(Buffer.from('{}'))).rejects.toThrow();

    const second = await openTransport(transport);
    await transport.write(Buffer.from('{"execute":"guest-ping"}'));
    await until(() => second.data() === '{"return": {}}\n');
    await transport.close();
  });

  test('waits behind a socket client like any other connection', async () => {
    simulated.agent = await SimulatedAgent.start();
    const a = await simulated.connect();
    await a.call({ execute: 'guest-ping' });
    const transport = simulated.agent.createTransport();
    const t = await openTransport(transport);
    await transport.write(Buffer.from('{"execute":"guest-sync","arguments":{"id":3}}'));
    await new Promise((r) => setTimeout(r, 50));
    expect(t.data()).toBe('');
    await a.close();
    await until(() => t.data() === '{"return": 3}\n');
    await transport.close();
  });

  test('a request written just before close is still run, like bytes left in a socket', async () => {
    simulated.agent = await SimulatedAgent.start({ listen: false });
    const transport = simulated.agent.createTransport();
    await openTransport(transport);
    await transport.write(Buffer.from('{"execute":"guest-shutdown","arguments":{"mode":"halt"}}'));
    await transport.close();
    await until(() => simulated.agent!.shutdownRequests.length === 1);
    expect(simulated.agent.shutdownRequests).toEqual([{ command: 'guest-shutdown', mode: 'halt' }]);
  });

  test('a close fault reaches the client after the partial reply, as an error', async () => {
    simulated.agent = await SimulatedAgent.start({ listen: false });
    simulated.agent.injectFault({ kind: 'close', afterBytes: 3 });
    const transport = simulated.agent.createTransport();
    const t = await openTransport(transport);
    await transport.write(Buffer.from('{"execute":"guest-ping"}'));
    const err = await t.closed;
    expect(err).toBeInstanceOf(Error);
    expect(t.data()).toBe('{"r');
  });

  test('open rejects with the signal reason when aborted, and after stop', async () => {
    simulated.agent = await SimulatedAgent.start({ listen: false });
    const transport = simulated.agent.createTransport();
    const reason = new Error('no');
    await expect(transport.open({ onData: () => {}, onClose: () => {} }, AbortSignal.abort(reason))).rejects.toBe(reason);
    await simulated.agent.stop();
    await expect(transport.open({ onData: () => {}, onClose: () => {} })).rejects.toMatchObject({ code: 'QGA_CONNECTION' });
  });
});

describe('lifecycle', () => {
  test('stop is idempotent, drops clients and removes the socket and temp dir', async () => {
    simulated.agent = await SimulatedAgent.start();
    const dir = path.dirname(simulated.agent.path);
    expect(existsSync(simulated.agent.sandbox)).toBe(true);
    expect(Buffer.byteLength(simulated.agent.path)).toBeLessThan(100);
    const c = await simulated.connect();
    await c.call({ execute: 'guest-ping' });
    await Promise.all([simulated.agent.stop(), simulated.agent.stop()]);
    await simulated.agent.stop();
    await c.closed;
    expect(existsSync(simulated.agent.path)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  test('await using stops the agent', async () => {
    let sandbox: string;
    {
      await using a = await SimulatedAgent.start();
      sandbox = a.sandbox;
      expect(existsSync(sandbox)).toBe(true);
    }
    expect(existsSync(sandbox)).toBe(false);
  });

  test('stop ends a pending delay and a running scripted process', async () => {
    simulated.agent = await SimulatedAgent.start();
    simulated.agent.handleExec('forever', () => ({ delayMs: 60_000 }));
    simulated.agent.injectFault({ kind: 'delay', ms: 60_000 });
    const c = await simulated.connect();
    c.send('{"execute":"guest-exec","arguments":{"path":"forever"}}');
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await simulated.agent.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('listens on a given path', async () => {
    const probe = await SimulatedAgent.start({ listen: false });
    const socketPath = path.join(probe.sandbox, '..', 'custom.sock');
    simulated.agent = await SimulatedAgent.start({ path: socketPath });
    const c = await simulated.connect();
    expect(await c.call({ execute: 'guest-ping' })).toEqual({ return: {} });
    await c.close();
    simulated.clients.length = 0;
    await simulated.agent.stop();
    simulated.agent = undefined;
    expect(existsSync(socketPath)).toBe(false);
    await probe.stop();
  });

  test('replaces a socket file left by a dead process, but never steals a live one', async () => {
    const probe = await SimulatedAgent.start({ listen: false });
    const socketPath = path.join(probe.sandbox, 'tmp', 'left.sock');
    // A process killed while listening leaves its socket file behind.
    const script = `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
    try {
      execFileSync(process.execPath, ['-e', script], { stdio: 'ignore' });
    } catch {
      // killed, as intended
    }
    expect(existsSync(socketPath)).toBe(true);
    simulated.agent = await SimulatedAgent.start({ path: socketPath });
    const c = await simulated.connect();
    expect(await c.call({ execute: 'guest-ping' })).toEqual({ return: {} });
    await expect(SimulatedAgent.start({ path: socketPath })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await probe.stop();
  });
});
