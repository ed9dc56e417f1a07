import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError, QgaExecError, QgaTimeoutError, type ExecOptions, type ExecResult, type GuestProcess } from '../../../src/index.js';
import { runExec } from '../../../src/helpers/exec.js';
import { planFromArgv, planWait } from '../../../src/helpers/exec-options.js';
import type { ExecTimers } from '../../../src/helpers/exec-poll.js';
import { exited, running, startExecGuest, type ExecGuest } from './exec-guest.js';

let guest: ExecGuest | undefined;
let client: QgaClient | undefined;
afterEach(async () => {
  await client?.close();
  await guest?.close();
  client = undefined;
  guest = undefined;
});

async function setup(timeout?: number): Promise<{ guest: ExecGuest; client: QgaClient }> {
  guest = await startExecGuest();
  client = await QgaClient.connect({ path: guest.agent.path, ...(timeout === undefined ? {} : { timeout }) });
  return { guest, client };
}

/** Runs every timer on the next turn and records the requested delays. */
function recordingTimers(): ExecTimers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return setImmediate(callback);
    },
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('exec poll schedule', () => {
  it('polls at once, then pauses 1 ms doubling to a 100 ms cap', async () => {
    const { guest, client } = await setup();
    guest.statusOf = (_pid, poll) => (poll < 10 ? running : exited(0, 'done'));
    const timers = recordingTimers();
    const result = await runExec<string>(client, planFromArgv('exec', ['x'], undefined), planWait('exec', undefined), timers);
    expect(result.stdout).toBe('done');
    expect(guest.statusCalls.length).toBe(11);
    expect(timers.delays).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);
  });

  it('pollInterval sets the first pause and the cap', async () => {
    const { guest, client } = await setup();
    guest.statusOf = (_pid, poll) => (poll < 5 ? running : exited());
    const timers = recordingTimers();
    const options: ExecOptions = { pollInterval: { initial: 5, max: 20 } };
    await runExec(client, planFromArgv('exec', ['x'], options, true), planWait('exec', options), timers);
    expect(timers.delays).toEqual([5, 10, 20, 20, 20]);
  });

  it('a process that has exited by the first poll costs exactly one status call and no timer', async () => {
    const { guest, client } = await setup();
    const timers = recordingTimers();
    await runExec(client, planFromArgv('exec', ['true'], undefined), planWait('exec', undefined), timers);
    expect(guest.commands()).toEqual(['guest-exec', 'guest-exec-status']);
    expect(timers.delays).toEqual([]);
  });
});

describe('the final status is never lost', () => {
  it('a deadline that passes while the exited reply is on the wire: the result wins', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ ...exited(0, 'late but here'), delay: 150 });
    const result = await client.exec(['x'], { timeout: 30 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'late but here' });
    expect(guest.statusCalls.length).toBe(1);
  });

  it('an abort while the exited reply is on the wire: the result wins', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ ...exited(2, 'out'), delay: 150 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(client.exec(['x'], { signal: controller.signal })).resolves.toMatchObject({ exitCode: 2, stdout: 'out' });
  });

  it('with check, a late exited reply still decides: QgaExecError with the result, not a timeout', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ ...exited(1, '', 'bad'), delay: 100 });
    const error = await client.exec(['x'], { timeout: 20, check: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaExecError);
    expect((error as QgaExecError<string>).result.stderr).toBe('bad');
  });

  it('a deadline while a "still running" reply is on the wire rejects after it, and no poll follows', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ ...running, delay: 120 });
    const started = performance.now();
    const error = await client.exec(['sleep', '9'], { timeout: 30 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('exec');
    expect((error as QgaTimeoutError).message).toMatch(/sleep \(pid 100\) did not exit within 30 ms; it keeps running/);
    await sleep(50);
    expect(guest.statusCalls.length).toBe(1);
  });

  it('a deadline during a pause between polls rejects at once, without waiting for the next poll', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => running;
    const started = performance.now();
    const error = await client.exec(['x'], { timeout: 40, pollInterval: { initial: 5_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(guest.statusCalls.length).toBe(1);
  });

  it('an abort while guest-exec is on the wire rejects with signal.reason and sends no status', async () => {
    const { guest, client } = await setup();
    guest.execDelay = 80;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const error = await client.exec(['x'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    await sleep(120);
    expect(guest.commands()).toEqual(['guest-exec']);
  });
});

describe('the client closes while a run waits', () => {
  it('the run fails at once with the connection error and leaves no timer behind', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => running;
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const run = client.exec(['sleep', '100'], { pollInterval: { initial: 10_000, max: 10_000 } }).catch((e: unknown) => e);
    await expect.poll(() => guest.statusCalls.length).toBe(1);
    const before = timers();
    const closedAt = performance.now();
    await client.close();
    const error = await run;
    expect(performance.now() - closedAt).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect(timers()).toBeLessThan(before);
  });

  it('on a client already closed, a spawned handle still answers wait() with the connection error', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => running;
    const handle = await client.spawn(['sleep', '100']);
    await client.close();
    await expect(handle.wait()).rejects.toBeInstanceOf(QgaConnectionError);
  });
});

