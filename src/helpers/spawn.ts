/**
 * `spawn`: start a guest process and get a {@link GuestProcess} handle for it. Also the
 * start and wait halves that `exec` / `execAndWait` are made of.
 * @module
 */
import { debuglog } from 'node:util';
import type { CallOptions } from '../call-options.js';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError, QgaExecError } from '../errors.js';
import type { GuestExecStatus, GuestExecStatusArgs } from '../generated/index.js';
import { resolveCapture, type CapturePlan } from './exec-capture.js';
import { decodeExited, failed } from './exec-decode.js';
import { truncationNeedsVersion } from './exec-truncation.js';
import { truncationFlagsReliable } from '../protocol/exec-truncation-flags.js';
import { killRequest, killSignal, windowsKillRequest } from './exec-kill.js';
import { planFromArgv, planWaitOnly, DEFAULT_POLL_INITIAL, DEFAULT_POLL_MAX, type StartPlan, type WaitPlan } from './exec-options.js';
import { fitPlanToGuest, type ExecSession } from './exec-platform.js';
import { Abandonment, pollUntilExit, systemExecTimers, type ExecTimers, type Pollable } from './exec-poll.js';
import { DEFAULT_OUTPUT, type OutputPlan } from './exec-text.js';
import type { ExecResult, ExecTextEncoding, ExecWaitOptions, GuestProcess, SpawnOptions } from './exec-types.js';
import { guestFamily } from './guest-os.js';
import { payloadTimeout } from './payload-timeout.js';

/** How long a background reap after `killOnAbandon` keeps polling, in ms. */
const REAP_TIMEOUT = 10_000;
/** ms the start call outlives the run's deadline, so that the deadline is what is reported. */
const START_GRACE = 1_000;

const debug = debuglog('qga');

interface HandleInit {
  pid: number;
  path: string;
  output: OutputPlan;
  capture: CapturePlan;
  callOptions: CallOptions;
  timers: ExecTimers;
}

/** The {@link GuestProcess} implementation; it keeps the result once the agent reported the exit. */
export class GuestProcessHandle<Output extends string | Buffer> implements GuestProcess<Output>, Pollable<Output> {
  readonly pid: number;
  readonly path: string;
  readonly #client: QgaClient;
  readonly #init: HandleInit;
  readonly #statusArgs: GuestExecStatusArgs;
  /**
   * The agent's exit report, kept as it came: the agent has forgotten the process, so
   * if decoding it fails (a throwing `decode` hook) the next poll decodes it again.
   */
  #exitStatus: GuestExecStatus | undefined;
  #result: ExecResult<Output> | undefined;
  #inflight: Promise<ExecResult<Output> | undefined> | undefined;

  constructor(client: QgaClient, init: HandleInit) {
    this.#client = client;
    this.#init = init;
    this.pid = init.pid;
    this.path = init.path;
    this.#statusArgs = { pid: init.pid };
  }

  get result(): ExecResult<Output> | undefined {
    return this.#result;
  }

  /**
   * One status poll. Concurrent callers share the call on the wire: two status calls for
   * one pid could otherwise both be sent, and the second would hit a process the agent
   * already forgot (`Invalid parameter 'pid'` / `PID ld does not exist`).
   */
  /** @internal */
  whenClosed(callback: () => void): () => void {
    return this.#client.whenClosed(callback);
  }

