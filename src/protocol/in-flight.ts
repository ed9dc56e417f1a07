/**
 * Calls in flight on one channel, with one timer for all their deadlines (DeadlineTimer)
 * and one way to end them all when the channel closes: sequential calls cost a `ref()`
 * and an `unref()` each, instead of a timer created, inserted into Node's timer list and
 * cleared per call, and no abort listener of their own. Profiled per guest-ping through
 * libvirtd and through Proxmox's API, that timer and listener work was among the largest
 * costs a channel added per call.
 * @module
 */
import { DeadlineTimer } from './deadline-timer.js';
import { systemTimers } from './timers.js';

/** One call on the wire. */
export interface InFlightCall {
  /** `performance.now()` at which the call times out. */
  readonly deadline: number;
  /** Ended: the timer and `close` leave it alone. */
  readonly settled: boolean;
  /** The deadline passed: fail the call with its timeout error. */
  timedOut(): void;
  /** Fail the call with `reason` now (the channel closed). */
  end(reason: unknown): void;
}

export class InFlight<Call extends InFlightCall> {
  readonly #calls = new Set<Call>();
  readonly #deadlines = new DeadlineTimer<Call>(systemTimers, () => this.#calls, (call) => call.timedOut());

  begin(call: Call): void {
    this.#calls.add(call);
    this.#deadlines.add(call.deadline);
  }

  /** The call ended (its own way or not): forget it, and let the timer idle once none is left. */
  end(call: Call): void {
    this.#calls.delete(call);
    if (this.#calls.size === 0) this.#deadlines.idle();
  }

  /** The channel closed: every call still in flight fails with `reason`, and the timer goes. */
  close(reason: unknown): void {
    for (const call of [...this.#calls]) call.end(reason);
    this.#deadlines.stop();
  }
}
