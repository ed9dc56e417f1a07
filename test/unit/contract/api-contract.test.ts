/**
 * Contract checks against the public API document: names, defaults, error codes, events,
 * helper shapes and behaviours, all against the simulated agent.
 */
import { mkdtemp, readFile as readHostFile, rm, writeFile as writeHostFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  QgaClient,
  QgaCommandError,
  QgaConnectionError,
  QgaError,
  QgaExecError,
  QgaProtocolError,
  QgaTimeoutError,
} from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

let agent: SimulatedAgent;
let client: QgaClient | undefined;

beforeEach(async () => {
  agent = await SimulatedAgent.start({ hostName: 'web-1', files: { '/etc/motd': 'hello motd\n' } });
  agent.handleExec('uname', () => ({ stdout: 'Linux\n' }));
  agent.handleExec('false', () => ({ exitCode: 1, stderr: 'nope\n' }));
  agent.handleExec('crash', () => ({ signal: 9 }));
  agent.handleExec('cat', (_argv, { input }) => ({ stdout: input }));
  agent.handleExec('env', (_argv, { env }) => ({ stdout: Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}\n`).join('') }));
  agent.handleExec('sleep', () => ({ delayMs: 2000 }));
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await agent.stop();
});

async function connect(extra: Record<string, unknown> = {}): Promise<QgaClient> {
  client = await QgaClient.connect({ path: agent.path, ...extra });
  return client;
}

describe('connecting', () => {
  it('default per-call timeout is 5000', async () => {
    const c = await connect();
    expect(c.defaultTimeout).toBe(5000);
  });

  it('connects through a transport too', async () => {
    client = await QgaClient.connect({ transport: agent.createTransport() });
    await client.ping();
  });

  it('await using closes the client', async () => {
    let ref: QgaClient;
    {
      await using c = await QgaClient.connect({ path: agent.path });
      ref = c;
      await c.ping();
    }
    expect(ref.closed).toBe(true);
  });

  it('cannot connect → QgaConnectionError with code and cause', async () => {
    const err = await QgaClient.connect({ path: join(tmpdir(), 'definitely-missing-qga.sock'), connectTimeout: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QgaConnectionError);
    expect(err).toBeInstanceOf(QgaError);
    expect((err as QgaConnectionError).code).toBe('QGA_CONNECTION');
    expect((err as QgaConnectionError).cause).toBeDefined();
  });

  it('connect signal aborts the connect with signal.reason', async () => {
    agent.injectFault('drop', { command: 'guest-sync-delimited' });
    const controller = new AbortController();
    const reason = new Error('stop');
    const p = QgaClient.connect({ path: agent.path, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(p).rejects.toBe(reason);
  });
});

describe('calling commands', () => {
  it('generated wrappers and call() with wire field names', async () => {
    const c = await connect();
    await expect(c.ping()).resolves.toBeUndefined();
    const os = await c.guestGetOsinfo();
    expect(typeof os).toBe('object');
    expect((await c.call('guest-get-host-name'))['host-name']).toBe('web-1');
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
  });

  it('guest-get-time nanoseconds beyond MAX_SAFE_INTEGER arrive as bigint', async () => {
    const c = await connect();
    const t = await c.guestGetTime();
    expect(typeof t).toBe('bigint');
  });

  it('bad arguments reject with TypeError before anything is written', async () => {
    const c = await connect();
    const before = agent.stats.requests;
    await expect(c.call('' as 'guest-ping')).rejects.toBeInstanceOf(TypeError);
    await expect(c.call('guest-file-open', 42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(c.exec('uname' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(c.exec([] as never)).rejects.toBeInstanceOf(TypeError);
    await expect(c.readFile(42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(c.writeFile('/tmp/x', 42 as never)).rejects.toBeInstanceOf(TypeError);
    expect(agent.stats.requests).toBe(before);
  });

  it('calls are serialised in call order', async () => {
    const c = await connect();
    const order: string[] = [];
    c.on('request', (e) => order.push(e.command));
    const results = await Promise.all([c.ping(), c.guestGetHostName(), c.guestGetTimezone(), c.ping()]);
    expect(results[1]['host-name']).toBe('web-1');
    expect(order).toEqual(['guest-ping', 'guest-get-host-name', 'guest-get-timezone', 'guest-ping']);
  });

  it('guest-shutdown and guest-suspend-* resolve without a reply', async () => {
    const c = await connect();
    await expect(c.call('guest-shutdown', { mode: 'halt' })).resolves.toBeUndefined();
    await expect(c.guestSuspendRam()).resolves.toBeUndefined();
    expect(agent.shutdownRequests.map((r) => r.command)).toEqual(['guest-shutdown', 'guest-suspend-ram']);
    await c.ping();
  });

  it('unknown command → QgaCommandError CommandNotFound', async () => {
    const c = await connect();
    const err = (await c.call('guest-nope' as 'guest-ping').catch((e: unknown) => e)) as QgaCommandError;
    expect(err).toBeInstanceOf(QgaCommandError);
    expect(err.code).toBe('QGA_COMMAND');
    expect(err.command).toBe('guest-nope');
    expect(err.errorClass).toBe('CommandNotFound');
    expect(typeof err.desc).toBe('string');
  });
});

describe('errors and resync', () => {
  it('timeout → QgaTimeoutError (command, timeout); the late reply never reaches a later call', async () => {
    const c = await connect();
    agent.injectFault({ kind: 'delay', ms: 200 }, { command: 'guest-get-timezone' });
    const err = (await c.guestGetTimezone({ timeout: 50 }).catch((e: unknown) => e)) as QgaTimeoutError;
    expect(err).toBeInstanceOf(QgaTimeoutError);
    expect(err.code).toBe('QGA_TIMEOUT');
    expect(err.command).toBe('guest-get-timezone');
    expect(err.timeout).toBe(50);
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
  });

  it('abort → signal.reason, AbortError for a plain abort; connection stays usable', async () => {
    const c = await connect();
    agent.injectFault({ kind: 'delay', ms: 200 }, { command: 'guest-get-timezone' });
    const controller = new AbortController();
    const p = c.guestGetTimezone({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = (await p.catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('AbortError');
    expect(err).toBe(controller.signal.reason);
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
  });

  it('drop and stale replies: the next call gets its own reply and resync reports discards', async () => {
    const c = await connect({ timeout: 200 });
    const resyncs: { bytes: number; messages: number }[] = [];
    c.on('resync', (info) => resyncs.push(info));
    agent.injectFault('stale', { command: 'guest-get-timezone' });
    await expect(c.guestGetTimezone()).rejects.toBeInstanceOf(QgaTimeoutError);
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
    await c.ping();
    expect(resyncs.length).toBeGreaterThan(0);
    expect(resyncs.some((r) => r.messages >= 1 && r.bytes > 0)).toBe(true);
  });

  it('garbage instead of a reply → QgaProtocolError, then usable', async () => {
    const c = await connect({ timeout: 500 });
    agent.injectFault({ kind: 'garbage', position: 'instead', bytes: '{"ret\n' }, { command: 'guest-get-timezone' });
    const err = await c.guestGetTimezone().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QgaProtocolError);
    expect((err as QgaProtocolError).code).toBe('QGA_PROTOCOL');
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
  });

  it('oversized reply → QgaProtocolError, then usable', async () => {
    const c = await connect({ maxReplyBytes: 4096 });
    agent.injectFault({ kind: 'oversize', bytes: 100_000 }, { command: 'guest-get-osinfo' });
    await expect(c.guestGetOsinfo()).rejects.toBeInstanceOf(QgaProtocolError);
    expect((await c.guestGetHostName())['host-name']).toBe('web-1');
  });

  it('disconnect mid-reply → QgaConnectionError, close event with the error, later call rejects', async () => {
    const c = await connect();
    const closed = new Promise<unknown>((resolve) => c.once('close', resolve));
    agent.injectFault('close', { command: 'guest-get-osinfo' });
    const err = await c.guestGetOsinfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QgaConnectionError);
    expect(await closed).toBeInstanceOf(Error);
    const after = await c.ping().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(QgaConnectionError);
    expect((after as QgaError).code).toBe('QGA_CONNECTION');
  });

  it('call on a closed client → QgaConnectionError', async () => {
    const c = await connect();
    await c.close();
    await expect(c.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('request / response events carry the name, and the response its duration', async () => {
    const c = await connect();
    const requests: { name: string }[] = [];
    const responses: { name: string; duration: number }[] = [];
    c.on('request', (e) => requests.push(e));
    c.on('response', (e) => responses.push(e));
    await c.ping();
    expect(requests.map((e) => e.name)).toEqual(['guest-ping']);
    expect(responses.map((e) => e.name)).toEqual(['guest-ping']);
    expect(responses[0]!.duration).toBeGreaterThanOrEqual(0);
  });

  it("the simulated agent's default oversize reply exceeds the client's default maxReplyBytes", async () => {
    const c = await connect({ timeout: 30_000 });
    agent.injectFault('oversize', { command: 'guest-get-osinfo' });
    await expect(c.guestGetOsinfo()).rejects.toBeInstanceOf(QgaProtocolError);
    await expect(c.ping()).resolves.toBeUndefined();
  }, 60_000);
});

describe('exec helpers', () => {
  it('exec resolves to an ExecResult with exactly the documented fields', async () => {
    const c = await connect();
    const r = await c.exec(['uname', '-a']);
    expect(Object.keys(r).sort()).toEqual(['exitCode', 'pid', 'signal', 'stderr', 'stderrTruncated', 'stdout', 'stdoutTruncated']);
    expect(r).toMatchObject({ exitCode: 0, signal: null, stdout: 'Linux\n', stderr: '', stdoutTruncated: false, stderrTruncated: false });
    expect(typeof r.pid).toBe('number');
  });

  it('non-zero exit does not reject; check:true rejects with QgaExecError carrying the result', async () => {
    const c = await connect();
    const r = await c.exec(['false']);
    expect(r.exitCode).toBe(1);
    const err = (await c.exec(['false'], { check: true }).catch((e: unknown) => e)) as QgaExecError;
    expect(err).toBeInstanceOf(QgaExecError);
    expect(err.code).toBe('QGA_EXEC');
    expect(err.result.exitCode).toBe(1);
    expect(err.result.stderr).toBe('nope\n');
  });

  it('signal → exitCode null; check:true rejects', async () => {
    const c = await connect();
    const r = await c.exec(['crash']);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe(9);
    await expect(c.exec(['crash'], { check: true })).rejects.toBeInstanceOf(QgaExecError);
  });

  it('input, env, encoding buffer', async () => {
    const c = await connect();
    expect((await c.exec(['cat'], { input: 'abc' })).stdout).toBe('abc');
    expect((await c.exec(['cat'], { input: new Uint8Array([1, 2, 3]), encoding: 'buffer' })).stdout).toEqual(Buffer.from([1, 2, 3]));
    expect((await c.exec(['env'], { env: { A: '1' } })).stdout).toBe('A=1\n');
  });

  it('timeout → QgaTimeoutError', async () => {
    const c = await connect();
    await expect(c.exec(['sleep', '10'], { timeout: 100 })).rejects.toBeInstanceOf(QgaTimeoutError);
  });

  it('execAndWait takes a guest-exec argument object', async () => {
    const c = await connect();
    const r = await c.execAndWait({ path: 'uname', arg: ['-a'] }, { timeout: 30_000 });
    expect(r.stdout).toBe('Linux\n');
    expect(r.exitCode).toBe(0);
  });
});

describe('shell and encodings (API.md Helpers)', () => {
  it("shell(script) runs the guest's shell and resolves to an ExecResult like exec: sh on a POSIX guest", async () => {
    agent.handleExec('/bin/sh', (argv) => ({ stdout: `ran ${argv.slice(1).join(' ')}\n`, exitCode: 2 }));
    const c = await connect();
    const r = await c.shell('echo hi');
    expect(Object.keys(r).sort()).toEqual(['exitCode', 'pid', 'signal', 'stderr', 'stderrTruncated', 'stdout', 'stdoutTruncated']);
    expect(r).toMatchObject({ exitCode: 2, stdout: 'ran -c echo hi\n' });
    await expect(c.shell('echo hi', { shell: 'sh' })).resolves.toMatchObject({ exitCode: 2 });
  });

  it("encoding takes 'utf8', 'buffer', 'auto', 'utf16le' and code pages like 'cp850'", async () => {
    agent.handleExec('bytes', () => ({ stdout: Buffer.from([0x84, 0x0d, 0x0a]) }));
    agent.handleExec('wide', () => ({ stdout: Buffer.from('hé\r\n', 'utf16le') }));
    const c = await connect();
    expect((await c.exec(['bytes'], { encoding: 'cp850' })).stdout).toBe('ä\r\n');
    expect((await c.exec(['bytes'], { encoding: 'buffer' })).stdout).toEqual(Buffer.from([0x84, 0x0d, 0x0a]));
    expect((await c.exec(['wide'], { encoding: 'utf16le' })).stdout).toBe('hé\r\n');
    expect((await c.exec(['wide'], { encoding: 'auto' })).stdout).toBe('hé\r\n');
    expect((await c.exec(['uname'], { encoding: 'auto' })).stdout).toBe('Linux\n');
  });

  it("on a Windows guest: 'auto' falls back on the OEM page, shell is a Windows shell, NTSTATUS is an unsigned exitCode", async () => {
    const win = await SimulatedAgent.start({ profile: 'windows' });
    const wc = await QgaClient.connect({ path: win.path });
    try {
      win.handleExec('oem.exe', () => ({ stdout: Buffer.from([0x84]) }));
      expect((await wc.exec(['oem.exe'], { encoding: 'auto' })).stdout).toBe('ä');
      expect((await wc.shell('Write-Output "grüße"')).stdout).toBe('grüße\r\n');
      expect(await wc.exec(['crash.exe'])).toMatchObject({ exitCode: 0xc0000005, signal: null });
    } finally {
      await wc.close();
      await win.stop();
    }
  });
});

describe('file helpers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qga-contract-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('readFile → Buffer, writeFile string / Uint8Array / stream, handle closed', async () => {
    const c = await connect();
    const buf = await c.readFile('/etc/motd');
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.toString()).toBe('hello motd\n');
    await c.writeFile('/tmp/x', 'hello\n');
    expect(await readHostFile(agent.hostPath('/tmp/x'), 'utf8')).toBe('hello\n');
    await c.writeFile('/tmp/y', new Uint8Array([65, 66]));
    expect(await readHostFile(agent.hostPath('/tmp/y'), 'utf8')).toBe('AB');
    await c.writeFile('/tmp/z', Readable.from([Buffer.from('s1'), Buffer.from('s2')]));
    expect(await readHostFile(agent.hostPath('/tmp/z'), 'utf8')).toBe('s1s2');
    expect(agent.openFileCount).toBe(0);
  });

  it('readFile of a missing file → QgaCommandError, no handle left', async () => {
    const c = await connect();
    await expect(c.readFile('/nope/missing')).rejects.toBeInstanceOf(QgaCommandError);
    expect(agent.openFileCount).toBe(0);
  });

  it('error mid-read closes the handle', async () => {
    const c = await connect();
    agent.handle('guest-file-read', () => {
      throw new (class extends Error {})('x');
    });
    await expect(c.readFile('/etc/motd')).rejects.toThrow();
    await c.ping();
    expect(agent.openFileCount).toBe(0);
  });

  it('abort mid-read closes the handle', async () => {
    const c = await connect();
    agent.injectFault({ kind: 'delay', ms: 200 }, { command: 'guest-file-read' });
    const controller = new AbortController();
    const p = c.readFile('/etc/motd', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await c.ping();
    expect(agent.openFileCount).toBe(0);
  });

  it('streams, download and upload', async () => {
    const c = await connect();
    const parts: Buffer[] = [];
    await pipeline(c.createReadStream('/etc/motd'), new Writable({ write: (chunk, _e, cb) => (parts.push(chunk as Buffer), cb()) }));
    expect(Buffer.concat(parts).toString()).toBe('hello motd\n');
    await pipeline(Readable.from([Buffer.from('w1'), Buffer.from('w2')]), c.createWriteStream('/tmp/w'));
    expect(await readHostFile(agent.hostPath('/tmp/w'), 'utf8')).toBe('w1w2');
    await c.download('/etc/motd', join(dir, 'motd'));
    expect(await readHostFile(join(dir, 'motd'), 'utf8')).toBe('hello motd\n');
    await writeHostFile(join(dir, 'up'), 'uploaded');
    await c.upload(join(dir, 'up'), '/tmp/up');
    expect(await readHostFile(agent.hostPath('/tmp/up'), 'utf8')).toBe('uploaded');
    expect(agent.openFileCount).toBe(0);
  });
});

describe('info / supports', () => {
  it('info is cached per connection; supports is present-and-enabled', async () => {
    await agent.stop();
    agent = await SimulatedAgent.start({ disabled: ['guest-exec'] });
    const c = await connect();
    const before = agent.stats.commands['guest-info'] ?? 0;
    const i1 = await c.info();
    const i2 = await c.info();
    expect(i1.version).toBe(agent.version);
    expect(i2).toEqual(i1);
    expect((agent.stats.commands['guest-info'] ?? 0) - before).toBe(1);
    expect(await c.supports('guest-exec')).toBe(false);
    expect(await c.supports('guest-ping')).toBe(true);
    expect(await c.supports('guest-no-such')).toBe(false);
  });
});
