/**
 * Waiting that an `AbortSignal` may cut short: a promise, a pause, and the one signal a
 * piece of work gets from its parents' signals and its own timeout.
 * @module
 */

/**
 * Follows `promise`, but rejects with `signal.reason` as soon as the signal aborts (at
 * once when it already has). The promise goes on in the background; its outcome is then
 * ignored, and a later rejection of it is never reported as unhandled.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(ignore);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(ignore);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Waits `ms`, or rejects with `signal.reason` as soon as the signal aborts (at once when it
 * already has), clearing its timer. Unlike `node:timers/promises`, the rejection is the
 * signal's own reason, so callers can tell their caller's abort apart by identity.
 */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WorkSignal {
  signal: AbortSignal;
  /** Stops the timer and lets go of the parent signals. */
  dispose(this: void): void;
}

/**
 * Aborts with the first parent's reason, or with `timeoutError()` after `timeout` ms. As
 * with `AbortSignal.timeout`, the timer alone does not keep the process alive.
 */
export function workSignal(parents: readonly (AbortSignal | undefined)[], timeout?: number, timeoutError?: () => Error): WorkSignal {
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
    const timer = setTimeout(() => abort(timeoutError?.() ?? new DOMException(`no answer within ${timeout} ms`, 'TimeoutError')), timeout);
    timer.unref?.();
    cleanups.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}

function ignore(): void {}
