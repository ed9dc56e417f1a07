/**
 * Faults on the real libvirtd: another libvirt client holding the domain's agent, the
 * domain destroyed mid-call (and re-created under its name), libvirtd restarted mid-call,
 * a link that goes silent (keepalive), two domains on one connection. Every call ends,
 * none hangs.
 */
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { describe, afterAll, beforeAll, expect, it } from 'vitest';
import { LibvirtConnection, QgaConnectionError, QgaTimeoutError, type QgaClient } from '../../src/index.js';
import { connect, noLibvirt, domainA, domainB, freezeAgent, restartLibvirtd } from './env.js';
import { startDomain } from './libvirt.global-setup.js';

describe.skipIf(noLibvirt)('libvirt channel, real libvirtd: faults', () => {
  let connection: LibvirtConnection;
  let a: QgaClient;
  let b: QgaClient;
  beforeAll(async () => {
    connection = await LibvirtConnection.open();
    a = await connect(domainA, {}, { connection });
    b = await connect(domainB, {}, { connection });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('two domains on one connection run concurrently: B answers while A’s agent is frozen', async () => {
    await freezeAgent(a, 4);
    const slow = a.ping({ timeout: 30_000 }).then(() => performance.now());
    const started = performance.now();
    await b.ping();
    const fast = performance.now();
    expect(fast - started).toBeLessThan(2_000);
    expect((await slow) - fast).toBeGreaterThan(500);
  });

  it('another libvirt client holding the agent: QgaTimeoutError after libvirt’s 30 s lock wait, saying so; usable after', async () => {
    // A second, independent libvirt connection holds A's agent job with a ping to a frozen agent.
    const holder = await connect(domainA);
    try {
      await freezeAgent(holder, 38);
      const holding = holder.ping({ timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 500));
      const started = performance.now();
      const error = await a.ping({ timeout: 45_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaTimeoutError);
      expect((error as Error).message).toMatch(/another client holds this domain's guest agent/);
      expect(performance.now() - started).toBeGreaterThan(25_000);
      await holding;
      await expect(a.ping()).resolves.toBeUndefined();
    } finally {
      await holder.close();
    }
  });

  it('a link that goes silent is dropped by keepalive: the call rejects, no hang', async () => {
    // A proxy to the real socket that stops forwarding on demand (a cut network).
    let frozen = false;
    const pairs: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = netConnect('/var/run/libvirt/libvirt-sock');
      pairs.push(client, upstream);
      client.on('data', (d) => frozen || upstream.write(d));
      upstream.on('data', (d) => frozen || client.write(d));
      client.on('error', () => undefined).on('close', () => upstream.destroy());
      upstream.on('error', () => undefined).on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as { port: number };
    try {
      const client = await connect(domainA, { timeout: 60_000 }, { stream: () => netConnect(port, '127.0.0.1'), keepalive: { interval: 200, count: 3 } });
      frozen = true;
      const started = performance.now();
      const error = await client.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/keepalive/);
      expect(performance.now() - started).toBeLessThan(5_000);
      await client.close();
    } finally {
      for (const s of pairs) s.destroy();
      proxy.close();
    }
  });

  it('libvirtd restarted mid-call: the call rejects at once; with reconnect the client comes back', async () => {
    const client = await connect(domainA, { reconnect: { retries: 60, delay: 500 } });
    try {
      const back = new Promise((resolve) => client.once('connect', resolve));
      await freezeAgent(client, 5);
      const call = client.ping({ timeout: 60_000 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 500));
      const started = performance.now();
      await restartLibvirtd();
      const error = await call;
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/the libvirt connection was lost/);
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(await back).toMatchObject({ channel: 'libvirt', reconnected: true });
      // The agent reconnects to the new libvirtd on its own; give it the time a boot would.
      await expect(client.ping({ timeout: 30_000 })).resolves.toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('the domain destroyed mid-call: the call rejects with QgaConnectionError, no hang', async () => {
    // Runs last: it ends domain B. The shared connection lost with the restart above is reopened.
    const client = await connect(domainB);
    try {
      await freezeAgent(client, 30);
      const call = client.ping({ timeout: 60_000 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 500));
      const started = performance.now();
      const { execFileSync } = await import('node:child_process');
      execFileSync('virsh', ['-c', 'qemu:///system', 'destroy', domainB], { stdio: 'ignore' });
      const error = await call;
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await client.close();
    }
  });

  it('the domain re-created under its name (a new UUID): a client on the shared connection reaches it', async () => {
    // Runs after the test above destroyed domain B. The shared connection still remembers
    // B's old UUID (from `b`): the open meets "domain not found", looks B up afresh and connects.
    await startDomain(domainB);
    const again = await connect(domainB, {}, { connection });
    try {
      await expect(again.ping()).resolves.toBeUndefined();
      expect(again.connectInfo.attempts).toBe(1);
    } finally {
      await again.close();
    }
  });
});
