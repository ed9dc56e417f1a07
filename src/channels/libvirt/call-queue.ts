/**
 * One client's calls, one at a time in call order. libvirt would serialise them anyway (one
 * agent command per domain), but then a second call of the same client
 * could overtake a first one that is still waiting for libvirt's job lock, and a call's
 * timeout would run out inside libvirtd where the client cannot tell it from a slow agent.
 * Waiting here keeps the order and counts the wait against the call's own timeout
 * (`ChannelCallOptions.timeout` covers queueing). A waiting call that times out or is
 * aborted leaves the line without disturbing the others.
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
