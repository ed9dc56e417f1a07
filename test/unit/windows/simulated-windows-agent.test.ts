/**
 * The simulated Windows agent itself, at the wire level: what it says and how, per era
 * (from field reports). The client tests rely on these facts.
 */
import { describe, expect, it } from 'vitest';
import type { QgaClient, QgaCommandError } from '../../../src/index.js';
import { ERAS, startWindows } from './windows-agent.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function run(client: QgaClient, path: string, arg: string[], extra: Record<string, unknown> = {}): Promise<{ status: Record<string, unknown>; out: Buffer; err: Buffer }> {
  const { pid } = await client.call('guest-exec', { path, arg, 'capture-output': true, ...extra });
  for (;;) {
    const status = (await client.call('guest-exec-status', { pid })) as unknown as Record<string, unknown>;
    if (status['exited']) {
      return { status, out: Buffer.from((status['out-data'] as string | undefined) ?? '', 'base64'), err: Buffer.from((status['err-data'] as string | undefined) ?? '', 'base64') };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function failure(promise: Promise<unknown>): Promise<QgaCommandError> {
  return (await promise.then(
    () => {
      throw new Error('expected the agent to refuse');
    },
    (e: unknown) => e,
  )) as QgaCommandError;
}

describe.each(ERAS)('the simulated $era agent on the wire', (era) => {
  it('guest-info: the version, and the era\'s command set', async () => {
    const { client } = await startWindows(era);
    const info = await client.call('guest-info');
    expect(info.version).toBe(era.version);
    const byName = new Map(info.supported_commands.map((c) => [c.name, c.enabled]));
    for (const name of ['guest-exec', 'guest-get-devices', 'guest-get-fsinfo', 'guest-fsfreeze-freeze', 'guest-get-disks']) expect(byName.get(name)).toBe(true);
    if (era.newTexts) {
      expect(byName.has('guest-suspend-hybrid')).toBe(false);
      expect(byName.has('guest-get-cpustats')).toBe(false);
      expect(byName.get('guest-ssh-add-authorized-keys')).toBe(true);
      expect(byName.get('guest-get-load')).toBe(true);
    } else {
      expect(byName.get('guest-suspend-hybrid')).toBe(false);
      expect(byName.get('guest-set-vcpus')).toBe(false);
      expect(byName.has('guest-ssh-add-authorized-keys')).toBe(false);
      expect(byName.has('guest-get-load')).toBe(false);
    }
  });

  it('commands Windows cannot do: disabled up to 9.0, not built from 9.1', async () => {
    const { client } = await startWindows(era);
    const error = await failure(client.call('guest-set-vcpus', { vcpus: [] }));
    expect(error.errorClass).toBe('CommandNotFound');
    expect(error.desc).toBe(era.newTexts ? 'The command guest-set-vcpus has not been found' : 'Command guest-set-vcpus has been disabled');
    const stats = await failure(client.call('guest-get-cpustats'));
    expect(stats.desc).toBe(era.newTexts ? 'The command guest-get-cpustats has not been found' : 'this feature or command is not currently supported');
  });

  it('identity: the Server 2022 sample, NetBIOS host name, a Windows zone name, whole milliseconds', async () => {
    const { client } = await startWindows(era, { clock: () => 1_700_000_000_123_456_789n });
    expect(await client.call('guest-get-osinfo')).toEqual({
      name: 'Microsoft Windows',
      'kernel-release': '20348',
      version: 'Microsoft Windows Server 2022',
      variant: 'server',
      'pretty-name': 'Windows Server 2022 Standard',
      'version-id': '2022',
      'variant-id': 'server',
      'kernel-version': '10.0',
      machine: 'x86_64',
      id: 'mswindows',
    });
    expect(await client.call('guest-get-host-name')).toEqual({ 'host-name': 'WIN-7Q2L0K4S1HD' });
    expect(await client.call('guest-get-timezone')).toEqual({ zone: 'W. Europe Standard Time', offset: 3600 });
    expect(await client.call('guest-get-time')).toBe(1_700_000_000_123_000_000n);
  });

  it('interfaces, volumes and users look like Windows: FriendlyNames, zoned link-local, C:\\ last, U+FFFD from ANSI APIs', async () => {
    const { client } = await startWindows(era);
    const ifaces = await client.call('guest-network-get-interfaces');
    expect(ifaces.map((i) => i.name)).toEqual(['Ethernet', 'Loopback Pseudo-Interface 1']);
    expect(ifaces[0]?.['ip-addresses']?.[0]?.['ip-address']).toMatch(/^fe80::.*%6$/);
    expect(ifaces[1]?.['hardware-address']).toBeUndefined();
    const fs = await client.call('guest-get-fsinfo');
    expect(fs.map((v) => v.mountpoint)).toEqual(['System Reserved', 'System Reserved', 'C:\\']);
    expect(fs[2]?.disk[0]?.dev).toBe('\\\\.\\PhysicalDrive0');
    const users = await client.call('guest-get-users');
    expect(users.map((u) => u.user)).toEqual(['Administrator', 'J\uFFFDrgen']);
    expect(users[0]?.domain).toBe('WIN-7Q2L0K4S1HD');
  });

  it("exec: capture-output has no 'merged'; an unknown pid has mingw's broken format", async () => {
    const { client } = await startWindows(era);
    const merged = await failure(client.call('guest-exec', { path: 'whoami.exe', 'capture-output': 'merged' }));
    expect(merged.desc).toBe("Parameter 'capture-output' does not accept value 'merged'");
    const pid = await failure(client.call('guest-exec-status', { pid: 1 }));
    expect(pid.desc).toBe('PID lld does not exist');
  });

  it('an NTSTATUS exit is reported as a negative signal, an ordinary one as exitcode', async () => {
    const { client } = await startWindows(era);
    expect((await run(client, 'crash.exe', [])).status).toEqual({ exited: true, signal: -1073741819 });
    expect((await run(client, 'whoami', [])).status).toMatchObject({ exited: true, exitcode: 0 });
  });

  it("cmd.exe reads its raw command line: GLib's \\\" reaches it as a backslash and a quote", async () => {
    const { client } = await startWindows(era);
    const { out } = await run(client, 'cmd.exe', ['/d', '/c', 'echo', 'say "hi"']);
    expect(out.toString('latin1')).toBe('"say \\"hi\\""\r\n');
  });

  it('/s strips the outer quotes GLib adds; without /s a lone quoted program path keeps them', async () => {
    const { client } = await startWindows(era);
    expect((await run(client, 'cmd.exe', ['/d', '/s', '/c', 'echo a & echo b'])).out.toString()).toBe('a \r\nb\r\n');
    expect((await run(client, 'cmd.exe', ['/d', '/c', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', '-Command', "Write-Output 'x'"])).out.toString()).toBe('x\r\n');
  });

  it('chcp reports and changes the console page; the text is localized', async () => {
    const { client } = await startWindows(era, { windows: { locale: 'de', codePages: 437 } });
    const { out } = await run(client, 'cmd.exe', ['/d', '/c', 'chcp', '&', 'chcp', '850', '&', 'echo', 'ä']);
    expect(out.toString('latin1')).toBe('Aktive Codepage: 437.\r\nAktive Codepage: 850.\r\n\x84\r\n');
  });

  it('PowerShell: -EncodedCommand errors are CLIXML; -Command errors are text; OEM output by default', async () => {
    const { client } = await startWindows(era);
    const encoded = await run(client, 'powershell.exe', ['-EncodedCommand', Buffer.from("$ProgressPreference='SilentlyContinue'; Write-Output 'ä'; throw 'kaputt'", 'utf16le').toString('base64')]);
    expect(encoded.status).toMatchObject({ exitcode: 1 });
    expect([...encoded.out]).toEqual([0x84, 0x0d, 0x0a]);
    expect(encoded.err.toString()).toBe(
      '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">kaputt_x000D__x000A_</S><S S="Error">    + CategoryInfo          : OperationStopped: (kaputt:String) [], RuntimeException_x000D__x000A_</S></Objs>',
    );
    const plain = await run(client, 'powershell.exe', ['-Command', "throw 'kaputt'"]);
    expect(plain.err.toString()).toMatch(/^kaputt\r\n/);
  });

  it('stdin arrives through input-data; env replaces the environment', async () => {
    const { agent, client } = await startWindows(era);
    agent.handleExec('cat.exe', (_argv, ctx) => ({ stdout: ctx.input, stderr: Object.keys(ctx.env ?? {}).join(',') }));
    const { out, err } = await run(client, 'cat.exe', [], { 'input-data': b64('über'), env: ['ONLY=1'] });
    expect(out.toString()).toBe('über');
    expect(err.toString()).toBe('ONLY');
  });

  it('a scripted program gets the CRT argv and the raw command line', async () => {
    const { agent, client } = await startWindows(era);
    let seen: { argv: string[]; line: string | undefined } | undefined;
    agent.handleExec('tool.exe', (argv, ctx) => {
      seen = { argv, line: ctx.commandLine };
      return {};
    });
    await run(client, 'tool.exe', ['a b', '', 'c"d']);
    expect(seen).toEqual({ argv: ['tool.exe', 'a b', 'c"d'], line: 'tool.exe "a b"  c\\"d' });
  });

  it('get-load exists from 10.1 and starts at zero; before 9.1 it is not there', async () => {
    const { client } = await startWindows(era);
    if (!era.newTexts) {
      await expect(client.call('guest-get-load')).rejects.toMatchObject({ errorClass: 'CommandNotFound' });
      return;
    }
    expect(await client.call('guest-get-load')).toEqual({ load1m: 0, load5m: 0, load15m: 0 });
  });

  it('ssh keys (9.1+): kept per local user; an unknown user is refused; before 9.1 not there', async () => {
    const { client } = await startWindows(era);
    if (!era.newTexts) {
      await expect(client.call('guest-ssh-get-authorized-keys', { username: 'Administrator' })).rejects.toMatchObject({ errorClass: 'CommandNotFound' });
      return;
    }
    await client.call('guest-ssh-add-authorized-keys', { username: 'Administrator', keys: ['ssh-ed25519 AAAA k1'] });
    expect(await client.call('guest-ssh-get-authorized-keys', { username: 'administrator' })).toEqual({ keys: ['ssh-ed25519 AAAA k1'] });
    expect((await failure(client.call('guest-ssh-get-authorized-keys', { username: 'bob' }))).desc).toBe('User bob was not found');
  });
});
