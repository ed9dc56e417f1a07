/**
 * Public types of the exec helpers (`exec`, `execAndWait`, `spawn`, `shell`).
 * @module
 */
import type { NtStatus } from '../guest-os/nt-status.js';

export type { NtStatus } from '../guest-os/nt-status.js';

/** The outcome of a guest process run by `exec` / `execAndWait` / `spawn`. */
export interface ExecResult<Output extends string | Buffer = string> {
  /** Guest pid of the process. */
  pid: number;
  /**
   * Exit code; `null` when the process was ended by a signal. On Windows guests the
   * unsigned 32-bit code, also for an exit by an NTSTATUS error (`0xC0000005`), which the
   * agent reports as a negative `signal`.
   */
  exitCode: number | null;
  /** Signal number that ended the process, or `null` (always `null` on Windows guests). */
  signal: number | null;
  /** Captured standard output (a `Buffer` with `encoding: 'buffer'`). */
  stdout: Output;
  /** Captured standard error (a `Buffer` with `encoding: 'buffer'`). */
  stderr: Output;
  /** The agent stopped capturing stdout at its 16 MiB cap. */
  stdoutTruncated: boolean;
  /** The agent stopped capturing stderr at its 16 MiB cap. */
  stderrTruncated: boolean;
  /**
   * Present when a Windows process ended with an NTSTATUS error (`exitCode` ≥
   * 0xC0000000: an access violation, a missing DLL, …): the code in hex and its name.
   */
  ntStatus?: NtStatus | undefined;
}

/**
 * How captured output is returned.
 *
 * - `'utf8'` (default): decoded as UTF-8; bytes that are not valid UTF-8 become U+FFFD,
 *   so binary output needs `'buffer'`.
 * - `'buffer'`: raw bytes (`Buffer`s).
 * - `'auto'`: a byte-order mark decides (and is dropped); else UTF-16LE when the bytes
 *   look like it; else UTF-8 when valid; else the guest's OEM code page (Windows guests,
 *   read once per connection), or UTF-8 with U+FFFD.
 * - `'utf16le'`: UTF-16LE (`cmd /u`, `wmic`).
 * - `'oem'` / `'ansi'`: a Windows guest's OEM or ANSI code page.
 * - `'cp437'`, `'cp850'`, `'cp1252'`, …: that Windows code page (built-in tables for
 *   437, 850, 852, 858, 866 and 1252; Node's decoder for 1250, 1251 and the others it
 *   knows; a `decode` hook for the rest).
 */
export type ExecEncoding = 'utf8' | 'buffer' | 'auto' | 'utf16le' | 'oem' | 'ansi' | `cp${number}`;

/** Every {@link ExecEncoding} that gives strings. */
export type ExecTextEncoding = Exclude<ExecEncoding, 'buffer'>;

/**
 * Turns one captured stream into text instead of `encoding`, e.g. with iconv-lite for a
 * code page without a built-in decoder.
 *
 * @example
 * ```ts
 * const decode: ExecDecodeHook = (bytes) => iconv.decode(bytes, 'cp737');
 * ```
 */
export type ExecDecodeHook = (bytes: Buffer, stream: 'stdout' | 'stderr') => string;

/**
 * Which output the agent captures.
 *
 * - `separated` (default): stdout and stderr apart. Works on every agent.
 * - `none`: nothing; `stdout` and `stderr` are empty. Works on every agent.
 * - `stdout` / `stderr`: only that stream; the other one is empty. Native on qemu-ga 8.1+;
 *   older agents capture both and the helper drops the other one.
 * - `merged`: stderr joined into stdout as one stream, in write order. Needs qemu-ga 8.1+
 *   on a POSIX guest; on older agents the run is refused before anything starts.
 */
export type ExecCapture = 'separated' | 'merged' | 'stdout' | 'stderr' | 'none';

/**
 * The status-poll schedule: the first `guest-exec-status` goes out at once, the next after
 * `initial` ms, then the pause doubles up to `max` ms.
 */
export interface ExecPollInterval {
  /** ms before the second poll. Default 1. */
  initial?: number | undefined;
  /** Longest pause between polls, in ms. Default 100. */
  max?: number | undefined;
}

/**
 * Options that describe the process to start (`spawn`, and the first half of `exec`).
 *
 * @example
 * ```ts
 * const proc = await client.spawn(['/usr/bin/env'], { env: { PATH: '/usr/bin:/bin', LANG: 'C' }, capture: 'merged' });
 * ```
 */
