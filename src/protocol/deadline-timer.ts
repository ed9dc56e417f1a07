/**
 * One timer for every pending call's timeout, instead of a timer per call.
 *
 * A call's timeout runs from the moment it is queued, so each call has a deadline. The
 * timer is armed for the earliest deadline that is still pending; when a call completes
 * nothing is cancelled (the common case: the next call's deadline is later anyway). When
 * the timer fires, every call whose deadline has come expires, and the timer is armed for
 * the next one. While no call is pending the timer does not keep the process alive
 * (`unref`), as per-call timers that were all cleared would not.
 *
 * Sequential calls thus cost a `ref()` and an `unref()` each, not a timer allocation, a
 * timer-list insertion and a removal.
 */
import type { Timers } from './timers.js';

export interface Expirable {
  readonly deadline: number;
  readonly settled: boolean;
}

interface RefHandle {
  ref?(): unknown;
  unref?(): unknown;
}

export class DeadlineTimer<T extends Expirable> {
  readonly #timers: Timers;
  readonly #pending: () => Iterable<T>;
  readonly #expire: (item: T) => void;
  #handle: unknown;
  /** The deadline the timer is armed for; Infinity when not armed. */
  #armedFor = Infinity;
  #referenced = false;
  readonly #holdsProcess: boolean;

  /**
   * `holdsProcess: false` when something else keeps the process alive while calls are
   * pending (an open socket does): the timer then never holds it, and a call costs no
   * `ref()` and `unref()`.
   */
  constructor(timers: Timers, pending: () => Iterable<T>, expire: (item: T) => void, holdsProcess = true) {
    this.#timers = timers;
    this.#pending = pending;
    this.#expire = expire;
    this.#holdsProcess = holdsProcess;
  }

  /** A call with this deadline is pending. */
  add(deadline: number): void {
    if (deadline < this.#armedFor) this.#arm(deadline);
    else if (!this.#referenced && this.#holdsProcess) this.#ref(true);
  }

  /** Nothing is pending any more: let the process exit if nothing else holds it. */
  idle(): void {
    if (this.#handle === undefined || !this.#referenced) return;
    if (!this.#ref(false)) this.stop();
  }

  /** Cancel the timer (the queue is closed). */
  stop(): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = Infinity;
    this.#referenced = false;
  }

  #arm(deadline: number): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#armedFor = deadline;
    this.#referenced = true;
    this.#handle = this.#timers.setTimeout(() => this.#fire(), Math.max(0, deadline - this.#timers.now()));
    if (!this.#holdsProcess) this.#ref(false);
  }

  /** Sets the timer's hold on the process; false when the handle cannot do that. */
  #ref(on: boolean): boolean {
    const handle = this.#handle as RefHandle | undefined;
    if (typeof handle?.ref !== 'function' || typeof handle.unref !== 'function') return false;
    if (on) handle.ref();
    else handle.unref();
    this.#referenced = on;
    return true;
  }

  #fire(): void {
    // The timer was armed for `armedFor`: everything due by then expires now, even when the
    // clock reads a hair earlier (timers run on the event loop's millisecond clock).
    const due = Math.max(this.#armedFor, this.#timers.now());
    this.#handle = undefined;
    this.#armedFor = Infinity;
    this.#referenced = false;
    let next = Infinity;
    for (const item of [...this.#pending()]) {
      if (item.settled) continue;
      if (item.deadline <= due) this.#expire(item);
      else if (item.deadline < next) next = item.deadline;
    }
    if (next !== Infinity) this.#arm(next);
  }
}
