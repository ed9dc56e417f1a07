/**
 * `exec` and `execAndWait`: start a guest process with `guest-exec`, poll
 * `guest-exec-status` until it exits, and resolve to its {@link ExecResult}.
 *
 * Written against QgaClient's public `call()` only. How a deadline or an abort that fires
 * mid-poll is handled without losing the agent's only copy of the result is explained in
 * `exec-poll.ts`.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import type { GuestExecArgs } from '../generated/index.js';
import { planFromArgv, planFromRequest, planWait, type StartPlan, type WaitPlan } from './exec-options.js';
import type { ExecSession } from './exec-platform.js';
import { Abandonment, systemExecTimers, type ExecTimers, type RunSubject } from './exec-poll.js';
import type { ExecOptions, ExecResult, ExecTextEncoding } from './exec-types.js';
import { startProcess, waitForExit } from './spawn.js';

/**
 * Run `argv` in the guest (no shell: `argv[0]` is the program, a bare name is looked up in
 * the guest's PATH) and wait for it to exit. See {@link ExecOptions}. On a Windows guest an
 * argv that would not reach the program as given (an empty argument, a `"` for cmd.exe)
 * is refused with a `TypeError` before anything is sent.
 *
 * Rejects with `TypeError` for bad arguments (nothing is sent), `QgaCommandError` when the
 * agent cannot start the program, `QgaTimeoutError` (command `'exec'`) after `timeout`,
 * `signal.reason` on abort, `QgaExecError` with `check` and a failed run.
 */
export function exec(client: QgaClient, argv: readonly string[], options: ExecOptions<'buffer'> & { encoding: 'buffer' }, session?: ExecSession): Promise<ExecResult<Buffer>>;
export function exec(client: QgaClient, argv: readonly string[], options?: ExecOptions<ExecTextEncoding>, session?: ExecSession): Promise<ExecResult<string>>;
export function exec(client: QgaClient, argv: readonly string[], options?: ExecOptions, session?: ExecSession): Promise<ExecResult<string> | ExecResult<Buffer>>;
export async function exec(client: QgaClient, argv: readonly string[], options?: ExecOptions, session?: ExecSession): Promise<ExecResult<string> | ExecResult<Buffer>> {
  return runExec<string>(client, planFromArgv('exec', argv, options, true), planWait('exec', options), systemExecTimers, session);
}

/**
 * Run a `guest-exec` request as given (wire field names: `path`, `arg`, `env`,
 * `input-data`, `capture-output`) and wait for it to exit. Output is captured unless the
 * request says otherwise. `options.input` / `env` / `capture` may stand in for the
 * request's own fields, but not both for the same field (`TypeError`).
 */
export function execAndWait(client: QgaClient, request: GuestExecArgs, options: ExecOptions<'buffer'> & { encoding: 'buffer' }, session?: ExecSession): Promise<ExecResult<Buffer>>;
export function execAndWait(client: QgaClient, request: GuestExecArgs, options?: ExecOptions<ExecTextEncoding>, session?: ExecSession): Promise<ExecResult<string>>;
export function execAndWait(client: QgaClient, request: GuestExecArgs, options?: ExecOptions, session?: ExecSession): Promise<ExecResult<string> | ExecResult<Buffer>>;
export async function execAndWait(client: QgaClient, request: GuestExecArgs, options?: ExecOptions, session?: ExecSession): Promise<ExecResult<string> | ExecResult<Buffer>> {
  return runExec<string>(client, planFromRequest('execAndWait', request, options), planWait('execAndWait', options), systemExecTimers, session);
}

/** Start and wait under one deadline / abort signal. Exported for tests (injected timers). */
export async function runExec<Output extends string | Buffer>(client: QgaClient, start: StartPlan, wait: WaitPlan, timers: ExecTimers, session?: ExecSession): Promise<ExecResult<Output>> {
  const subject: RunSubject = { path: start.request.path, pid: undefined };
  const guard = new Abandonment(wait, subject, timers);
  try {
    if (guard.abandoned) throw guard.reason; // aborted before the start: nothing is sent
    const process = await startProcess<Output>(client, start, guard, timers, wait.killOnAbandon, session);
    subject.pid = process.pid;
    if (guard.abandoned) {
      // The deadline or abort came while guest-exec was on the wire: the process runs.
      if (wait.killOnAbandon) await process.killAbandoned();
      throw guard.reason;
    }
    return await waitForExit(process, wait, guard, timers);
  } finally {
    guard.dispose();
  }
}
