/**
 * One client's calls, one at a time in call order, for channels whose manager serialises
 * agent calls anyway and would otherwise let a later call overtake an earlier one, or run a
 * call's timeout out where the client cannot tell it from a slow agent:
 * - libvirt: one agent command per domain; a second waits for the job lock inside libvirtd.
 * - Proxmox VE: qemu-server opens the agent's chardev for every command and the chardev
 *   takes one client at a time; a second concurrent call waits there, and its pre-check
 *   ping gives up after 3 s ("QEMU guest agent is not running").
 *
 * Waiting here keeps the order and counts the wait against the call's own timeout
 * (`ChannelCallOptions.timeout` covers queueing). A waiting call that times out or is
 * aborted leaves the line without disturbing the others. A call with nobody ahead of it
 * takes its turn at once: no promise, timer or abort listener.
 * @module
 */

interface Waiter {
  resolve(release: () => void): void;
  reject(error: unknown): void;
  settled: boolean;
}

export class CallQueue {
  readonly #waiting: Waiter[] = [];
  #busy = false;

  /** Calls running or waiting. */
  get length(): number {
    return this.#waiting.length + (this.#busy ? 1 : 0);
  }

  /**
   * The function that ends this call's turn when nobody is ahead of it (the usual case:
   * no promise to wait for), else `undefined` and the call waits its {@link turn}.
   */
  take(): (() => void) | undefined {
    if (this.#busy) return undefined;
    this.#busy = true;
    return this.#release();
  }

  /**
   * Resolves with the function that ends this call's turn, once every earlier call ended.
   * Rejects with `timedOut()` after `timeout` ms, or `signal.reason` on abort, while waiting.
   */
  turn(timeout: number, signal: AbortSignal | undefined, timedOut: () => unknown): Promise<() => void> {
    const now = this.take();
    if (now) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<() => void>((resolve, reject) => {
      const leave = (error: unknown): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
        reject(error);
      };
      const onAbort = (): void => leave(signal!.reason);
      const waiter: Waiter = {
        settled: false,
        resolve: (release) => {
          waiter.settled = true;
          signal?.removeEventListener('abort', onAbort);
          clearTimeout(timer);
          resolve(release);
        },
        reject: leave,
      };
      const timer = setTimeout(() => leave(timedOut()), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /** Rejects every waiting call (the channel closed). */
  clear(error: unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      if (next) next.resolve(this.#release());
      else this.#busy = false;
    };
  }
}
