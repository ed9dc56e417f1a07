import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { QgaExecError } from '../../../src/index.js';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

describe.each(ERAS)('shell() on a simulated $era agent', (era) => {
  it("'auto' is PowerShell: UTF-8 output, exit code, and CLIXML errors as plain text", async () => {
    const { client } = await startWindows(era);
    const res = await client.shell('Write-Output "Grüße aus $env:COMPUTERNAME"\nWrite-Error "Datei fehlt"\nexit 3');
    expect(res).toMatchObject({ exitCode: 3, stdout: 'Grüße aus WIN-7Q2L0K4S1HD\r\n' });
    expect(res.stderr).toBe('Datei fehlt\r\n    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\r\n');
  });

  it('the PowerShell script travels as -EncodedCommand, so no quoting touches it', async () => {
    const { agent, client } = await startWindows(era);
    const argv: string[][] = [];
    agent.handleExec('powershell.exe', (a) => {
      argv.push(a);
      return {};
    });
    await client.shell(`Write-Output 'it''s "quoted" & <piped>'`);
    const encoded = argv[0]?.at(-1) ?? '';
    expect(argv[0]?.slice(0, -1)).toEqual(['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toMatch(/\nWrite-Output 'it''s "quoted" & <piped>'$/);
  });

  it('a throw is a failed run with its message on stderr; check: true rejects', async () => {
    const { client } = await startWindows(era);
    const res = await client.shell('throw "nicht gefunden"');
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/^nicht gefunden\r\n/);
    await expect(client.shell('throw "x"', { check: true })).rejects.toBeInstanceOf(QgaExecError);
  });

  it('without the prelude PowerShell would leave a progress record on stderr; with it stderr is empty', async () => {
    const { client } = await startWindows(era);
    const raw = await client.exec(['powershell.exe', '-EncodedCommand', Buffer.from('Write-Output 1', 'utf16le').toString('base64')]);
    expect(raw.stderr).toMatch(/^#< CLIXML/);
    expect((await client.shell('Write-Output 1')).stderr).toBe('');
  });

  it('a long PowerShell script goes through a BOM-marked .ps1 in the temp folder, removed afterwards', async () => {
    const { agent, client } = await startWindows(era);
    const lines = Array.from({ length: 700 }, (_, i) => `$v${i} = 'x${'y'.repeat(10)}'`);
    const res = await client.shell(`${lines.join('\n')}\nWrite-Output "done ✓"`);
    expect(res).toMatchObject({ exitCode: 0, stdout: 'done ✓\r\n' });
    expect(await readdir(agent.hostPath('C:\\Windows\\Temp'))).toEqual([]);
    expect(sent(agent, 'guest-file-write')).toBeGreaterThan(0);
  });

  it("'cmd': a one-line script runs inline after chcp 65001, output UTF-8", async () => {
    const { agent, client } = await startWindows(era);
    const res = await client.shell('echo 5 € & ver', { shell: 'cmd' });
    expect(res.stdout).toBe('5 € \r\n\r\nMicrosoft Windows [Version 10.0.20348.2849]\r\n');
    expect(sent(agent, 'guest-file-open')).toBe(0);
  });

  it("'cmd': a script with quotes or several lines becomes a batch file, and is removed", async () => {
    const { agent, client } = await startWindows(era, { files: { 'C:\\Program Files\\App\\note.txt': 'Notiz\r\n' } });
    const res = await client.shell('type "C:\\Program Files\\App\\note.txt"\necho Schluss: %COMPUTERNAME%\nexit /b 4', { shell: 'cmd' });
    expect(res).toMatchObject({ exitCode: 4, stdout: 'Notiz\r\nSchluss: WIN-7Q2L0K4S1HD\r\n', stderr: '' });
    expect(await readdir(agent.hostPath('C:\\Windows\\Temp'))).toEqual([]);
  });

  it("'cmd' errors stay text: an unknown command, localized on a German guest", async () => {
    const { client } = await startWindows(era, { windows: { locale: 'de' } });
    const res = await client.shell('gibtsnicht', { shell: 'cmd' });
    expect(res.exitCode).toBe(9009);
    expect(res.stderr).toBe('Der Befehl "gibtsnicht" ist entweder falsch geschrieben oder\r\nkonnte nicht gefunden werden.\r\n');
  });

  it('env is merged and reaches the script', async () => {
    const { client } = await startWindows(era);
    expect((await client.shell('echo %APP%', { shell: 'cmd', env: { APP: 'Ünïcode' } })).stdout).toBe('Ünïcode\r\n');
    expect((await client.shell('Write-Output $env:APP', { env: { APP: 'ps' } })).stdout).toBe('ps\r\n');
  });

  it("'sh' on a Windows guest is refused before anything is sent", async () => {
    const { agent, client } = await startWindows(era);
    await expect(client.shell('ls', { shell: 'sh' })).rejects.toThrow(/'sh' needs a POSIX guest/);
    expect(sent(agent, 'guest-exec')).toBe(0);
  });
});

describe('shell() on a POSIX guest', () => {
  it("runs /bin/sh -c, decodes with 'auto'", async () => {
    const { agent, client } = await startLinux();
    agent.handleExec('/bin/sh', (argv) => ({ stdout: `${argv.join('|')}\n` }));
    expect((await client.shell('echo "$HOME" && exit 0')).stdout).toBe('/bin/sh|-c|echo "$HOME" && exit 0\n');
  });

  it("'cmd' and 'powershell' are refused on a POSIX guest; bad options before anything is sent", async () => {
    const { agent, client } = await startLinux();
    await expect(client.shell('dir', { shell: 'cmd' })).rejects.toThrow(/needs a Windows guest/);
    await expect(client.shell('x', { shell: 'bash' as never })).rejects.toBeInstanceOf(TypeError);
    await expect(client.shell('')).rejects.toBeInstanceOf(TypeError);
    await expect(client.shell('x', { timout: 1 } as never)).rejects.toThrow(/unknown option 'timout'/);
    expect(sent(agent, 'guest-exec')).toBe(0);
  });
});