  poll(): Promise<ExecResult<Output> | undefined> {
    if (this.#result) return Promise.resolve(this.#result);
    this.#inflight ??= (this.#exitStatus ? Promise.resolve(this.#exitStatus) : this.#client.call('guest-exec-status', this.#statusArgs, this.#init.callOptions)).then(this.#onReply, this.#onFail);
    return this.#inflight;
  }

  status(): Promise<ExecResult<Output> | undefined> {
    return this.poll();
  }

  async wait(options?: ExecWaitOptions): Promise<ExecResult<Output>> {
    const plan = planWaitOnly('wait', options);
    return waitForExit(this, plan, new Abandonment(plan, this, this.#init.timers), this.#init.timers);
  }

  async kill(signal: string | number = 'KILL'): Promise<boolean> {
    const name = killSignal('kill', signal);
    // Once the agent reported the exit, the pid is free and may belong to another process.
    if (this.#exitStatus) return false;
    const windows = (await guestFamily(this.#client, this.#init.callOptions)) === 'windows';
    if (this.#exitStatus) return false;
    const request = windows ? windowsKillRequest(this.pid) : killRequest(this.pid, name);
    const plan: StartPlan = { request, capture: false, encoding: 'utf8', pollTimeout: this.#init.callOptions.timeout, onLateStart: undefined };
    const killer = await startProcess<string>(this.#client, plan, undefined, this.#init.timers);
    const timeout = this.#init.callOptions.timeout ?? this.#client.defaultTimeout;
    const wait: WaitPlan = { timeout, signal: undefined, check: false, initial: DEFAULT_POLL_INITIAL, max: DEFAULT_POLL_MAX, killOnAbandon: false };
    const outcome = await waitForExit(killer, wait, new Abandonment(wait, killer, this.#init.timers), this.#init.timers);
    return outcome.exitCode === 0;
  }

  /**
   * `killOnAbandon`: SIGKILL, then reap in the background, which frees the agent's entry
   * and leaves the result on this handle. Best effort: failures are swallowed.
   */
  async killAbandoned(): Promise<void> {
    const sent = await this.kill('KILL').catch(() => false);
    if (sent) this.wait({ timeout: REAP_TIMEOUT }).catch(() => undefined);
  }

  readonly #onReply = async (status: GuestExecStatus): Promise<ExecResult<Output> | undefined> => {
    if (!status.exited) {
      this.#inflight = undefined;
      return undefined;
    }
    // The agent has forgotten the process now: this reply is the only copy of its result.
    // Decoding may ask the guest for its release or code pages; whoever polls meanwhile
    // shares this, and a failed look-up only costs accuracy.
    this.#exitStatus = status;
    try {
      const { keepStdout, keepStderr } = this.#init.capture;
      // A stream of exactly 16 MiB flagged `false`: what that means depends on the agent's
      // release (guest-info, cached per connection); not knowing gives the safe reading (truncated).
      const flagsReliable = truncationNeedsVersion(status, keepStdout, keepStderr)
        ? await this.#client.info(this.#init.callOptions).then(
            (info) => truncationFlagsReliable(info.version),
            () => undefined,
          )
        : undefined;
      this.#result ??= await decodeExited<Output>(this.#client, this.pid, status, this.#init.output, this.#init.capture, flagsReliable);
      return this.#result;
    } finally {
      this.#inflight = undefined;
    }
  };

  readonly #onFail = (error: unknown): never => {
    this.#inflight = undefined;
    throw isUnknownPid(error) ? statusLost(this.path, this.pid, error) : error;
  };
}

/**
 * The agent's answer for a pid it has no entry for: 7.2–8.1 `Invalid parameter 'pid'`,
 * 8.2+ `PID ld does not exist` (its format string lacks the `%`).
 */
function isUnknownPid(error: unknown): error is QgaCommandError {
  return error instanceof QgaCommandError && error.command === 'guest-exec-status' && /Invalid parameter 'pid'|PID \S* ?does not exist/.test(error.desc);
}

/**
 * The handle never asks twice after seeing the exit, so an unknown pid means the agent's
 * process table was lost: the agent restarted (with the guest, or under a reconnect) or
 * another client collected the status. Say that, rather than the agent's cryptic text.
 */
function statusLost(path: string, pid: number, error: QgaCommandError): QgaCommandError {
  return new QgaCommandError(
    'guest-exec-status',
    error.errorClass,
    `${path} (pid ${pid}): the agent no longer knows this process, so its exit status and output are lost ` +
      `(the agent restarted, e.g. with the guest or behind a reconnect, or another client read its status); the agent said: ${error.desc}`,
    { cause: error },
  );
}

/**
 * Settles the capture mode, then sends `guest-exec`.
 *
 * How long the start may take: the run's `timeout` when there is one (a 20 MiB stdin on a
 * slow guest needs far more than the client's 5 s default); otherwise `pollTimeout`, or the
 * client's default grown with the stdin the request carries. The run's deadline and abort
 * end the call at once (`guard.signal`).
 *
 * Once `guest-exec` is written the process may exist, and only the reply names its pid.
 * A reply that comes after the call was given up still reaches `onLateReply`: the process
 * is killed with `killOnAbandon` (`lateKill`), else its pid goes to `onLateStart`.
 */
export async function startProcess<Output extends string | Buffer>(
  client: QgaClient,
  plan: StartPlan,
  guard: Abandonment | undefined,
  timers: ExecTimers,
  lateKill = false,
  session?: ExecSession,
): Promise<GuestProcessHandle<Output>> {
  const callOptions: CallOptions = plan.pollTimeout === undefined ? {} : { timeout: plan.pollTimeout };
  const fitted = await fitPlanToGuest(client, plan, session, callOptions);
  const capture = await resolveCapture(client, fitted.capture, callOptions);
  if (guard?.abandoned) throw guard.reason;
  const path = fitted.request.path;
  const output = fitted.output ?? { ...DEFAULT_OUTPUT, encoding: fitted.encoding };
  const onLateReply = (late: unknown): void => {
    const pid = (late as { pid?: unknown } | null)?.pid;
    if (typeof pid !== 'number') return;
    if (debug.enabled) debug('guest-exec of %s answered after the start was given up: pid %d %s', path, pid, lateKill ? 'is killed' : 'keeps running');
    if (lateKill) void new GuestProcessHandle<Output>(client, { pid, path, output, capture, callOptions, timers }).killAbandoned();
    fitted.onLateStart?.(pid);
  };
  const startOptions: CallOptions = { timeout: startTimeout(client, fitted, guard), onLateReply };
  if (guard) startOptions.signal = guard.signal;
  let pid: number;
  try {
    ({ pid } = await client.call('guest-exec', { ...fitted.request, 'capture-output': capture.wire }, startOptions));
  } catch (error) {
    // The run's deadline fired as the call's own timeout did: report the run's.
    if (guard?.abandoned) throw guard.reason;
    throw error;
  }
  return new GuestProcessHandle<Output>(client, { pid, path, output, capture, callOptions, timers });
}

/** See {@link startProcess}. A run's timeout is the whole run's: the start gets all of it. */
function startTimeout(client: QgaClient, plan: StartPlan, guard: Abandonment | undefined): number {
  const runTimeout = guard?.timeout;
  // A little past the run's deadline, so that the deadline (the run's error) comes first.
  if (runTimeout !== undefined) return runTimeout + START_GRACE;
  if (plan.pollTimeout !== undefined) return plan.pollTimeout;
  return payloadTimeout(client.defaultTimeout, plan.request['input-data']?.length ?? 0);
}

/** Polls `process` to its exit under `guard`; applies `check` and `killOnAbandon`. Disposes `guard`. */
export async function waitForExit<Output extends string | Buffer>(
  process: GuestProcessHandle<Output>,
  plan: WaitPlan,
  guard: Abandonment,
  timers: ExecTimers,
): Promise<ExecResult<Output>> {
  try {
    const result = await pollUntilExit(process, plan, guard, timers);
    if (plan.check && failed(result)) throw new QgaExecError(process.path, result);
    return result;
  } catch (error) {
    if (plan.killOnAbandon && guard.abandoned && process.result === undefined) await process.killAbandoned();
    throw error;
  } finally {
    guard.dispose();
  }
}

/**
 * Start `argv` in the guest and return a handle at once (no waiting). See
 * {@link GuestProcess}; {@link SpawnOptions} for stdin, environment, capture and encoding.
 */
export function spawn(client: QgaClient, argv: readonly string[], options: SpawnOptions<'buffer'> & { encoding: 'buffer' }, session?: ExecSession): Promise<GuestProcess<Buffer>>;
export function spawn(client: QgaClient, argv: readonly string[], options?: SpawnOptions<ExecTextEncoding>, session?: ExecSession): Promise<GuestProcess<string>>;
export function spawn(client: QgaClient, argv: readonly string[], options?: SpawnOptions, session?: ExecSession): Promise<GuestProcess<string> | GuestProcess<Buffer>>;
export async function spawn(client: QgaClient, argv: readonly string[], options?: SpawnOptions, session?: ExecSession): Promise<GuestProcess<string> | GuestProcess<Buffer>> {
  const plan = planFromArgv('spawn', argv, options);
  return startProcess<string>(client, plan, undefined, systemExecTimers, false, session);
}
