import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { QgaCommandError, QgaExecError, QgaTimeoutError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

// The agent under test runs on this machine, so guest processes are host processes.
describe.skipIf(!qgaSocket)('exec against a real qemu-ga', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('uname -a prints exactly what the host prints', async () => {
    client = await connectAgent();
    const result = await client.exec(['uname', '-a']);
    expect(result.stdout).toBe(execFileSync('uname', ['-a'], { encoding: 'utf8' }));
    expect(result).toMatchObject({ exitCode: 0, signal: null, stderr: '', stdoutTruncated: false, stderrTruncated: false });
    expect(result.pid).toBeGreaterThan(0);
  });

  it('reports exit code 0, a non-zero code, and a signal (exitCode null)', async () => {
    client = await connectAgent();
    await expect(client.exec(['true'])).resolves.toMatchObject({ exitCode: 0, signal: null });
    await expect(client.exec(['sh', '-c', 'exit 3'])).resolves.toMatchObject({ exitCode: 3, signal: null });
    await expect(client.exec(['sh', '-c', 'kill -9 $$'])).resolves.toMatchObject({ exitCode: null, signal: 9 });
  });

  it('check: true turns a non-zero exit into QgaExecError carrying the whole result', async () => {
    client = await connectAgent();
    const error = await client.exec(['sh', '-c', 'echo partial; echo broke >&2; exit 3'], { check: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaExecError);
    const result = (error as QgaExecError<string>).result;
    expect(result).toMatchObject({ exitCode: 3, signal: null, stdout: 'partial\n', stderr: 'broke\n' });
    expect((error as QgaExecError).code).toBe('QGA_EXEC');
    await expect(client.exec(['true'], { check: true })).resolves.toMatchObject({ exitCode: 0 });
  });

  it('stdin round-trips all 256 byte values through cat byte for byte', async () => {
    client = await connectAgent();
    const bytes = new Uint8Array(256 * 4).map((_, i) => i % 256);
    const result = await client.exec(['cat'], { input: bytes, encoding: 'buffer' });
    expect(Buffer.isBuffer(result.stdout)).toBe(true);
    expect(result.stdout.equals(Buffer.from(bytes))).toBe(true);
  });

  it('string input is sent as UTF-8; without input stdin is empty', async () => {
    client = await connectAgent();
    await expect(client.exec(['cat'], { input: 'héllo ✓\n' })).resolves.toMatchObject({ stdout: 'héllo ✓\n' });
    await expect(client.exec(['cat'])).resolves.toMatchObject({ stdout: '', exitCode: 0 });
  });

  it("20 MiB of stdin: guest-exec may take as long as the run's timeout, not the client's per-call default", async () => {
    // A per-call default far too short for the agent to take 27 MiB of base64, yet long
    // enough for a status poll (it stands in for the 5 s default against a slow guest).
    client = await connectAgent({ timeout: 300 });
    const input = randomBytes(20 * 1024 * 1024);
    const result = await client.exec(['sha256sum'], { input, timeout: 120_000 });
    expect(result.stdout.split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('keeps stderr apart from stdout', async () => {
    client = await connectAgent();
    const result = await client.exec(['sh', '-c', 'echo to-out; echo to-err >&2']);
    expect(result.stdout).toBe('to-out\n');
    expect(result.stderr).toBe('to-err\n');
  });

  it('output beyond the agent\'s 16 MiB cap is cut there and flagged truncated', async () => {
    client = await connectAgent();
    const result = await client.exec(['head', '-c', '20000000', '/dev/zero'], { encoding: 'buffer', timeout: 30_000 });
    expect(result.stdout.length).toBe(16 * 1024 * 1024);
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stderrTruncated).toBe(false);
    expect(result.exitCode).toBe(0);
  });

  it('exactly 16 MiB of output is not flagged truncated: the agent says it was not', async () => {
    client = await connectAgent();
    const result = await client.exec(['head', '-c', String(16 * 1024 * 1024), '/dev/zero'], { encoding: 'buffer', timeout: 30_000 });
    expect(result.stdout.length).toBe(16 * 1024 * 1024);
    expect(result.stdoutTruncated).toBe(false);
  });

  it('sleep 5 with timeout 300 rejects promptly with QgaTimeoutError and the client stays usable', async () => {
    client = await connectAgent();
    const started = performance.now();
    const error = await client.exec(['sleep', '5'], { timeout: 300 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('exec');
    expect((error as QgaTimeoutError).timeout).toBe(300);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    await expect(client.ping()).resolves.toBeUndefined();
    await expect(client.exec(['echo', 'still here'])).resolves.toMatchObject({ stdout: 'still here\n' });
  });

  it('an abort mid-wait rejects with signal.reason and the client stays usable', async () => {
    client = await connectAgent();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const error = await client.exec(['sleep', '5'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(client.exec(['echo', 'ok'])).resolves.toMatchObject({ stdout: 'ok\n' });
  });

  it('20 concurrent execs on one client each get their own output', async () => {
    client = await connectAgent();
    const runs = Array.from({ length: 20 }, (_, i) => client!.exec(['sh', '-c', `sleep 0.0${i % 5}; echo run-${i}; echo err-${i} >&2; exit ${i % 4}`]));
    const results = await Promise.all(runs);
    results.forEach((result, i) => {
      expect(result).toMatchObject({ stdout: `run-${i}\n`, stderr: `err-${i}\n`, exitCode: i % 4 });
    });
    expect(new Set(results.map((r) => r.pid)).size).toBe(20);
  });

  it('env replaces the whole environment of the process', async () => {
    client = await connectAgent();
    const result = await client.exec(['/usr/bin/env'], { env: { FOO: 'bar baz', EMPTY: '' } });
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(['EMPTY=', 'FOO=bar baz']);
  });

  it('a missing program rejects with the agent\'s spawn error (QgaCommandError, GenericError)', async () => {
    client = await connectAgent();
    const error = await client.exec(['/nonexistent/program', 'x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe('guest-exec');
    expect((error as QgaCommandError).errorClass).toBe('GenericError');
    expect((error as QgaCommandError).desc).toMatch(/Failed to execute child process.*\/nonexistent\/program.*No such file or directory/);
  });

  it('execAndWait runs a guest-exec request and captures its output by default', async () => {
    client = await connectAgent();
    await expect(client.execAndWait({ path: '/bin/sh', arg: ['-c', 'echo hi'] }, { timeout: 30_000 })).resolves.toMatchObject({ stdout: 'hi\n', exitCode: 0 });
    await expect(client.execAndWait({ path: '/bin/sh', arg: ['-c', 'echo hi'], 'capture-output': false })).resolves.toMatchObject({ stdout: '', exitCode: 0 });
  });

  it('capture stdout on a pre-8.1 agent keeps stdout only; merged is refused before anything runs', async () => {
    client = await connectAgent();
    const { version } = await client.call('guest-info');
    const result = await client.exec(['sh', '-c', 'echo out; echo err >&2'], { capture: 'stdout' });
    expect(result).toMatchObject({ stdout: 'out\n', stderr: '' });
    const merged = client.exec(['sh', '-c', 'echo out; echo err >&2'], { capture: 'merged' });
    if (/^(7\.|8\.0)/.test(version)) {
      const error = await merged.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).desc).toMatch(/8\.1/);
    } else {
      await expect(merged).resolves.toMatchObject({ stdout: 'out\nerr\n', stderr: '' });
    }
  });

  it('spawn: status() that sees the exit is remembered, so wait() still gets the result', async () => {
    client = await connectAgent();
    const proc = await client.spawn(['sh', '-c', 'echo spawned; exit 4']);
    let seen = await proc.status();
    for (let i = 0; seen === undefined && i < 500; i += 1) {
      await new Promise((r) => setTimeout(r, 2));
      seen = await proc.status();
    }
    expect(seen).toMatchObject({ stdout: 'spawned\n', exitCode: 4 });
    await expect(proc.wait()).resolves.toBe(seen);
    await expect(proc.status()).resolves.toBe(seen);
    // The agent itself has forgotten the pid.
    await expect(client.call('guest-exec-status', { pid: proc.pid })).rejects.toBeInstanceOf(QgaCommandError);
  });

  it('spawn: killOnAbandon kills the process when the wait times out; a later wait gets the signal', async () => {
    client = await connectAgent();
    const proc = await client.spawn(['sleep', '30']);
    await expect(proc.wait({ timeout: 200, killOnAbandon: true })).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(proc.wait({ timeout: 5_000 })).resolves.toMatchObject({ exitCode: null, signal: 9 });
  });

  it('spawn: kill(TERM) ends a running process; kill after the exit is refused', async () => {
    client = await connectAgent();
    const proc = await client.spawn(['sleep', '30']);
    await expect(proc.kill('TERM')).resolves.toBe(true);
    await expect(proc.wait({ timeout: 5_000 })).resolves.toMatchObject({ signal: 15 });
    await expect(proc.kill()).resolves.toBe(false);
  });

  it('exec with killOnAbandon leaves no process behind after an abort', async () => {
    client = await connectAgent();
    const marker = `qga-exec-test-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    // Only the process itself is killed, not its children: the orphaned `sleep 3` ends by itself.
    const run = client.exec(['sh', '-c', `sleep 3; : ${marker}`], { signal: controller.signal, killOnAbandon: true });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    let left = pgrep(marker);
    for (let i = 0; left !== '' && i < 50; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      left = pgrep(marker);
    }
    expect(left).toBe('');
  });
});

function pgrep(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}
