/**
 * Following many promises on one signal, as a pool's `each` does.
 * @module
 */

/**
 * `abortable` for many promises on one signal with one listener, however
 * many are in flight (a pool's `each` follows one piece of work per guest).
 */
export class AbortFollower {
  readonly #signal: AbortSignal;
  readonly #waiting = new Set<(reason: unknown) => void>();
  readonly #onAbort = (): void => {
    for (const abandon of this.#waiting) abandon(this.#signal.reason);
    this.#waiting.clear();
  };

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    if (!signal.aborted) signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  follow<T>(promise: Promise<T>): Promise<T> {
    const signal = this.#signal;
    if (signal.aborted) {
      promise.catch(ignore);
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const abandon = (reason: unknown): void => {
        promise.catch(ignore);
        reject(reason);
      };
      this.#waiting.add(abandon);
      promise.then(
        (value) => {
          this.#waiting.delete(abandon);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiting.delete(abandon);
          reject(error);
        },
      );
    });
  }

  /** Stops listening; promises still followed are left to settle on their own. */
  dispose(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#waiting.clear();
  }
}

function ignore(): void {}
