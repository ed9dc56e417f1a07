/**
 * `each`: work on many guests, a few at a time, until every one has settled.
 * @module
 */
import type { EachOptions } from './pool-options.js';

/** How one guest's work ended, as `Promise.allSettled` reports it. */
export type SettledResult<T> =
  | {
      /** The work resolved. */
      status: 'fulfilled';
      /** What it resolved to. */
      value: T;
    }
  | {
      /** The work rejected (or was never run: the pool was aborted or the guest is down). */
      status: 'rejected';
      /** Why. */
      reason: unknown;
    };

/** What `each` resolves to: every id of the call, in its order, with its outcome. */
export type EachResults<T> = Map<string, SettledResult<T>>;

/**
 * Runs `work` for each id with at most `concurrency` running; never rejects. An aborted
 * `signal` settles every id not yet started at once with its reason (running ones settle
 * through their own work, which sees the same signal).
 */
export function runEach<T>(ids: readonly string[], work: (id: string) => Promise<T>, options: EachOptions & { concurrency: number }): Promise<EachResults<T>> {
  const { concurrency, signal, onProgress } = options;
  const outcomes = new Map<string, SettledResult<T>>();
  const total = ids.length;
  let next = 0;
  let inFlight = 0;
  let failed = 0;

  return new Promise<EachResults<T>>((resolve) => {
    const finish = (): void => {
      signal?.removeEventListener('abort', onAbort);
      // In the order of `ids`, whatever order they settled in.
      resolve(new Map(ids.map((id) => [id, outcomes.get(id)!])));
    };
    const settle = (id: string, outcome: SettledResult<T>): void => {
      outcomes.set(id, outcome);
      if (outcome.status === 'rejected') failed += 1;
      try {
        onProgress?.({ done: outcomes.size, failed, total, inFlight, id });
      } catch {
        // A progress display's failure must not stop the run.
      }
      if (outcomes.size === total) finish();
    };
    const launch = (): void => {
      while (inFlight < concurrency && next < total && !signal?.aborted) {
        const id = ids[next++]!;
        inFlight += 1;
        work(id).then(
          (value) => done(id, { status: 'fulfilled', value }),
          (reason: unknown) => done(id, { status: 'rejected', reason }),
        );
      }
    };
    const done = (id: string, outcome: SettledResult<T>): void => {
      inFlight -= 1;
      settle(id, outcome);
      launch();
    };
    function onAbort(): void {
      while (next < total) settle(ids[next++]!, { status: 'rejected', reason: signal!.reason });
    }

    if (total === 0) return finish();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    launch();
  });
}
