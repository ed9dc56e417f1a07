/**
 * The agent has no command to signal a process it started ("no kill
 * command"), so a kill is a second `guest-exec`: `/bin/sh -c 'kill …'`. `/bin/sh` rather
 * than `kill` from PATH: every POSIX guest has it, and a caller's `env` cannot hide it.
 * Windows has no signals: there the kill is `taskkill.exe /PID n /T /F` (found in the
 * agent's working directory, System32), which also ends the process's children.
 * @module
 */
import type { GuestExecArgs } from '../generated/index.js';

/** `'KILL'`, `'SIGTERM'`, `9` → what `kill` takes after `-s` (names) or `-` (numbers). */
export function killSignal(where: string, signal: unknown): string {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0 || signal > 128) throw new TypeError(`${where}: signal number must be an integer in 0…128, got ${signal}`);
    return String(signal);
  }
  if (typeof signal === 'string' && /^(SIG)?[A-Z][A-Z0-9]*$/i.test(signal)) return signal.toUpperCase().replace(/^SIG/, '');
  throw new TypeError(`${where}: signal must be a name like 'TERM' or a number, got ${typeof signal === 'string' ? JSON.stringify(signal) : typeof signal}`);
}

/** The `guest-exec` request (nothing captured) that sends `signal` (from {@link killSignal}) to `pid`. */
export function killRequest(pid: number, signal: string): Omit<GuestExecArgs, 'capture-output'> {
  // Values go in as positional parameters, never spliced into the script.
  const script = /^\d+$/.test(signal) ? 'kill -"$1" "$2"' : 'kill -s "$1" "$2"';
  return { path: '/bin/sh', arg: ['-c', script, 'kill', signal, String(pid)] };
}

/** The `guest-exec` request that ends `pid` and its children on a Windows guest. */
export function windowsKillRequest(pid: number): Omit<GuestExecArgs, 'capture-output'> {
  return { path: 'taskkill.exe', arg: ['/PID', String(pid), '/T', '/F'] };
}
