/**
 * `guest-exec-status` (exited) → {@link ExecResult}.
 * @module
 */
import type { GuestExecStatus } from '../generated/index.js';
import type { CapturePlan } from './exec-capture.js';
import type { ExecEncoding, ExecResult } from './exec-types.js';

/** The agent's per-stream capture cap (`GUEST_EXEC_MAX_OUTPUT`, 16 MiB). */
export const AGENT_CAPTURE_LIMIT = 16 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * Decodes an exited status. Truncation: the `out-truncated` / `err-truncated` flags were
 * wrong in upstream releases before 10.2.0 (present only when truncated, and then `false`;
 * QEMU commit 28c5d27dd4 fixed it), so a stream counts as truncated when its flag is true
 * **or** it decodes to the cap or more.
 */
export function decodeExited<Output extends string | Buffer>(pid: number, status: GuestExecStatus, encoding: ExecEncoding, capture: CapturePlan): ExecResult<Output> {
  const out = capture.keepStdout ? decodeBase64(status['out-data']) : EMPTY;
  const err = capture.keepStderr ? decodeBase64(status['err-data']) : EMPTY;
  const exitCode = typeof status.exitcode === 'number' ? status.exitcode : null;
  const signal = typeof status.signal === 'number' ? status.signal : null;
  return {
    pid,
    exitCode,
    signal,
    stdout: (encoding === 'buffer' ? out : out.toString('utf8')) as Output,
    stderr: (encoding === 'buffer' ? err : err.toString('utf8')) as Output,
    stdoutTruncated: capture.keepStdout && (status['out-truncated'] === true || out.length >= AGENT_CAPTURE_LIMIT),
    stderrTruncated: capture.keepStderr && (status['err-truncated'] === true || err.length >= AGENT_CAPTURE_LIMIT),
  };
}

/** A failed run for `check`: non-zero exit, a signal, or neither reported. */
export function failed(result: ExecResult<string | Buffer>): boolean {
  return result.exitCode !== 0;
}

function decodeBase64(data: string | undefined): Buffer {
  // The agent omits the field when the stream was empty.
  return data === undefined || data === '' ? EMPTY : Buffer.from(data, 'base64');
}
