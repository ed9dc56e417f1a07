/** The outcome of a guest process run by `exec` / `execAndWait`. */
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
