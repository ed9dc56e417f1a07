/**
 * `guest-exec-status` (exited) → {@link ExecResult}.
 * @module
 */
import type { GuestExecStatus } from '../generated/index.js';
import type { CapturePlan } from './exec-capture.js';
import type { ExecEncoding, ExecResult } from './exec-types.js';
import { streamTruncated } from './exec-truncation.js';


const EMPTY = Buffer.alloc(0);

/**
 * Decodes an exited status. Truncation is read as exec-truncation.ts explains;
 * `flagsReliable` (the agent sets the truncation flags right) matters only for a stream
 * of exactly 16 MiB whose flag says `false`.
 */
export function decodeExited<Output extends string | Buffer>(
  pid: number,
  status: GuestExecStatus,
  encoding: ExecEncoding,
  capture: CapturePlan,
  flagsReliable?: boolean,
): ExecResult<Output> {
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
    stdoutTruncated: capture.keepStdout && streamTruncated(status['out-truncated'], out.length, flagsReliable),
    stderrTruncated: capture.keepStderr && streamTruncated(status['err-truncated'], err.length, flagsReliable),
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
