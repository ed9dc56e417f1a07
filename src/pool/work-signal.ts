/**
 * The signal of one piece of pool work: the caller's signal, the pool closing, and the
 * work's own timeout, in one; and a way to stop waiting for a promise when it aborts.
 * @module
 */

export interface WorkSignal {
  signal: AbortSignal;
  /** Stops the timer and lets go of the parent signals. */
  dispose(this: void): void;
}

/** Aborts with the first parent's reason, or with `timeoutError()` after `timeout` ms. */
export function workSignal(parents: readonly (AbortSignal | undefined)[], timeout: number | undefined, timeoutError: () => Error): WorkSignal {
  const controller = new AbortController();
  const abort = (reason: unknown): void => controller.abort(reason);
  const cleanups: (() => void)[] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = (): void => abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  if (timeout !== undefined && !controller.signal.aborted) {
    const timer = setTimeout(() => abort(timeoutError()), timeout);
    cleanups.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}

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