export interface SpawnOptions<Encoding extends ExecEncoding = ExecEncoding> {
  /** The process's stdin (binary-safe). Without it, stdin is `/dev/null`. */
  input?: string | Uint8Array | undefined;
  /**
   * Environment of the process. On POSIX guests it **replaces** the guest environment, as
   * the agent does (nothing is inherited, not even `PATH`; a bare program name is then
   * looked up in the shell's default path). On Windows guests it is merged over the
   * agent's own environment (names without case), since a Windows process without
   * `SystemRoot` and `PATH` cannot start PowerShell or .NET. Keys must not contain `=` or NUL.
   */
  env?: Readonly<Record<string, string>> | undefined;
  /** Which output to capture. Default `'separated'`. */
  capture?: ExecCapture | undefined;
  /** How output becomes text: `'utf8'` (default), `'auto'`, a code page, … or `'buffer'` for Buffers. See {@link ExecEncoding}. */
  encoding?: Encoding | undefined;
  /** Decode each output stream yourself (instead of `encoding`). */
  decode?: ExecDecodeHook | undefined;
  /** `'lf'` turns CRLF line ends (Windows programs) into LF in decoded text. Default `'keep'`. */
  newlines?: 'keep' | 'lf' | undefined;
  /**
   * ms each single `guest-exec` / `guest-exec-status` call may take. Defaults to the
   * client's `timeout` (for `guest-exec`, plus 1 s per MiB of `input` it carries). Not the
   * run's timeout: see `timeout`. With a run `timeout`, `guest-exec` may take up to that.
   */
  pollTimeout?: number | undefined;
  /**
   * Called with the pid when the agent started the process but its `guest-exec` reply came
   * only after the start was given up (the call timed out, the run's `timeout` passed or
   * it was aborted; the call has already rejected). The process runs in the guest: with
   * `killOnAbandon` it is killed, otherwise this is how you learn its pid. Exceptions it
   * throws are ignored.
   */
  onLateStart?: ((pid: number) => void) | undefined;
}

/**
 * Options for waiting until a process exits (`GuestProcess.wait`, second half of `exec`).
 *
 * @example
 * ```ts
 * const result = await proc.wait({ timeout: 60_000, check: true, killOnAbandon: true });
 * ```
 */
export interface ExecWaitOptions {
  /**
   * ms for the whole run; on expiry the wait rejects with `QgaTimeoutError` (`command`
   * `'exec'`). Default: no limit. The guest process keeps running unless `killOnAbandon`.
   */
  timeout?: number | undefined;
  /** Stops waiting; rejects with `signal.reason`. The guest process keeps running unless `killOnAbandon`. */
  signal?: AbortSignal | undefined;
  /** Reject with `QgaExecError` (carrying the result) on a non-zero exit or a signal. Default false. */
  check?: boolean | undefined;
  /** The status-poll schedule. Default `{ initial: 1, max: 100 }`. */
  pollInterval?: ExecPollInterval | undefined;
  /**
   * When the wait is abandoned (timeout or abort), best-effort kill the guest process with
   * SIGKILL (POSIX guests: a second `guest-exec` of `/bin/sh -c 'kill …'`; Windows guests:
   * `taskkill /T /F`) and reap it in the background. Default false: the process keeps
   * running in the guest.
   */
  killOnAbandon?: boolean | undefined;
}

/**
 * Options of `exec` and `execAndWait`: how to start the process and how to wait for it.
 *
 * @example
 * ```ts
 * const { stdout } = await client.exec(['sort'], { input: 'b\na\n', timeout: 10_000, check: true });
 * ```
 */
export interface ExecOptions<Encoding extends ExecEncoding = ExecEncoding> extends SpawnOptions<Encoding>, ExecWaitOptions {}

/**
 * A process started in the guest by `spawn`.
 *
 * The agent forgets a process after the first status that says it exited; the handle keeps
 * that result, so `wait()` and `status()` keep answering after it.
 */
export interface GuestProcess<Output extends string | Buffer = string> {
  /** Guest pid. */
  readonly pid: number;
  /** The program that was started (`argv[0]` / the request's `path`). */
  readonly path: string;
  /** The result once a status call saw the exit, else `undefined`. */
  readonly result: ExecResult<Output> | undefined;
  /**
   * One `guest-exec-status`: the result once the process exited, `undefined` while it runs.
   * Calls made while one is on the wire share it.
   *
   * @example
   * ```ts
   * const done = await proc.status();
   * if (done === undefined) console.log('still running');
   * ```
   */
  status(): Promise<ExecResult<Output> | undefined>;
  /**
   * Poll until the process exits.
   *
   * @example
   * ```ts
   * const { exitCode, stdout } = await proc.wait({ timeout: 30_000 });
   * ```
   */
  wait(options?: ExecWaitOptions): Promise<ExecResult<Output>>;
  /**
   * Best-effort signal to the process (POSIX guests: `/bin/sh -c 'kill -s SIG PID'` via
   * `guest-exec`; Windows guests, which have no signals: `taskkill /PID n /T /F`, which
   * ends the process and its children, whatever `signal` says). Resolves true when the
   * kill succeeded, false when it did not (e.g. the process already exited). Default
   * signal `KILL`.
   *
   * @example
   * ```ts
   * if (!(await proc.kill('TERM'))) console.log('already gone');
   * ```
   */
  kill(signal?: string | number): Promise<boolean>;
}
