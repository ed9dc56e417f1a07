/**
 * The agent call a libvirt channel has in flight (one at a time per client): its timeout,
 * and its abandonment when the channel closes.
 *
 * One timer serves every call of the channel (see DeadlineTimer): sequential calls cost a
 * `ref()` and an `unref()` each instead of a timer created, inserted into Node's timer
 * list and cleared per call. Profiled on guest-ping through libvirtd, that timer work and
 * the closures around it were a tenth of the client's CPU per call.
 * @module
 */
import { QgaTimeoutError } from '../../errors.js';
import { DeadlineTimer } from '../../protocol/deadline-timer.js';
import { systemTimers } from '../../protocol/timers.js';
import type { CallHandle } from './rpc-connection.js';

/** One agent call on the wire: what abandons it, and when it times out. */
export class Flight {
  /** Ended (replied, failed or abandoned): the timer and the channel leave it alone. */
  settled = false;
  /** Given up by the caller's timeout, abort or the channel's close, not by libvirt. */
  abandoned = false;
  readonly #handle: CallHandle<unknown>;
  readonly #command: string;
  readonly #timeout: number;
  /** `performance.now()` at which the call times out. */
  readonly deadline: number;

  constructor(handle: CallHandle<unknown>, command: string, timeout: number, deadline: number) {
    this.#handle = handle;
    this.#command = command;
    this.#timeout = timeout;
    this.deadline = deadline;
  }

  get promise(): Promise<unknown> {
    return this.#handle.promise;
  }

  /** Rejects the call with `reason` now (its reply, if it still comes, is dropped). */
  abandon(reason: unknown): void {
    if (this.settled) return;
    this.abandoned = true;
    this.#handle.abandon(reason);
  }

  timedOut(): void {
    this.abandon(new QgaTimeoutError(this.#command, this.#timeout));
  }
}

export class InFlight {
  #current: Flight | undefined;
  readonly #deadlines = new DeadlineTimer<Flight>(
    systemTimers,
    () => (this.#current ? [this.#current] : []),
    (flight) => flight.timedOut(),
  );

  begin(flight: Flight): void {
    this.#current = flight;
    this.#deadlines.add(flight.deadline);
  }

  end(flight: Flight): void {
    flight.settled = true;
    if (this.#current === flight) this.#current = undefined;
    this.#deadlines.idle();
  }

  /** The channel closed: the call in flight rejects with `reason`, and the timer goes. */
  close(reason: unknown): void {
    this.#current?.abandon(reason);
    this.#deadlines.stop();
  }
}
