/**
 * Run a script through the guest's own shell, whatever the guest: `/bin/sh` on Linux,
 * PowerShell (or cmd) on Windows, with the output arriving as the text the script printed
 * (Windows programs print in the console's code page; `shell()` forces UTF-8 and decodes
 * with `encoding: 'auto'`). Without a socket it runs against a simulated Windows guest.
 *
 *   npx tsx examples/windows-shell.ts 'Get-Date; Write-Output "Grüße"'
 *   npx tsx examples/windows-shell.ts --cmd 'ver & echo %COMPUTERNAME%'
 *   QGA_SOCKET=/run/win1/qga.sock npx tsx examples/windows-shell.ts 'Get-Service | Select -First 3'
 */
import type { ExecResult, QgaClient } from '../src/index.js';
import { QgaClient as Client } from '../src/index.js';
import { SimulatedAgent } from '../src/testing/index.js';
import { fail, isMain } from './connect.js';

/** What {@link runScript} reports. */
export interface ScriptRun {
  /** `windows` or `posix`, as the guest said. */
  family: string;
  /** The shell the script ran in. */
  shell: 'sh' | 'cmd' | 'powershell';
  result: ExecResult;
}

/**
 * Run `script` in the guest's shell (on Windows PowerShell, or cmd with `cmd: true`), at
 * most `timeout` ms, output with LF line ends.
 *
 * @example
 * ```ts
 * const { shell, result } = await runScript(client, 'echo hello');
 * console.log(shell, result.exitCode, result.stdout);
 * ```
 */
export async function runScript(client: QgaClient, script: string, options: { cmd?: boolean; timeout?: number } = {}): Promise<ScriptRun> {
  const { family } = await client.guestOs();
  const shell = family === 'windows' ? (options.cmd ? 'cmd' : 'powershell') : 'sh';
  const result = await client.shell(script, { shell, timeout: options.timeout ?? 60_000, killOnAbandon: true, newlines: 'lf' });
  return { family, shell, result };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const cmd = args[0] === '--cmd';
  const script = (cmd ? args.slice(1) : args).join(' ');
  if (script === '') fail(new Error("usage: windows-shell.ts [--cmd] 'SCRIPT'"));
  const socket = process.env['QGA_SOCKET'];
  await using agent = socket ? undefined : await SimulatedAgent.start({ profile: 'windows' });
  await using client = await Client.connect({ path: socket ?? agent!.path, timeout: 10_000 });
  const { family, shell, result } = await runScript(client, script, { cmd }).catch(fail);
  console.error(`[${family} guest, ${shell}, exit ${String(result.exitCode)}]`);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode === 0 ? 0 : 1;
}
