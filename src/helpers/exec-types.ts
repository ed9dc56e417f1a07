/**
 * Public types of the exec helpers (`exec`, `execAndWait`, `spawn`).
 * @module
 */

/** The outcome of a guest process run by `exec` / `execAndWait` / `spawn`. */
export interface ExecResult<Output extends string | Buffer = string> {
  /** Guest pid of the process. */
  pid: number;
  /** Exit code; `null` when the process was ended by a signal. */
  exitCode: number | null;
  /** Signal number that ended the process, or `null`. */
  signal: number | null;
  /** Captured standard output (a `Buffer` with `encoding: 'buffer'`). */
  stdout: Output;
  /** Captured standard error (a `Buffer` with `encoding: 'buffer'`). */
  stderr: Output;
  /** The agent stopped capturing stdout at its 16 MiB cap. */
  stdoutTruncated: boolean;
  /** The agent stopped capturing stderr at its 16 MiB cap. */
  stderrTruncated: boolean;
}

/**
 * How captured output is returned: decoded as UTF-8 text (default) or as raw bytes. With
 * `'utf8'`, bytes that are not valid UTF-8 are replaced by U+FFFD, so binary output or text
 * in another encoding needs `'buffer'`.
 */
export type ExecEncoding = 'utf8' | 'buffer';

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
   * Environment of the process. It **replaces** the guest environment, as the agent does
   * (nothing is inherited, not even `PATH`; a bare program name is then looked up in the
   * shell's default path). Keys must not contain `=` or NUL.
   */
  env?: Readonly<Record<string, string>> | undefined;
  /** Which output to capture. Default `'separated'`. */
  capture?: ExecCapture | undefined;
  /** `'utf8'` (default) gives strings, `'buffer'` gives Buffers. */
  encoding?: Encoding | undefined;
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
   * SIGKILL (POSIX guests: a second `guest-exec` of `/bin/sh -c 'kill …'`) and reap it in
   * the background. Default false: the process keeps running in the guest.
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
   * `guest-exec`). Resolves true when `kill` succeeded, false when it did not (e.g. the
   * process already exited, or no POSIX shell). Default signal `KILL`.
   *
   * @example
   * ```ts
   * if (!(await proc.kill('TERM'))) console.log('already gone');
   * ```
   */
  kill(signal?: string | number): Promise<boolean>;
}
