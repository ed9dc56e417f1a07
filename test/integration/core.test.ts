import { afterEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError, QgaTimeoutError, type ResyncInfo } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

describe.skipIf(!qgaSocket)('against a real qemu-ga', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('connects, resynchronises and answers ping', async () => {
    client = await connectAgent();
    await expect(client.ping()).resolves.toBeUndefined();
    expect(client.closed).toBe(false);
  });

  it('reports guest-info with its supported commands', async () => {
    client = await connectAgent();
    const info = await client.call('guest-info');
    expect(info.version).toMatch(/^\d+\.\d+/);
    const names = info.supported_commands.map((c) => c.name);
    expect(names).toContain('guest-ping');
    expect(names).toContain('guest-sync-delimited');
  });

  it('returns osinfo and host name through the generated methods', async () => {
    client = await connectAgent();
    const os = await client.guestGetOsinfo();
    expect(typeof os['kernel-release']).toBe('string');
    const host = await client.call('guest-get-host-name');
    expect(typeof host['host-name']).toBe('string');
    expect(host['host-name'].length).toBeGreaterThan(0);
  });

  it('an unknown command rejects with QgaCommandError CommandNotFound', async () => {
    client = await connectAgent();
    const error = await client.call('guest-no-such-command' as 'guest-ping').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
    expect((error as QgaCommandError).command).toBe('guest-no-such-command');
    expect((error as QgaCommandError).code).toBe('QGA_COMMAND');
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('a wrong argument type gets the agent\'s own error class', async () => {
    client = await connectAgent();
    const error = await client.call('guest-file-open', { path: 42 as unknown as string }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).errorClass).toBe('GenericError');
    expect((error as QgaCommandError).desc).toMatch(/path/);
  });

  it('guest-get-time arrives exact, as a bigint close to the host clock', async () => {
    client = await connectAgent();
    const before = BigInt(Date.now()) * 1_000_000n;
    const time = await client.call('guest-get-time');
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(typeof time).toBe('bigint');
    expect(time as bigint).toBeGreaterThanOrEqual(before - 1_000_000_000n);
    expect(time as bigint).toBeLessThanOrEqual(after + 1_000_000_000n);
    // The POSIX agent reads a microsecond clock: exact decoding keeps the trailing 000.
    expect((time as bigint) % 1000n).toBe(0n);
  });

  it('guest-sync echoes ids exactly, including above 2^53 as bigint', async () => {
    client = await connectAgent();
    await expect(client.call('guest-sync', { id: 12345 })).resolves.toBe(12345);
    await expect(client.call('guest-sync', { id: 9007199254740993n })).resolves.toBe(9007199254740993n);
  });

  it('a command blocked on this agent (shutdown) fails with the agent\'s error, not silence', async () => {
    client = await connectAgent();
    const error = await client.call('guest-shutdown', { mode: 'powerdown' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toMatch(/disabled/);
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('a timed-out call does not hand its late reply to the next call', async () => {
    client = await connectAgent();
    const resyncs: ResyncInfo[] = [];
    client.on('resync', (info) => resyncs.push(info));
    // A 48 MiB read from /dev/zero: the agent needs far longer than 5 ms to answer it.
    const handle = await client.call('guest-file-open', { path: '/dev/zero', mode: 'r' });
    try {
      const slow = await client.call('guest-file-read', { handle, count: 48 * 1024 * 1024 }, { timeout: 5 }).catch((e: unknown) => e);
      expect(slow).toBeInstanceOf(QgaTimeoutError);
      expect((slow as QgaTimeoutError).timeout).toBe(5);
      // The resync before this call swallows ~64 MiB: on a loaded machine that takes longer
      // than the default 5 s, and this test is about where the late reply goes, not speed.
      await expect(client.call('guest-sync', { id: 2 }, { timeout: 60_000 })).resolves.toBe(2);
      const resync = resyncs.find((r) => r.reason === 'timeout');
      expect(resync).toBeDefined();
      // The late reply (~64 MiB of base64) was received and thrown away.
      expect(resync!.bytes).toBeGreaterThan(60 * 1024 * 1024);
      expect(resync!.messages).toBe(1);
    } finally {
      await client.call('guest-file-close', { handle }, { timeout: 60_000 });
    }
  });

  it('an aborted call rejects with signal.reason and the client stays usable', async () => {
    client = await connectAgent();
    const controller = new AbortController();
    const call = client.call('guest-get-osinfo', undefined, { signal: controller.signal });
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await expect(client.call('guest-sync', { id: 77 })).resolves.toBe(77);
  });

  it('calls are answered in call order when issued together', async () => {
    client = await connectAgent();
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    const results = await Promise.all(ids.map((id) => client!.call('guest-sync', { id })));
    expect(results).toEqual(ids);
  });

  it('close() is idempotent and later calls reject with QgaConnectionError', async () => {
    client = await connectAgent();
    const closes: unknown[] = [];
    client.on('close', (e) => closes.push(e));
    await Promise.all([client.close(), client.close()]);
    await client.close();
    expect(closes).toEqual([undefined]);
    await expect(client.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('await using closes the client at scope end', async () => {
    let outer: QgaClient;
    {
      await using inner = await connectAgent();
      outer = inner;
      await inner.ping();
    }
    expect(outer.closed).toBe(true);
  });

  it('a stale partial request left by an earlier client does not break the next one', async () => {
    const { connect } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const s = connect(qgaSocket, () => {
        s.end('{"execute":"guest-sync","arguments":{"id":"half', () => resolve());
      });
      s.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    client = await connectAgent();
    await expect(client.call('guest-sync', { id: 5 })).resolves.toBe(5);
  });

  it('connecting to a missing socket explains what is wrong', async () => {
    const error = await QgaClient.connect({ path: `${qgaSocket}.missing` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/no such socket/);
    expect((error as Error).message).toContain(`${qgaSocket}.missing`);
  });
});
