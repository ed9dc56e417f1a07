/**
 * `withFrozenFilesystems`: freeze, run, always thaw.
 *
 * Linux has no automatic thaw (AGENT-BEHAVIOUR §7): a guest left frozen blocks every
 * writer until someone thaws it, and its agent even ignores SIGTERM meanwhile. So the thaw
 * is sent on every path that may have frozen something: after `fn` resolves, throws, runs
 * past `timeout`, or the caller aborts; and after a freeze call that timed out or was
 * aborted, since the agent may have completed it anyway (the thaw is queued behind it).
 * @module
 */
import { checkOptions } from '../client/check-options.js';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError, QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import { stillFrozenError } from './freeze-errors.js';
import { checkWireString } from './wire-string.js';

/**
 * Options of `withFrozenFilesystems`.
 *
 * @example
 * ```ts
 * await client.withFrozenFilesystems(({ signal }) => takeSnapshot({ signal }), {
 *   mountpoints: ['/var/lib/postgresql'],
 *   timeout: 30_000, // never keep the guest frozen longer than this
 * });
 * ```
 */
export interface FreezeOptions {
  /**
   * Freeze only these mount points (`guest-fsfreeze-freeze-list`); default all
   * (`guest-fsfreeze-freeze`). The agent silently ignores mount points it does not know.
   */
  mountpoints?: readonly string[] | undefined;
  /**
   * Longest time in ms `fn` may keep the filesystems frozen. When it passes, the
   * filesystems are thawed and the call rejects with `QgaTimeoutError` (`fn` is told
   * through its `signal`). Default: no limit. The freeze and thaw calls themselves have
   * the client's long defaults for these commands (60 s).
   */
  timeout?: number | undefined;
  /**
   * Abort: stops waiting for the freeze or for `fn`, thaws, and rejects with
   * `signal.reason`. The thaw itself is never aborted.
   */
  signal?: AbortSignal | undefined;
}

const FREEZE_KEYS: ReadonlySet<string> = new Set(['mountpoints', 'timeout', 'signal']);

/** What `fn` receives while the filesystems are frozen. */
export interface FrozenContext {
  /** Number of filesystems the agent froze. */
  frozen: number;
  /** Aborted when the caller aborts or `timeout` passes: stop work, the thaw is coming. */
  signal: AbortSignal;
}

/** The outcome of `withFrozenFilesystems`. */
export interface FreezeResult<T> {
  /** What `fn` returned. */
  result: T;
  /** Filesystems frozen (the agent's count). */
  frozen: number;
  /** Filesystems thawed (the agent's count; 0 when nothing was frozen). */
  thawed: number;
}

/**
 * Freeze the guest's filesystems, run `fn`, and thaw them again, whatever happens.
 *
 * Before freezing, `guest-fsfreeze-status` is asked: a guest that is already frozen (by
 * another client, or a freeze never thawed) is refused with a `QgaCommandError` rather than
 * frozen "again" and then thawed under the other freezer's feet.
 *
 * While frozen the agent runs only `guest-ping`, `guest-info`, `guest-sync`,
 * `guest-sync-delimited`, `guest-fsfreeze-status` and `guest-fsfreeze-thaw`: any other call
 * made inside `fn` (exec, files, …) fails at once with the agent's `CommandNotFound` error
 * (`… has been disabled: the agent is in frozen state`, 9.1+ `…: the command is not
 * allowed`), not with a hang.
 *
 * If the freeze froze nothing (`0`), the agent has already left frozen mode: `fn` still
 * runs and no thaw is sent.
 *
 * @example
 * ```ts
 * const { result, frozen, thawed } = await withFrozenFilesystems(client, async ({ signal }) => {
 *   return takeDiskSnapshot({ signal }); // host-side work while the guest's disks are consistent
 * }, { timeout: 30_000 });
 * ```
 */
export async function withFrozenFilesystems<T>(
  client: QgaClient,
  fn: (context: FrozenContext) => T | Promise<T>,
  options: FreezeOptions = {},
): Promise<FreezeResult<T>> {
  if (typeof fn !== 'function') throw new TypeError('withFrozenFilesystems: fn must be a function');
  const { mountpoints, timeout, signal } = checkOptions('withFrozenFilesystems', options, FREEZE_KEYS);
  const list: readonly unknown[] | undefined = mountpoints;
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0 || list.some((m) => typeof m !== 'string' || m === '')) {
      throw new TypeError('withFrozenFilesystems: mountpoints must be a non-empty array of paths (omit it to freeze all)');
    }
    list.forEach((m, i) => checkWireString('withFrozenFilesystems', `mountpoints[${i}]`, m));
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new TypeError(`withFrozenFilesystems: timeout must be a positive finite number of ms, got ${String(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('withFrozenFilesystems: signal must be an AbortSignal');
  signal?.throwIfAborted();

  const freezeCommand = mountpoints ? 'guest-fsfreeze-freeze-list' : 'guest-fsfreeze-freeze';
  const status = await client.call('guest-fsfreeze-status', undefined, signal ? { signal } : {});
  if (status === 'frozen') {
    throw new QgaCommandError(
      freezeCommand,
      'GenericError',
      'the guest filesystems are already frozen (guest-fsfreeze-status); not freezing again, and not thawing a freeze this call did not make',
    );
  }

  let frozen: number;
  try {
    frozen = mountpoints
      ? await client.call('guest-fsfreeze-freeze-list', { mountpoints: Array.from(mountpoints) }, signal ? { signal } : {})
      : await client.call('guest-fsfreeze-freeze', undefined, signal ? { signal } : {});
  } catch (error) {
    // The agent answered with an error: it thawed whatever it had frozen itself, and a
    // "frozen state" refusal means someone else froze first. Anything else (timeout,
    // abort) leaves the outcome unknown: thaw to be safe.
    if (error instanceof QgaCommandError) throw error;
    try {
      await thaw(client);
    } catch (thawError) {
      throw stillFrozenError(thawError, { what: `the ${freezeCommand} call (its outcome is unknown)`, error });
    }
    throw error;
  }

  if (frozen === 0) {
    const result = await fn({ frozen, signal: signal ?? new AbortController().signal });
    return { result, frozen, thawed: 0 };
  }

  const work = new AbortController();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await runBounded(() => fn({ frozen, signal: work.signal }), work, freezeCommand, timeout, signal) };
  } catch (error) {
    outcome = { ok: false, error };
  }

  let thawed: number;
  try {
    thawed = await thaw(client);
  } catch (thawError) {
    throw outcome.ok ? stillFrozenError(thawError) : stillFrozenError(thawError, { what: 'fn', error: outcome.error });
  }
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.value, frozen, thawed };
}

/** Never takes the caller's signal: the thaw must go out even after an abort. */
function thaw(client: QgaClient): Promise<number> {
  return client.call('guest-fsfreeze-thaw');
}

/**
 * Runs `fn` until it settles, `timeout` passes or `signal` aborts, whichever comes first;
 * in the latter two cases `work` is aborted so `fn` can stop.
 */
function runBounded<T>(fn: () => T | Promise<T>, work: AbortController, command: string, timeout: number | undefined, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (reason: unknown): void => {
      cleanup();
      work.abort(reason);
      reject(reason);
    };
    const onAbort = (): void => stop(signal?.reason);
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (timeout !== undefined) {
      timer = setTimeout(() => stop(new QgaTimeoutError(command, timeout, `withFrozenFilesystems: fn kept the filesystems frozen longer than ${formatMs(timeout)} ms; thawed`)), timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(fn)
      .then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
  });
}