describe('starting a process that takes long to start', () => {
  it("guest-exec is bounded by the run's timeout, not the client's per-call default", async () => {
    const { guest, client } = await setup(50);
    guest.execDelay = 200; // a large stdin on a slow guest
    await expect(client.exec(['x'], { timeout: 10_000 })).resolves.toMatchObject({ pid: 100, exitCode: 0 });
  });

  it('without a run timeout, the per-call default grows with the stdin the request carries', async () => {
    const { guest, client } = await setup(50);
    // Past the 50 ms default, well inside the ~1.45 s it grows to for 1 MiB of stdin.
    guest.execDelay = 120;
    await expect(client.exec(['x'], { input: Buffer.alloc(1024 * 1024) })).resolves.toMatchObject({ pid: 100, exitCode: 0 });
    guest.execDelay = 0;
    await expect(client.exec(['x'], { pollTimeout: 30 })).resolves.toMatchObject({ pid: 101 });
  });

  it('a pid that arrives after guest-exec timed out is killed with killOnAbandon', async () => {
    const { guest, client } = await setup(50);
    guest.execDelay = 200;
    const error = await client.exec(['sleep', '9'], { killOnAbandon: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('guest-exec');
    for (let i = 0; i < 100 && guest.execs.length < 2; i++) await sleep(10);
    expect(guest.execs[1]).toEqual({ path: '/bin/sh', arg: ['-c', 'kill -s "$1" "$2"', 'kill', 'KILL', '100'], 'capture-output': false });
  });

  it('a pid that arrives after the run was abandoned during the start is killed with killOnAbandon', async () => {
    const { guest, client } = await setup();
    guest.execDelay = 200;
    const error = await client.exec(['sleep', '9'], { timeout: 30, killOnAbandon: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).message).toMatch(/sleep did not start within 30 ms/);
    for (let i = 0; i < 100 && guest.execs.length < 2; i++) await sleep(10);
    expect(guest.execs[1]).toMatchObject({ path: '/bin/sh', arg: ['-c', 'kill -s "$1" "$2"', 'kill', 'KILL', '100'] });
  });

  it('without killOnAbandon, a late pid is reported to onLateStart and the process left alone', async () => {
    const { guest, client } = await setup(50);
    guest.execDelay = 200;
    const late: number[] = [];
    await expect(client.spawn(['sleep', '9'], { onLateStart: (pid) => late.push(pid) })).rejects.toBeInstanceOf(QgaTimeoutError);
    for (let i = 0; i < 100 && late.length === 0; i++) await sleep(10);
    expect(late).toEqual([100]);
    expect(guest.execs).toHaveLength(1);
  });

  it('killOnAbandon after a timeout sends SIGKILL to that pid through /bin/sh and reaps the process', async () => {
    const { guest, client } = await setup();
    let killed = false;
    guest.statusOf = (pid) => (pid === 100 && !killed ? running : pid === 100 ? { value: { exited: true, signal: 9 } } : exited(0));
    const onRequest = guest.agent.onRequest;
    guest.agent.onRequest = (request, c) => {
      if (request.execute === 'guest-exec' && (request.arguments?.['arg'] as string[] | undefined)?.includes('100')) killed = true;
      onRequest(request, c);
    };
    await expect(client.exec(['sleep', '9'], { timeout: 50, killOnAbandon: true })).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(guest.execs[1]).toEqual({ path: '/bin/sh', arg: ['-c', 'kill -s "$1" "$2"', 'kill', 'KILL', '100'], 'capture-output': false });
    for (let i = 0; i < 100 && !guest.statusCalls.slice(-3).includes(100); i += 1) await sleep(5);
    await sleep(20);
    // The background reap polled pid 100 until the agent reported the signal, then stopped.
    expect(guest.statusCalls.filter((p) => p === 100).at(-1)).toBe(100);
    expect(guest.agent.requests.at(-1)?.execute).not.toBe('guest-exec');
  });

  it('an already aborted signal rejects with its reason before anything is sent', async () => {
    const { guest, client } = await setup();
    const reason = new Error('already');
    await expect(client.exec(['x'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(guest.commands()).toEqual([]);
  });
});

describe('spawn handles', () => {
  it('wait() after status() saw the exit returns the remembered result', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => exited(5, 'once');
    const proc = await client.spawn(['x']);
    const seen = await proc.status();
    expect(seen).toMatchObject({ exitCode: 5, stdout: 'once' });
    await expect(proc.wait()).resolves.toBe(seen);
    expect(proc.result).toBe(seen);
    expect(guest.statusCalls).toEqual([proc.pid]);
  });

  it('status() and wait() called together share one status call on the wire', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ ...exited(0, 'one answer'), delay: 30 });
    const proc = await client.spawn(['x']);
    const [a, b, c] = await Promise.all([proc.status(), proc.wait(), proc.status()]);
    expect(a).toBe(b);
    expect(c).toBe(b);
    expect(guest.statusCalls.length).toBe(1);
  });

  it('wait() with a timeout that expires keeps the handle usable for a later wait()', async () => {
    const { guest, client } = await setup();
    let done = false;
    guest.statusOf = () => (done ? exited(0, 'eventually') : running);
    const proc = await client.spawn(['x']);
    await expect(proc.wait({ timeout: 30 })).rejects.toBeInstanceOf(QgaTimeoutError);
    done = true;
    await expect(proc.wait()).resolves.toMatchObject({ stdout: 'eventually' });
  });

  it('kill() after the exit was reported sends nothing: the pid may belong to another process now', async () => {
    const { guest, client } = await setup();
    const proc = await client.spawn(['x']);
    await proc.wait();
    await expect(proc.kill()).resolves.toBe(false);
    expect(guest.execs.length).toBe(1);
  });

  it('kill() takes names and numbers and rejects anything else with TypeError', async () => {
    const { guest, client } = await setup();
    guest.statusOf = (pid) => (pid === 100 ? running : exited(0));
    const proc = await client.spawn(['x']);
    await expect(proc.kill('SIGTERM')).resolves.toBe(true);
    await expect(proc.kill(15)).resolves.toBe(true);
    expect(guest.execs[1]?.['arg']).toEqual(['-c', 'kill -s "$1" "$2"', 'kill', 'TERM', '100']);
    expect(guest.execs.at(-1)?.['arg']).toEqual(['-c', 'kill -"$1" "$2"', 'kill', '15', '100']);
    await expect(proc.kill('TERM; rm -rf /')).rejects.toBeInstanceOf(TypeError);
    await expect(proc.kill(-1)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('many execs on one client', () => {
  it('50 concurrent execs with interleaved polls each get their own result', async () => {
    const { guest, client } = await setup();
    guest.statusOf = (pid, poll) => (poll < pid % 4 ? running : exited(pid % 3, `out-${pid}`, `err-${pid}`));
    const results = await Promise.all(Array.from({ length: 50 }, () => client.exec(['x'])));
    for (const r of results) expect(r).toMatchObject({ stdout: `out-${r.pid}`, stderr: `err-${r.pid}`, exitCode: r.pid % 3 });
    expect(new Set(results.map((r) => r.pid)).size).toBe(50);
  });
});

describe('requests and results', () => {
  it('sends argv, env as NAME=value, binary input as base64 and capture-output true', async () => {
    const { guest, client } = await setup();
    await client.exec(['prog', 'a', ''], { env: { A: '1', B: 'x=y' }, input: Uint8Array.of(0, 255, 10) });
    expect(guest.execs[0]).toEqual({ path: 'prog', arg: ['a', ''], env: ['A=1', 'B=x=y'], 'input-data': 'AP8K', 'capture-output': true });
  });

  it('a signal ends with exitCode null; check rejects with QgaExecError carrying it', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => ({ value: { exited: true, signal: 9 } });
    await expect(client.exec(['x'])).resolves.toMatchObject({ exitCode: null, signal: 9 });
    const error = await client.exec(['x'], { check: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaExecError);
    expect((error as QgaExecError).result).toMatchObject({ exitCode: null, signal: 9 });
  });

  it('encoding buffer gives Buffers, empty ones when the agent omitted the data', async () => {
    const { guest, client } = await setup();
    guest.statusOf = () => exited(0, 'bytes');
    const result = await client.exec(['x'], { encoding: 'buffer' });
    expect(Buffer.isBuffer(result.stdout) && result.stdout.toString()).toBe('bytes');
    expect(Buffer.isBuffer(result.stderr) && result.stderr.length).toBe(0);
  });

  it('a status error (the agent forgot the pid) rejects with QgaCommandError', async () => {
    const { guest, client } = await setup();
    const proc = await client.spawn(['x']);
    await client.call('guest-exec-status', { pid: proc.pid });
    const error = await proc.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(guest.statusCalls).toEqual([100, 100]);
  });

  it('a spawn failure is the agent\'s QgaCommandError, unchanged', async () => {
    const { guest, client } = await setup();
    guest.agent.onRequest = (request, c) => {
      if (request.execute === 'guest-exec') c.error(request, 'GenericError', "Guest agent command failed, error was 'Failed to execute child process \u201Cnope\u201D (No such file or directory)'");
      else c.raw(Buffer.concat([Buffer.of(0xff), Buffer.from(`{"return": ${String(request.arguments?.['id'])}}\n`)]));
    };
    const error = await client.exec(['nope']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toMatch(/Failed to execute child process/);
  });
});

describe('capture modes by agent version', () => {
  it('merged on a 7.2 agent is refused with QgaCommandError before guest-exec is sent', async () => {
    const { guest, client } = await setup();
    const error = await client.exec(['x'], { capture: 'merged' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe('guest-exec');
    expect((error as QgaCommandError).desc).toMatch(/needs qemu-ga 8\.1 or later; this agent is 7\.2\.22/);
    expect(guest.commands()).toEqual(['guest-info']);
  });

  it('merged on an 8.1 agent is sent as the mode string', async () => {
    const { guest, client } = await setup();
    guest.version = '8.1.0';
    guest.statusOf = () => exited(0, 'both');
    await expect(client.exec(['x'], { capture: 'merged' })).resolves.toMatchObject({ stdout: 'both', stderr: '' });
    expect(guest.execs[0]?.['capture-output']).toBe('merged');
  });

  it('stdout on an 8.0 agent captures both and drops stderr', async () => {
    const { guest, client } = await setup();
    guest.version = '8.0.0';
    guest.statusOf = () => exited(0, 'o', 'e');
    await expect(client.exec(['x'], { capture: 'stdout' })).resolves.toMatchObject({ stdout: 'o', stderr: '' });
    expect(guest.execs[0]?.['capture-output']).toBe(true);
  });

  it('stderr on a 10.2 agent is sent as the mode string', async () => {
    const { guest, client } = await setup();
    guest.version = '10.2.0';
    guest.statusOf = () => exited(0, '', 'e');
    await expect(client.exec(['x'], { capture: 'stderr' })).resolves.toMatchObject({ stdout: '', stderr: 'e' });
    expect(guest.execs[0]?.['capture-output']).toBe('stderr');
  });

  it('separated and none need no version check: true / false on every agent', async () => {
    const { guest, client } = await setup();
    await client.exec(['x'], { capture: 'none' });
    await client.execAndWait({ path: 'x', 'capture-output': 'separated' });
    expect(guest.commands()).not.toContain('guest-info');
    expect(guest.execs.map((e) => e['capture-output'])).toEqual([false, true]);
  });
});

describe('result types follow the encoding', () => {
  it('encoding buffer types the result as ExecResult<Buffer>, the default as ExecResult<string>', async () => {
    const { client } = await setup();
    expectTypeOf(await client.exec(['x'], { encoding: 'buffer' })).toEqualTypeOf<ExecResult<Buffer>>();
    expectTypeOf(await client.exec(['x'])).toEqualTypeOf<ExecResult<string>>();
    expectTypeOf(await client.exec(['x'], { encoding: 'utf8', timeout: 5 })).toEqualTypeOf<ExecResult<string>>();
    expectTypeOf(await client.execAndWait({ path: 'x' }, { encoding: 'buffer' })).toEqualTypeOf<ExecResult<Buffer>>();
    expectTypeOf(await client.spawn(['x'], { encoding: 'buffer' })).toEqualTypeOf<GuestProcess<Buffer>>();
    const options: ExecOptions = {};
    expectTypeOf(await client.exec(['x'], options)).toEqualTypeOf<ExecResult<string> | ExecResult<Buffer>>();
  });
});

describe('a process the agent no longer knows', () => {
  for (const version of ['7.2.22', '10.2.0']) {
    it(`qemu-ga ${version}: the wait fails saying the status was lost, not with the agent's cryptic text`, async () => {
      const { SimulatedAgent } = await import('../../../src/testing/index.js');
      await using agent = await SimulatedAgent.start({ version, exec: { job: () => ({ stdout: 'done' }) } });
      await using c = await QgaClient.connect({ path: agent.path });
      const proc = await c.spawn(['job']);
      // Someone else collects the exit status first: the agent forgets the pid.
      while (!(await c.call('guest-exec-status', { pid: proc.pid })).exited) await sleep(5);
      const error = await proc.wait().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as Error).message).toMatch(new RegExp(`job \\(pid ${proc.pid}\\): the agent no longer knows this process, so its exit status and output are lost`));
      expect(((error as Error).cause as QgaCommandError).desc).toMatch(/Invalid parameter 'pid'|PID ld does not exist/);
    });
  }
});

describe('QgaExecError', () => {
  it("its message carries the first line of stderr, bounded, so a log line says why", async () => {
    const { SimulatedAgent } = await import('../../../src/testing/index.js');
    await using agent = await SimulatedAgent.start({
      exec: {
        tar: () => ({ exitCode: 2, stderr: '\ntar: /backup: Cannot open: No space left on device\ntar: Error is not recoverable\n' }),
        noisy: () => ({ exitCode: 1, stderr: `${'x'.repeat(10_000)}\nsecond line\n` }),
        quiet: () => ({ signal: 9 }),
      },
    });
    await using c = await QgaClient.connect({ path: agent.path });
    const tar = await c.exec(['tar', 'cf', '/backup/x.tar', '/etc'], { check: true }).catch((e: unknown) => e);
    expect(tar).toBeInstanceOf(QgaExecError);
    expect((tar as Error).message).toMatch(/^tar \(pid \d+\) exited with code 2: tar: \/backup: Cannot open: No space left on device$/);
    const noisy = await c.exec(['noisy'], { check: true, encoding: 'buffer' }).catch((e: unknown) => e);
    expect((noisy as Error).message).toMatch(/^noisy \(pid \d+\) exited with code 1: x{200}…$/);
    const quiet = await c.exec(['quiet'], { check: true }).catch((e: unknown) => e);
    expect((quiet as Error).message).toMatch(/^quiet \(pid \d+\) was killed by signal 9$/);
  });
});

describe('truncation at the 16 MiB cap', () => {
  const CAP = 16 * 1024 * 1024;
  // 7.2.22 and 10.1.1 carry the fix as stable backports (7.2.20+, 10.0.4+, 10.1.1+); 9.0.0 and 10.1.0 do not.
  for (const [version, flagsRight] of [['10.2.0', true], ['10.1.1', true], ['7.2.22', true], ['10.1.0', false], ['9.0.0', false]] as const) {
    it(`qemu-ga ${version}: exactly 16 MiB of output is not flagged truncated; 16 MiB + 1 is`, async () => {
      const { SimulatedAgent } = await import('../../../src/testing/index.js');
      await using agent = await SimulatedAgent.start({
        version,
        exec: { exact: () => ({ stdout: Buffer.alloc(CAP, 0x61) }), more: () => ({ stdout: Buffer.alloc(CAP + 1, 0x61), stderr: 'warn\n' }) },
      });
      await using c = await QgaClient.connect({ path: agent.path, timeout: 30_000 });
      const exact = await c.exec(['exact'], { encoding: 'buffer' });
      expect(exact.stdout.length).toBe(CAP);
      expect(exact.stdoutTruncated).toBe(false);
      const more = await c.exec(['more'], { encoding: 'buffer' });
      expect(more.stdout.length).toBe(CAP);
      expect(more.stdoutTruncated).toBe(true);
      expect(more.stderrTruncated).toBe(false);
      expect(flagsRight).toBeTypeOf('boolean');
    });
  }
});

describe('utf8 decoding', () => {
  it('replaces bytes that are not valid UTF-8 with U+FFFD, as docs/exec.md says; buffer keeps them', async () => {
    const { SimulatedAgent } = await import('../../../src/testing/index.js');
    await using agent = await SimulatedAgent.start({ exec: { latin1: () => ({ stdout: Buffer.from('caf\xe9\n', 'latin1') }) } });
    await using c = await QgaClient.connect({ path: agent.path });
    await expect(c.exec(['latin1'])).resolves.toMatchObject({ stdout: 'caf\uFFFD\n' });
    expect((await c.exec(['latin1'], { encoding: 'buffer' })).stdout.equals(Buffer.from('caf\xe9\n', 'latin1'))).toBe(true);
  });
});
