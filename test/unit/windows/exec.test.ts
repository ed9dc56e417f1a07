import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QgaCommandError, QgaExecError } from '../../../src/index.js';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

describe.each(ERAS)('exec on a simulated $era agent', (era) => {
  it('the argv a C-runtime program receives is the argv given, quotes, backslashes and spaces included', async () => {
    const { agent, client } = await startWindows(era);
    let seen: string[] = [];
    agent.handleExec('echoargs.exe', (argv) => {
      seen = argv;
      return {};
    });
    const argv = ['echoargs.exe', 'a b', 'say "hi"', 'C:\\dir with space\\', 'back\\\\slash', '\\"', 'tab\there', 'ünïcödé'];
    await client.exec(argv);
    expect(seen).toEqual(argv);
  });

  it('any argv without empty arguments arrives intact (property, through the client and the agent)', async () => {
    const { agent, client } = await startWindows(era);
    let seen: string[] = [];
    agent.handleExec('echoargs.exe', (argv) => {
      seen = argv;
      return {};
    });
    const arg = fc.array(fc.constantFrom(' ', '\t', '"', '\\', 'a', 'é', '&', '%'), { minLength: 1, maxLength: 8 }).map((c) => c.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { maxLength: 5 }), async (args) => {
        await client.exec(['echoargs.exe', ...args]);
        expect(seen).toEqual(['echoargs.exe', ...args]);
      }),
      { numRuns: 40 },
    );
  });

  it('an empty argument is refused before anything is sent (GLib would drop it)', async () => {
    const { agent, client } = await startWindows(era);
    await expect(client.exec(['prog.exe', 'a', '', 'b'])).rejects.toThrow(/argument 2 is empty.*not sent/);
    await expect(client.execAndWait({ path: 'prog.exe', arg: [''] })).rejects.toBeInstanceOf(TypeError);
    expect(sent(agent, 'guest-exec')).toBe(0);
  });

  it('a double quote for cmd.exe or a batch file is refused before sending; other programs take it', async () => {
    const { agent, client } = await startWindows(era);
    await expect(client.exec(['cmd.exe', '/d', '/c', 'echo', '"x"'])).rejects.toThrow(/cmd\.exe does not read/);
    await expect(client.exec(['C:\\Tools\\deploy.cmd', 'say "hi"'])).rejects.toBeInstanceOf(TypeError);
    expect(sent(agent, 'guest-exec')).toBe(0);
    agent.handleExec('tool.exe', (argv) => ({ stdout: `${argv[1]}\r\n` }));
    expect((await client.exec(['tool.exe', 'say "hi"'])).stdout).toBe('say "hi"\r\n');
  });

  it('cmd built-ins run through cmd /d /c, one token per argument, quoted by GLib when they hold spaces', async () => {
    const { client } = await startWindows(era, { files: { 'C:\\Program Files\\App\\readme.txt': 'hi\r\n' } });
    const res = await client.exec(['cmd.exe', '/d', '/c', 'type', 'C:\\Program Files\\App\\readme.txt']);
    expect(res).toMatchObject({ exitCode: 0, stdout: 'hi\r\n' });
  });

  it("a program that does not exist: the agent's nameless GLib text, wrapped before 9.1", async () => {
    const { client } = await startWindows(era);
    const error = await client.exec(['nosuch.exe']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    const text = 'Failed to execute child process (No such file or directory)';
    expect((error as QgaCommandError).desc).toBe(era.newTexts ? text : `Guest agent command failed, error was '${text}'`);
  });

  it('an access violation exits with 0xC0000005 as an unsigned code, named, not as a negative signal', async () => {
    const { client } = await startWindows(era);
    const res = await client.exec(['crash.exe']);
    expect(res).toMatchObject({ exitCode: 0xc0000005, signal: null, ntStatus: { code: 0xc0000005, hex: '0xC0000005', name: 'STATUS_ACCESS_VIOLATION' } });
    const error = await client.exec(['crash.exe'], { check: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaExecError);
    expect((error as Error).message).toBe(`crash.exe (pid ${(error as QgaExecError).result.pid}) ended with 0xC0000005 (STATUS_ACCESS_VIOLATION)`);
  });

  it('exit(-1) and HRESULT exits come back unsigned, as Windows reports them', async () => {
    const { agent, client } = await startWindows(era);
    agent.handleExec('minus1.exe', () => ({ exitCode: -1 }));
    agent.handleExec('hresult.exe', () => ({ exitCode: 0x80070005 }));
    agent.handleExec('dll.exe', () => ({ exitCode: 0xc0000135 }));
    expect(await client.exec(['minus1.exe'])).toMatchObject({ exitCode: 0xffffffff, signal: null });
    expect(await client.exec(['hresult.exe'])).toMatchObject({ exitCode: 0x80070005, signal: null });
    expect((await client.exec(['hresult.exe'])).ntStatus).toBeUndefined();
    expect((await client.exec(['dll.exe'])).ntStatus).toMatchObject({ name: 'STATUS_DLL_NOT_FOUND' });
  });

  it('env is merged over the agent environment (names without case), so PowerShell still starts', async () => {
    const { agent, client } = await startWindows(era);
    let env: Readonly<Record<string, string>> | undefined;
    agent.handleExec('showenv.exe', (_argv, ctx) => {
      env = ctx.env;
      return {};
    });
    await client.exec(['showenv.exe'], { env: { APP_MODE: 'test', path: 'C:\\Tools' } });
    expect(env).toMatchObject({ APP_MODE: 'test', path: 'C:\\Tools', SystemRoot: 'C:\\Windows' });
    expect(Object.keys(env ?? {}).filter((k) => k.toUpperCase() === 'PATH')).toEqual(['path']);
    const ps = await client.exec(['powershell.exe', '-NoProfile', '-Command', 'Write-Output $env:APP_MODE'], { env: { APP_MODE: 'merged' } });
    expect(ps).toMatchObject({ exitCode: 0, stdout: 'merged\r\n' });
  });

  it("a raw request's env replaces everything, as the agent does: PowerShell cannot start", async () => {
    const { client } = await startWindows(era);
    const res = await client.execAndWait({ path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', arg: ['-Command', 'exit 0'], env: ['A=1'] });
    expect(res.exitCode).toBe(0xfffd0000);
    expect(res.stderr).toContain('8009001d');
  });

  it('kill() ends the process tree with taskkill; the victim exits 1; a finished process is not killed', async () => {
    const { agent, client } = await startWindows(era);
    const proc = await client.spawn(['cmd.exe', '/d', '/c', 'ping', '-n', '60', '127.0.0.1']);
    expect(await proc.kill('TERM')).toBe(true);
    const result = await proc.wait({ timeout: 5_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Pinging 127.0.0.1');
    expect(await proc.kill()).toBe(false);
    expect(agent.stats.commands['guest-exec']).toBe(2);
  });

  it('killOnAbandon kills through taskkill when the run times out', async () => {
    const { agent, client } = await startWindows(era);
    const error = await client.exec(['ping', '-n', '60', '127.0.0.1'], { timeout: 300, killOnAbandon: true }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('QgaTimeoutError');
    // The taskkill goes out after the rejection, without being awaited.
    await expect.poll(() => sent(agent, 'guest-exec')).toBe(2);
  });

  it("capture 'merged' does not exist on Windows: refused before the start", async () => {
    const { agent, client } = await startWindows(era);
    const error = await client.exec(['whoami'], { capture: 'merged' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toMatch(/does not exist in qemu-ga for Windows/);
    expect(sent(agent, 'guest-exec')).toBe(0);
    expect((await client.exec(['whoami'], { capture: 'stdout' })).stdout).toBe('nt authority\\system\r\n');
  });

  it('stdin is NUL unless input is given; tools that need a console fail like on a real guest', async () => {
    const { client } = await startWindows(era);
    expect(await client.exec(['timeout', '/t', '5'])).toMatchObject({ exitCode: 1, stderr: 'ERROR: Input redirection is not supported, exiting the process immediately.\r\n' });
  });

  it('ping to a bad host prints its error on stdout and exits 1', async () => {
    const { client } = await startWindows(era);
    const res = await client.exec(['ping', 'nohost.invalid']);
    expect(res).toMatchObject({ exitCode: 1, stderr: '' });
    expect(res.stdout).toContain('could not find host nohost.invalid');
  });

  it('pids are multiples of 4', async () => {
    const { client } = await startWindows(era);
    const pids = await Promise.all([client.exec(['whoami']), client.exec(['whoami'])]);
    for (const { pid } of pids) expect(pid % 4).toBe(0);
  });
});

describe('exec on a POSIX guest is unchanged', () => {
  it('an empty argument goes through, env replaces, a negative-free exit stays as it was', async () => {
    const { agent, client } = await startLinux();
    let seen: { argv: string[]; env: Readonly<Record<string, string>> | undefined } | undefined;
    agent.handleExec('show', (argv, ctx) => {
      seen = { argv, env: ctx.env };
      return { signal: 9 };
    });
    const res = await client.exec(['show', ''], { env: { ONLY: '1' } });
    expect(seen).toEqual({ argv: ['show', ''], env: { ONLY: '1' } });
    expect(res).toMatchObject({ exitCode: null, signal: 9 });
    expect(res.ntStatus).toBeUndefined();
    expect(sent(agent, 'guest-get-osinfo')).toBe(1);
  });

  it('a plain exec asks the guest nothing extra', async () => {
    const { agent, client } = await startLinux();
    agent.handleExec('true', () => ({}));
    await client.exec(['true']);
    expect(Object.keys(agent.stats.commands).sort()).toEqual(['guest-exec', 'guest-exec-status', 'guest-sync-delimited']);
  });
});
