/**
 * `shell(script)`: run a script through the guest's shell, with its output arriving as the
 * text the script printed, on POSIX and Windows guests alike.
 *
 * POSIX guests get `/bin/sh -c`. Windows guests get PowerShell by default (or `cmd`):
 * both forced to print UTF-8, the script passed so that no quoting mangles it, and long
 * or multi-line cmd scripts through a temporary file in the guest (see
 * `guest-os/shell-launch.ts` for why each form is safe). Output is decoded with
 * `encoding: 'auto'` unless the caller says otherwise, and PowerShell's CLIXML error
 * stream becomes plain text.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import type { QgaClient } from '../client/qga-client.js';
import { cmdLaunch, powershellLaunch, shLaunch, type ShellKind, type ShellLaunch } from '../guest-os/shell-launch.js';
import { planFromArgv, planWait } from './exec-options.js';
import type { ExecSession } from './exec-platform.js';
import { systemExecTimers } from './exec-poll.js';
import { runExec } from './exec.js';
import type { ExecEncoding, ExecOptions, ExecResult } from './exec-types.js';
import { guestFamily } from './guest-os.js';

const debug = debuglog('qga:exec');

/**
 * Options of `shell`: every {@link ExecOptions} option, plus the shell and where
 * temporary script files go.
 *
 * @example
 * ```ts
 * await client.shell('Get-Service | Where-Object Status -eq Running', { shell: 'powershell', timeout: 60_000 });
 * ```
 */
export interface ShellOptions<Encoding extends ExecEncoding = ExecEncoding> extends ExecOptions<Encoding> {
  /**
   * `'auto'` (default): `sh` on POSIX guests, `powershell` on Windows guests. `'sh'`:
   * `/bin/sh -c`. `'cmd'`: `cmd.exe /d /s /c` after `chcp 65001`. `'powershell'`:
   * Windows PowerShell with `-NoProfile -NonInteractive -ExecutionPolicy Bypass
   * -EncodedCommand`.
   */
  shell?: 'auto' | ShellKind | undefined;
  /**
   * Guest directory for the temporary script files some Windows scripts need (a cmd
   * script with `"`, a line break or a trailing backslash; a PowerShell script over
   * ~12,000 characters). Default `C:\Windows\Temp` (the agent runs as SYSTEM).
   */
  tempDir?: string | undefined;
}

const SHELLS = new Set(['auto', 'sh', 'cmd', 'powershell']);
const DEFAULT_WINDOWS_TEMP = 'C:\\Windows\\Temp';

function tempFile(dir: string, extension: string): string {
  const base = dir.replace(/[\\/]+$/, '');
  return `${base}\\qga-${randomBytes(6).toString('hex')}${extension}`;
}

/** The launch for `kind` on a guest of `family` (`undefined`: could not be told). */
function launchFor(kind: 'auto' | ShellKind, family: 'windows' | 'posix' | undefined, script: string, tempDir: string): ShellLaunch {
  const windows = family === 'windows';
  const chosen: ShellKind = kind === 'auto' ? (windows ? 'powershell' : 'sh') : kind;
  if (chosen === 'sh' && windows) throw new TypeError("shell: 'sh' needs a POSIX guest; this guest is Windows (use 'powershell' or 'cmd')");
  if (chosen !== 'sh' && family === 'posix') throw new TypeError(`shell: '${chosen}' needs a Windows guest; this guest is POSIX (use 'sh')`);
  if (chosen === 'cmd') return cmdLaunch(script, tempFile(tempDir, '.cmd'));
  if (chosen === 'powershell') return powershellLaunch(script, tempFile(tempDir, '.ps1'));
  return shLaunch(script);
}

/** See `QgaClient.shell`. */
export async function shell(client: QgaClient, script: string, options: ShellOptions = {}, session?: ExecSession): Promise<ExecResult<string> | ExecResult<Buffer>> {
  if (typeof script !== 'string' || script.trim() === '') throw new TypeError('shell: script must be a non-empty string');
  if (script.includes('\0')) throw new TypeError('shell: script contains a NUL character');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError('shell: options must be an object');
  const { shell: kind = 'auto', tempDir = DEFAULT_WINDOWS_TEMP, ...rest } = options;
  if (!SHELLS.has(kind)) throw new TypeError(`shell: shell must be 'auto', 'sh', 'cmd' or 'powershell', got ${String(kind)}`);
  if (typeof tempDir !== 'string' || tempDir === '') throw new TypeError('shell: tempDir must be a non-empty string');
  // Text as the script printed it, unless the caller chose a decoding.
  const execOptions: ExecOptions = rest.encoding === undefined && rest.decode === undefined ? { ...rest, encoding: 'auto' } : rest;
  // Every option is checked before the guest is asked anything.
  planFromArgv('shell', ['sh'], execOptions, true);
  const wait = planWait('shell', execOptions);
  wait.signal?.throwIfAborted();

  const family = await guestFamily(client);
  const launch = launchFor(kind, family, script, tempDir);
  const plan = planFromArgv('shell', launch.argv, execOptions, true);
  if (plan.output) plan.output = { ...plan.output, clixml: launch.clixml };
  const { file } = launch;
  if (file) await client.writeFile(file.path, file.content, wait.signal ? { signal: wait.signal } : {});
  try {
    return await runExec<string>(client, plan, wait, systemExecTimers, session);
  } finally {
    if (file) await removeScript(client, file.path);
  }
}

/** Best effort: a leftover script in the temp directory is harmless, and must not mask the run's outcome. */
async function removeScript(client: QgaClient, path: string): Promise<void> {
  try {
    await client.exec(['cmd.exe', '/d', '/c', 'del', '/f', '/q', path], { capture: 'none' });
  } catch (error) {
    if (debug.enabled) debug('removing the script file %s failed: %s', path, String(error));
  }
}
