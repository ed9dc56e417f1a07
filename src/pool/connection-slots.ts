/**
 * The pool's connection budget: at most `max` connections open or opening at once.
 * Work for a guest without a connection takes a slot, waiting in line when none is free;
 * the pool frees slots by closing idle connections when someone waits.
 * @module
 */

interface Waiter {
  grant(): void;
}

export class ConnectionSlots {
  readonly #max: number;
  #taken = 0;
  readonly #waiters: Waiter[] = [];
  /** Idle connections being closed to make room; their slots come back on release. */
  #evicting = 0;
  /**
   * Asked to close one idle connection when someone waits: the closing, or `undefined`
   * when none is idle. The closed connection's slot comes back through {@link release}.
   */
  readonly #evictIdle: () => Promise<void> | undefined;

  constructor(max: number, evictIdle: () => Promise<void> | undefined) {
    this.#max = max;
    this.#evictIdle = evictIdle;
  }

  /** Slots taken: connections open or being opened. */
  get taken(): number {
    return this.#taken;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves once a slot is the caller's (give it back with {@link release}); rejects with
   * `signal.reason` if the signal aborts first, and then takes nothing.
   */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#taken < this.#max && this.#waiters.length === 0) {
      this.#taken += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.#taken += 1;
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      // Room may be made by closing an idle connection; its release() then grants.
      this.pump();
    });
  }

  /** A connection closed (or an opening failed): its slot goes to the next in line. */
  release(): void {
    this.#taken -= 1;
    this.pump();
  }

  /**
   * Grants free slots to waiters in order, and asks for idle connections to be closed
   * while people still wait. Called on release and when a connection becomes idle.
   */
  pump(): void {
    while (this.#waiters.length > 0 && this.#taken < this.#max) this.#waiters.shift()!.grant();
    // Counted until closed, so a second pump does not close more than the line needs.
    while (this.#waiters.length > this.#evicting) {
      const closing = this.#evictIdle();
      if (!closing) break;
      this.#evicting += 1;
      const done = (): void => {
        this.#evicting -= 1;
      };
      closing.then(done, done);
    }
  }
}
