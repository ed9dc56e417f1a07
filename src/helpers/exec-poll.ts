/**
 * Waiting for a guest process: the run's deadline and abort signal ({@link Abandonment}),
 * and the `guest-exec-status` poll loop with backoff ({@link pollUntilExit}).
 *
 * The race this file is built around: the agent forgets a process after the first
 * `guest-exec-status` that says it exited (`qmp_guest_exec_status` deletes the entry;
 * asking again is an error). So a status reply that is on its way may be the only copy of
 * the result, and dropping it loses the result for good. Hence:
 *
 * - A status call never gets the run's timeout or signal. It gets its own generous
 *   per-call timeout (`pollTimeout`, default the client's `timeout`), so neither a deadline
 *   nor an abort can make the queue throw its reply away.
 * - The deadline and the abort only stop *scheduling* polls. When they fire during a pause,
 *   the wait rejects at once. When they fire while a status call is on the wire, the wait
 *   holds until that reply arrives (normally well under a millisecond): if it says the
 *   process exited, the result wins and the wait resolves (or, with `check`, rejects with
 *   `QgaExecError`); otherwise it rejects with the timeout error or `signal.reason`.
 * - Every reply is stored on the process handle before anyone looks at it, so
 *   `GuestProcess.wait()` / `status()` still answer after the agent forgot the process.
 * @module
 */
import { QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import type { WaitPlan } from './exec-options.js';
import type { ExecResult } from './exec-types.js';

/** Timer functions, injectable so tests can drive the schedule without faking globals. */
export interface ExecTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemExecTimers: ExecTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Something that answers one status poll: the result once exited, else undefined. */
export interface Pollable<Output extends string | Buffer> {
  poll(): Promise<ExecResult<Output> | undefined>;
  /** Calls `callback` when the client closes for good; returns the function that stops watching. */
  whenClosed?(callback: () => void): () => void;
}

/** Describes the process for the timeout message; the pid is known only once it started. */
export interface RunSubject {
  path: string;
  pid: number | undefined;
}

/**
 * The run's deadline and abort signal. Fires at most once; `reason` is `signal.reason`, or
 * a `QgaTimeoutError` (command `'exec'`) built when first read, so it names the pid if the
 * process started meanwhile.
 */
export class Abandonment {
  readonly #plan: WaitPlan;
  readonly #subject: RunSubject;
  readonly #timers: ExecTimers;
  #timer: unknown;
  #removeAbortListener: (() => void) | undefined;
  #abandoned = false;
  #timedOut = false;
  #reason: unknown;
  #controller: AbortController | undefined;
  /** Called once when the run is abandoned. */
  onAbandon: (() => void) | undefined;

  constructor(plan: WaitPlan, subject: RunSubject, timers: ExecTimers) {
    this.#plan = plan;
    this.#subject = subject;
    this.#timers = timers;
    const { signal, timeout } = plan;
    if (signal?.aborted) {
      this.#abandoned = true;
      this.#reason = signal.reason;
      return;
    }
    if (timeout !== undefined) {
      this.#timer = timers.setTimeout(() => {
        this.#timer = undefined;
        this.#timedOut = true;
        this.#fire();
      }, timeout);
    }
    if (signal) {
      const onAbort = (): void => {
        this.#reason = signal.reason;
        this.#fire();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#removeAbortListener = () => signal.removeEventListener('abort', onAbort);
    }
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** The run's timeout in ms, if it has one. */
  get timeout(): number | undefined {
    return this.#plan.timeout;
  }

  /**
   * Aborts with {@link reason} when the run is abandoned: for the `guest-exec` call, whose
   * late reply is still caught (see `startProcess`). Made on first use.
   */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#abandoned && !this.#controller.signal.aborted) this.#controller.abort(this.reason);
    return this.#controller.signal;
  }

  /** What the wait rejects with once abandoned. */
  get reason(): unknown {
    if (this.#timedOut && this.#reason === undefined) {
      const { path, pid } = this.#subject;
      const timeout = this.#plan.timeout ?? 0;
      const fate = this.#plan.killOnAbandon ? 'killOnAbandon sends it SIGKILL' : 'it keeps running in the guest';
      this.#reason =
        pid === undefined
          ? new QgaTimeoutError('exec', timeout, `exec: ${path} did not start within ${formatMs(timeout)} ms`)
          : new QgaTimeoutError('exec', timeout, `exec: ${path} (pid ${pid}) did not exit within ${formatMs(timeout)} ms; ${fate}`);
    }
    return this.#reason;
  }

  /** Stop watching (the run is over). */
  dispose(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#removeAbortListener?.();
    this.#removeAbortListener = undefined;
    this.onAbandon = undefined;
  }

  #fire(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#removeAbortListener?.();
    this.#removeAbortListener = undefined;
    this.#controller?.abort(this.reason);
    this.onAbandon?.();
  }
}

/**
 * Polls until the process exits: the first poll at once, then pauses of `initial` ms
 * doubling up to `max` ms. Written with callbacks bound once, so a poll costs the status
 * call and one timer, nothing more.
 */
export function pollUntilExit<Output extends string | Buffer>(
  target: Pollable<Output>,
  plan: Pick<WaitPlan, 'initial' | 'max'>,
  guard: Abandonment,
  timers: ExecTimers,
): Promise<ExecResult<Output>> {
  return new Promise<ExecResult<Output>>((resolve, reject) => {
    let pause = plan.initial;
    let timer: unknown;
    let polling = false;
    let done = false;
    // The client closed during a pause: the next poll can only fail, so it goes now and
    // the run ends with that error at once, not up to a pause later with a timer left.
    const unwatch = target.whenClosed?.(() => {
      if (done || polling || timer === undefined) return;
      timers.clearTimeout(timer);
      tick();
    });
    const finish = (error: unknown, result: ExecResult<Output> | undefined): void => {
      done = true;
      guard.onAbandon = undefined;
      unwatch?.();
      if (result) resolve(result);
      else reject(error);
    };
    const onStatus = (result: ExecResult<Output> | undefined): void => {
      polling = false;
      // The result wins over a deadline or abort that fired while this reply was on its way.
      if (result) return finish(undefined, result);
      if (guard.abandoned) return finish(guard.reason, undefined);
      timer = timers.setTimeout(tick, pause);
      pause = Math.min(pause * 2, plan.max);
    };
    const onError = (error: unknown): void => {
      polling = false;
      finish(guard.abandoned ? guard.reason : error, undefined);
    };
    const tick = (): void => {
      timer = undefined;
      polling = true;
      target.poll().then(onStatus, onError);
    };
    guard.onAbandon = () => {
      if (done || polling) return; // a poll is on the wire: its reply decides (see module doc)
      timers.clearTimeout(timer);
      timer = undefined;
      finish(guard.reason, undefined);
    };
    if (guard.abandoned) finish(guard.reason, undefined);
    else tick();
  });
}
