/**
 * The agent call a libvirt channel has in flight (one at a time per client), as the
 * channel's {@link InFlight} tracks it: its timeout, and its abandonment when the channel
 * closes.
 * @module
 */
import { QgaTimeoutError } from '../../errors.js';
import type { InFlightCall } from '../../protocol/in-flight.js';
import type { CallHandle } from './rpc-connection.js';

/** One agent call on the wire: what abandons it, and when it times out. */
export class Flight implements InFlightCall {
  /** Ended (replied, failed or abandoned): the timer and the channel leave it alone. */
  settled = false;
  /** Given up by the caller's timeout, abort or the channel's close, not by libvirt. */
  abandoned = false;
  readonly #handle: CallHandle<unknown>;
  readonly #command: string;
  readonly #timeout: number;
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
  end(reason: unknown): void {
    if (this.settled) return;
    this.abandoned = true;
    this.#handle.abandon(reason);
  }

  timedOut(): void {
    this.end(new QgaTimeoutError(this.#command, this.#timeout));
  }
}
