/**
 * One request at a time per VM: qemu-server opens the agent's chardev for every command and
 * the chardev takes one client at a time, so a second concurrent call only waits there
 * (and its pre-check ping gives up after 3 s: "QEMU guest agent is not running"). Calls of
 * one channel queue here instead, in call order; a caller that gives up while waiting
 * leaves the queue without holding up the ones behind it.
 * @module
 */

/** Releases the turn; idempotent. */
export type Release = () => void;

/** A first-come, first-served turn for one caller at a time. */
export class SerialTurns {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Waits for the turn. Rejects with `giveUp()`'s error after `timeout` ms, or with
   * `signal.reason`; the turn is then passed on as soon as it comes.
   */
  acquire(timeout: number, signal: AbortSignal | undefined, giveUp: () => Error): Promise<Release> {
    const previous = this.#tail;
    let release!: Release;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.#tail = done;
    return new Promise<Release>((resolve, reject) => {
      let waiting = true;
      const stop = (error: unknown): void => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = (): void => stop(signal?.reason);
      const timer = setTimeout(() => stop(giveUp()), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      void previous.then(() => {
        if (!waiting) {
          release();
          return;
        }
        waiting = false;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      });
    });
  }
}
