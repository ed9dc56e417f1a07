/**
 * `guest-exec-status` (exited) → {@link ExecResult}.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import type { GuestExecStatus } from '../generated/index.js';
import { windowsExitOf } from '../guest-os/nt-status.js';
import type { CapturePlan } from './exec-capture.js';
import { decodeStreams, type OutputPlan } from './exec-text.js';
import type { ExecResult } from './exec-types.js';
import { streamTruncated } from './exec-truncation.js';

const EMPTY = Buffer.alloc(0);

/**
 * How the process ended. A negative `signal` or `exitcode` only comes from qemu-ga for
 * Windows (an NTSTATUS or a DWORD above 2^31 in a signed int): it becomes the unsigned
 * exit code, with `signal: null` (see `guest-os/nt-status.ts`).
 */
export function exitOf(status: GuestExecStatus): Pick<ExecResult, 'exitCode' | 'signal' | 'ntStatus'> {
  const exitcode = typeof status.exitcode === 'number' ? status.exitcode : undefined;
  const signal = typeof status.signal === 'number' ? status.signal : undefined;
  const windows = windowsExitOf(exitcode, signal);
  if (windows) return windows.ntStatus ? { exitCode: windows.exitCode, signal: null, ntStatus: windows.ntStatus } : { exitCode: windows.exitCode, signal: null };
  return { exitCode: exitcode ?? null, signal: signal ?? null };
}

/**
 * Decodes an exited status: the exit (see {@link exitOf}), the streams as `output` says
 * (which may ask the guest for its code pages), and truncation as exec-truncation.ts
 * explains; `flagsReliable` (the agent sets the truncation flags right) matters only for
 * a stream of exactly 16 MiB whose flag says `false`.
 */
export async function decodeExited<Output extends string | Buffer>(
  client: QgaClient,
  pid: number,
  status: GuestExecStatus,
  output: OutputPlan,
  capture: CapturePlan,
  flagsReliable?: boolean,
): Promise<ExecResult<Output>> {
  const out = capture.keepStdout ? decodeBase64(status['out-data']) : EMPTY;
  const err = capture.keepStderr ? decodeBase64(status['err-data']) : EMPTY;
  const [stdout, stderr] = await decodeStreams(client, out, err, output);
  return {
    pid,
    ...exitOf(status),
    stdout: stdout as Output,
    stderr: stderr as Output,
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
