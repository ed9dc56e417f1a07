/**
 * How `shell()` starts a script: the argv for `guest-exec`, and for scripts that cannot
 * travel on a command line, a file to write into the guest first.
 *
 * - `sh`: `/bin/sh -c script`, on any POSIX guest; the argv crosses intact.
 * - `cmd`: `cmd.exe /d /s /c "chcp 65001>nul & script"`. GLib quotes the one argument
 *   (it holds spaces) and with `/s` cmd strips exactly those outer quotes, so the script
 *   reaches cmd verbatim as long as it has no `"` (GLib would escape it as `\"`, which
 *   cmd does not read), no line break and no trailing backslash (GLib would double it).
 *   Other scripts go into a batch file (CRLF, UTF-8 after `chcp 65001`) run by
 *   `cmd.exe /d /c file`. `/d` skips AutoRun commands from the registry.
 * - `powershell`: `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
 *   -EncodedCommand <base64 of UTF-16LE>`, which no quoting can touch, with a prelude that
 *   makes the output UTF-8 without BOM and silences progress records. A script whose
 *   command line would pass the 32,767-unit limit (about 12,000 characters) goes into a
 *   `.ps1` file (UTF-8 with BOM, which PowerShell 5.1 needs to read it as UTF-8) run with
 *   `-File`. Errors come back as CLIXML (see `clixml.ts`).
 * @module
 */
import { glibCommandLine, MAX_COMMAND_LINE } from './windows-command-line.js';

/** The shells `shell()` knows. */
export type ShellKind = 'sh' | 'cmd' | 'powershell';

/** A shell run, ready for `guest-exec`. */
export interface ShellLaunch {
  readonly shell: ShellKind;
  readonly argv: readonly string[];
  /** A script file to write before the run and remove after it. */
  readonly file?: { readonly path: string; readonly content: Buffer } | undefined;
  /** stderr may be CLIXML (PowerShell). */
  readonly clixml: boolean;
}

/** Makes PowerShell 5.1 print UTF-8 without a BOM, and no progress records (they arrive as CLIXML). */
export const POWERSHELL_PRELUDE = [
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false',
  '$OutputEncoding = [Console]::OutputEncoding',
].join('\n');

const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'] as const;

/** `/bin/sh -c script`. */
export function shLaunch(script: string): ShellLaunch {
  return { shell: 'sh', argv: ['/bin/sh', '-c', script], clixml: false };
}

/** True when `script` reaches cmd.exe intact as one `/s /c` argument (see the module doc). */
export function cmdInlineable(script: string): boolean {
  return !/["\r\n]/.test(script) && !script.endsWith('\\');
}

/**
 * `cmd.exe` with UTF-8 output. `tempFile` names the batch file used when the script
 * cannot go inline (a `.cmd` path in the guest's temp directory).
 */
export function cmdLaunch(script: string, tempFile: string): ShellLaunch {
  if (cmdInlineable(script)) return { shell: 'cmd', argv: ['cmd.exe', '/d', '/s', '/c', `chcp 65001>nul & ${script}`], clixml: false };
  const lines = ['@echo off', 'chcp 65001 >nul', ...script.split(/\r?\n/)];
  const content = Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
  return { shell: 'cmd', argv: ['cmd.exe', '/d', '/c', tempFile], file: { path: tempFile, content }, clixml: false };
}

/**
 * PowerShell 5.1 with UTF-8 output. `tempFile` names the `.ps1` used when the encoded
 * command would not fit on a command line.
 */
export function powershellLaunch(script: string, tempFile: string): ShellLaunch {
  const full = `${POWERSHELL_PRELUDE}\n${script}`;
  const encoded = Buffer.from(full, 'utf16le').toString('base64');
  const argv = ['powershell.exe', ...POWERSHELL_ARGS, '-EncodedCommand', encoded];
  if (glibCommandLine(argv).length <= MAX_COMMAND_LINE) return { shell: 'powershell', argv, clixml: true };
  const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(full.replace(/\r?\n/g, '\r\n'), 'utf8')]);
  return { shell: 'powershell', argv: ['powershell.exe', ...POWERSHELL_ARGS, '-File', tempFile], file: { path: tempFile, content }, clixml: true };
}
