import { promises as fsp } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { SimulatedAgent, SimulatedAgentError, type SimulatedAgentOptions } from '../../../src/testing/index.js';
import { RawClient, type Json } from '../../support/raw-client.js';

let agent: SimulatedAgent | undefined;
let client: RawClient | undefined;

async function start(options?: SimulatedAgentOptions): Promise<RawClient> {
  agent = await SimulatedAgent.start(options);
  client = await RawClient.connect(agent.path);
  return client;
}
afterEach(async () => {
  await client?.close();
  await agent?.stop();
  client = agent = undefined;
});

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();

async function waitExit(c: RawClient, pid: number, timeout?: number): Promise<Json> {
  for (let i = 0; i < 500; i++) {
    const r = await c.call({ execute: 'guest-exec-status', arguments: { pid } }, timeout);
    if (r.error || r.return.exited) return r;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error('process did not exit');
}

describe('information commands', () => {
  test('guest-info lists every command with name, enabled and success-response', async () => {
    const c = await start({ version: '9.2.0', disabled: ['guest-exec'] });
    const info = (await c.call({ execute: 'guest-info' })).return;
    expect(info.version).toBe('9.2.0');
    const byName = Object.fromEntries(info.supported_commands.map((e: Json) => [e.name, e]));
    expect(byName['guest-ping']).toEqual({ name: 'guest-ping', enabled: true, 'success-response': true });
    expect(byName['guest-shutdown']).toEqual({ name: 'guest-shutdown', enabled: true, 'success-response': false });
    expect(byName['guest-exec'].enabled).toBe(false);
    for (const name of ['guest-sync-delimited', 'guest-get-osinfo', 'guest-file-read', 'guest-fsfreeze-thaw', 'guest-exec-status']) {
      expect(byName[name]).toBeDefined();
    }
  });

  test('a disabled command answers CommandNotFound with the release-specific text', async () => {
    const c = await start({ disabled: ['guest-get-osinfo'] });
    expect(await c.call({ execute: 'guest-get-osinfo' })).toEqual({
      error: { class: 'CommandNotFound', desc: 'Command guest-get-osinfo has been disabled: the command is not allowed' },
    });
    await client!.close();
    await agent!.stop();
    const old = await start({ version: '7.2.22', disabled: ['guest-shutdown'] });
    expect(await old.call({ execute: 'guest-shutdown' })).toEqual({
      error: { class: 'CommandNotFound', desc: 'Command guest-shutdown has been disabled' },
    });
  });

  test('host name, OS info, time zone, users and interfaces can be set', async () => {
    const c = await start({
      hostName: 'web-1',
      osInfo: { 'pretty-name': 'Debian GNU/Linux 12', 'variant-id': undefined },
      timezone: { zone: 'CET', offset: 3600 },
      users: [{ user: 'root', 'login-time': 1700000000.5 }],
    });
    expect((await c.call({ execute: 'guest-get-host-name' })).return).toEqual({ 'host-name': 'web-1' });
    expect((await c.call({ execute: 'guest-get-osinfo' })).return['pretty-name']).toBe('Debian GNU/Linux 12');
    expect((await c.call({ execute: 'guest-get-timezone' })).return).toEqual({ zone: 'CET', offset: 3600 });
    expect((await c.call({ execute: 'guest-get-users' })).return).toEqual([{ user: 'root', 'login-time': 1700000000.5 }]);
    const ifaces = (await c.call({ execute: 'guest-network-get-interfaces' })).return;
    expect(ifaces.map((i: Json) => i.name)).toEqual(['lo', 'eth0']);
  });

  test('handle() adds a command, lists it, and turns SimulatedAgentError into an error reply', async () => {
    const c = await start();
    agent!.handle('guest-get-load', () => ({ load1m: 0.5, load5m: 0.25, load15m: 0.125 }));
    agent!.handle('guest-fstrim', (args, ctx) => {
      throw new SimulatedAgentError('GenericError', `trim ${String(args.minimum)} failed for ${String(ctx.id)}`);
    });
    expect(await c.call({ execute: 'guest-get-load' })).toEqual({ return: { load1m: 0.5, load5m: 0.25, load15m: 0.125 } });
    expect(await c.call({ execute: 'guest-fstrim', arguments: { minimum: 4 }, id: 3 })).toEqual({
      id: 3,
      error: { class: 'GenericError', desc: 'trim 4 failed for 3' },
    });
    const names = (await c.call({ execute: 'guest-info' })).return.supported_commands.map((e: Json) => e.name);
    expect(names).toContain('guest-get-load');
  });
});

describe('guest-exec', () => {
  test('a scripted process gets argv, input and env, and its output is captured', async () => {
    const c = await start();
    agent!.handleExec('/bin/cat', (argv, { input, env }) => ({
      stdout: `${argv.join(' ')}|${input.toString()}|${env?.X ?? ''}`,
      stderr: 'warn\n',
      exitCode: 3,
    }));
    const { pid } = (
      await c.call({
        execute: 'guest-exec',
        arguments: { path: '/bin/cat', arg: ['-n'], env: ['X=1'], 'input-data': b64('hello'), 'capture-output': true },
      })
    ).return;
    const status = (await waitExit(c, pid)).return;
    expect(status).toMatchObject({ exited: true, exitcode: 3, 'out-truncated': false, 'err-truncated': false });
    expect(unb64(status['out-data'])).toBe('/bin/cat -n|hello|1');
    expect(unb64(status['err-data'])).toBe('warn\n');
  });

  test('exited stays false until the script is done, and the entry is gone after the exit was reported', async () => {
    const c = await start();
    agent!.handleExec('sleep', () => ({ delayMs: 100 }));
    const { pid } = (await c.call({ execute: 'guest-exec', arguments: { path: '/usr/bin/sleep' } })).return;
    expect((await c.call({ execute: 'guest-exec-status', arguments: { pid } })).return).toEqual({ exited: false });
    expect((await waitExit(c, pid)).return).toEqual({ exited: true, exitcode: 0 });
    expect(await c.call({ execute: 'guest-exec-status', arguments: { pid } })).toEqual({
      error: { class: 'GenericError', desc: 'PID ld does not exist' },
    });
  });

  test('older releases say Invalid parameter for an unknown pid and wrap spawn failures', async () => {
    const c = await start({ version: '7.2.22' });
    expect(await c.call({ execute: 'guest-exec-status', arguments: { pid: 1234 } })).toEqual({
      error: { class: 'GenericError', desc: "Invalid parameter 'pid'" },
    });
    expect((await c.call({ execute: 'guest-exec', arguments: { path: '/nonexistent/x' } })).error.desc).toBe(
      "Guest agent command failed, error was 'Failed to execute child process \u201C/nonexistent/x\u201D (No such file or directory)'",
    );
  });

  test('a signal, output modes and the spawn failure text', async () => {
    const c = await start();
    agent!.handleExec('killme', () => ({ signal: 9, stdout: 'x', stderr: 'y' }));
    const r1 = await c.call({ execute: 'guest-exec', arguments: { path: 'killme', 'capture-output': 'merged' } });
    expect((await waitExit(c, r1.return.pid)).return).toEqual({
      exited: true,
      signal: 9,
      'out-data': b64('xy'),
      'out-truncated': false,
    });
    const r2 = await c.call({ execute: 'guest-exec', arguments: { path: 'killme' } });
    expect((await waitExit(c, r2.return.pid)).return).toEqual({ exited: true, signal: 9 });
    expect((await c.call({ execute: 'guest-exec', arguments: { path: '/nonexistent/x' } })).error.desc).toBe(
      'Failed to execute child process \u201C/nonexistent/x\u201D (No such file or directory)',
    );
    expect((await c.call({ execute: 'guest-exec', arguments: { path: 'killme', 'input-data': '%%%' } })).error.desc).toBe(
      'Base64 data contains invalid characters',
    );
  });

  test('hostExec runs a real process with input and captures both streams', async () => {
    const c = await start({ hostExec: true });
    const { pid } = (
      await c.call({
        execute: 'guest-exec',
        arguments: { path: 'sh', arg: ['-c', 'cat; echo err >&2; exit 4'], 'input-data': b64('in\n'), 'capture-output': true },
      })
    ).return;
    const status = (await waitExit(c, pid)).return;
    expect(status.exitcode).toBe(4);
    expect(unb64(status['out-data'])).toBe('in\n');
    expect(unb64(status['err-data'])).toBe('err\n');
    expect((await c.call({ execute: 'guest-exec', arguments: { path: '/nonexistent/x' } })).error.desc).toBe(
      'Failed to execute child process \u201C/nonexistent/x\u201D (No such file or directory)',
    );
  });

  test('host output is capped at 16 MiB per stream and flagged truncated', async () => {
    const c = await start({ hostExec: true });
    const { pid } = (
      await c.call({ execute: 'guest-exec', arguments: { path: 'head', arg: ['-c', '17000000', '/dev/zero'], 'capture-output': true } })
    ).return;
    // A 22 MB reply: give a busy machine time.
    const status = (await waitExit(c, pid, 15_000)).return;
    expect(Buffer.from(status['out-data'], 'base64').length).toBe(16 * 1024 * 1024);
    expect(status['out-truncated']).toBe(true);
  });
});

describe('guest files', () => {
  test('write, seek, read back and close, inside the sandbox', async () => {
    const c = await start();
    const h = (await c.call({ execute: 'guest-file-open', arguments: { path: '/tmp/x', mode: 'w+' } })).return;
    expect(h).toBe(1000);
    expect((await c.call({ execute: 'guest-file-write', arguments: { handle: h, 'buf-b64': b64('hello world') } })).return).toEqual({
      count: 11,
      eof: false,
    });
    expect((await c.call({ execute: 'guest-file-seek', arguments: { handle: h, offset: 6, whence: 'set' } })).return).toEqual({
      position: 6,
      eof: false,
    });
    expect((await c.call({ execute: 'guest-file-read', arguments: { handle: h, count: 3 } })).return).toEqual({
      count: 3,
      'buf-b64': b64('wor'),
      eof: false,
    });
    // A short read already reports eof, as on POSIX; at the end buf-b64 is "".
    expect((await c.call({ execute: 'guest-file-read', arguments: { handle: h } })).return).toEqual({ count: 2, 'buf-b64': b64('ld'), eof: true });
    expect((await c.call({ execute: 'guest-file-read', arguments: { handle: h } })).return).toEqual({ count: 0, 'buf-b64': '', eof: true });
    expect(agent!.openFileCount).toBe(1);
    expect(await c.call({ execute: 'guest-file-close', arguments: { handle: h } })).toEqual({ return: {} });
    expect(agent!.openFileCount).toBe(0);
    expect(await fsp.readFile(agent!.hostPath('/tmp/x'), 'utf8')).toBe('hello world');
    expect((await c.call({ execute: 'guest-file-open', arguments: { path: '/tmp/x' } })).return).toBe(1001);
  });

  test('the sandbox has /etc/hostname and cannot be left with ..', async () => {
    const c = await start({ hostName: 'web-1', files: { '/data/a.txt': 'A' } });
    const h = (await c.call({ execute: 'guest-file-open', arguments: { path: '/../../etc/hostname' } })).return;
    expect(unb64((await c.call({ execute: 'guest-file-read', arguments: { handle: h } })).return['buf-b64'])).toBe('web-1\n');
    expect(agent!.hostPath('/../../data/a.txt').startsWith(agent!.sandbox)).toBe(true);
    expect(await fsp.readFile(agent!.hostPath('/data/a.txt'), 'utf8')).toBe('A');
  });

  test('errors use the agent texts', async () => {
    const c = await start();
    const desc = async (req: unknown): Promise<string> => (await c.call(req)).error.desc;
    expect(await desc({ execute: 'guest-file-open', arguments: { path: '/missing' } })).toBe(
      "failed to open file '/missing' (mode: 'r'): No such file or directory",
    );
    expect(await desc({ execute: 'guest-file-open', arguments: { path: '/tmp/y', mode: 'z' } })).toBe("invalid file open mode 'z'");
    expect(await desc({ execute: 'guest-file-read', arguments: { handle: 1000 } })).toBe("handle '1000' has not been found");
    const h = (await c.call({ execute: 'guest-file-open', arguments: { path: '/etc/hostname' } })).return;
    expect(await desc({ execute: 'guest-file-read', arguments: { handle: h, count: 50331649 } })).toBe(
      "value '50331649' is invalid for argument count",
    );
    expect(await desc({ execute: 'guest-file-write', arguments: { handle: h, 'buf-b64': b64('x') } })).toBe(
      'failed to write to file: Bad file descriptor',
    );
    expect(await desc({ execute: 'guest-file-write', arguments: { handle: h, 'buf-b64': 'a*b' } })).toBe(
      'Base64 data contains invalid characters',
    );
    expect(await desc({ execute: 'guest-file-seek', arguments: { handle: h, offset: -1, whence: 0 } })).toBe(
      'failed to seek file: Invalid argument',
    );
    expect(await desc({ execute: 'guest-file-seek', arguments: { handle: h, offset: 0, whence: 7 } })).toBe('invalid whence code 7');
  });
});

describe('freeze', () => {
  test('while frozen only the allow-list works, a second freeze included, until thaw', async () => {
    const c = await start();
    expect(await c.call({ execute: 'guest-fsfreeze-freeze' })).toEqual({ return: 1 });
    expect(agent!.frozen).toBe(true);
    for (const execute of ['guest-ping', 'guest-info', 'guest-fsfreeze-status']) {
      expect((await c.call({ execute })).error).toBeUndefined();
    }
    expect(await c.call({ execute: 'guest-sync', arguments: { id: 1 } })).toEqual({ return: 1 });
    for (const execute of ['guest-get-osinfo', 'guest-fsfreeze-freeze', 'guest-exec']) {
      expect(await c.call({ execute, arguments: execute === 'guest-exec' ? { path: 'x' } : {} })).toEqual({
        error: { class: 'CommandNotFound', desc: `Command ${execute} has been disabled: the command is not allowed` },
      });
    }
    const info = (await c.call({ execute: 'guest-info' })).return.supported_commands;
    expect(info.find((e: Json) => e.name === 'guest-file-open').enabled).toBe(false);
    expect(await c.call({ execute: 'guest-fsfreeze-status' })).toEqual({ return: 'frozen' });
    expect(await c.call({ execute: 'guest-fsfreeze-thaw' })).toEqual({ return: 1 });
    expect(await c.call({ execute: 'guest-fsfreeze-thaw' })).toEqual({ return: 0 });
    expect(await c.call({ execute: 'guest-get-host-name' })).toEqual({ return: { 'host-name': 'simulated-guest' } });
  });

  test('7.2 says "the agent is in frozen state"', async () => {
    const c = await start({ version: '7.2.22' });
    await c.call({ execute: 'guest-fsfreeze-freeze-list', arguments: { mountpoints: ['/', '/nope'] } });
    expect((await c.call({ execute: 'guest-get-osinfo' })).error.desc).toBe('Command guest-get-osinfo has been disabled: the agent is in frozen state');
  });
});

describe('system commands', () => {
  test('guest-shutdown and suspend send no reply and are recorded', async () => {
    const c = await start();
    c.request({ execute: 'guest-shutdown', arguments: { mode: 'reboot' } });
    c.request({ execute: 'guest-suspend-ram' });
    expect(await c.call({ execute: 'guest-sync', arguments: { id: 5 } })).toEqual({ return: 5 });
    expect(c.text).toBe('{"return": 5}\n');
    expect(agent!.shutdownRequests).toEqual([{ command: 'guest-shutdown', mode: 'reboot' }, { command: 'guest-suspend-ram' }]);
    expect(await c.call({ execute: 'guest-shutdown', arguments: { mode: 'off' } })).toEqual({
      error: { class: 'GenericError', desc: 'mode is invalid (valid values are: halt|powerdown|reboot' },
    });
  });

  test('guest-set-user-password records the user and keeps the password out of logs', async () => {
    const c = await start();
    expect(await c.call({ execute: 'guest-set-user-password', arguments: { username: 'root', password: b64('s3cret'), crypted: false } })).toEqual({
      return: {},
    });
    const [change] = agent!.passwordChanges;
    expect(change).toEqual({ username: 'root', crypted: false });
    expect(change?.password).toBe('s3cret');
    expect(JSON.stringify(change)).not.toContain('s3cret');
    expect((await c.call({ execute: 'guest-set-user-password', arguments: { username: 'a:b', password: b64('x'), crypted: false } })).error.desc).toBe(
      'forbidden characters in username',
    );
  });
});
