/**
 * `withFrozenFilesystems`: freeze, run, always thaw.
 *
 * Linux has no automatic thaw: a guest left frozen blocks every
 * writer until someone thaws it, and its agent even ignores SIGTERM meanwhile. So the thaw
 * is sent on every path that may have frozen something: after `fn` resolves, throws, runs
 * past `timeout`, or the caller aborts; and after a freeze call that timed out or was
 * aborted, since the agent may have completed it anyway (the thaw is queued behind it).
 *
 * Windows freezes through VSS (`qga/vss-win32/requester.cpp`), which differs twice: the
 * agent waits up to 60 s for the provider's "frozen" event, so the freeze call gets
 * longer than that; and Windows holds writes for at most 10 s, after which the status
 * still says `frozen` and the thaw fails with `couldn't hold writes: fsfreeze is limited
 * up to 10 seconds` — though the agent is thawed. That thaw error becomes
 * {@link QgaFreezeWindowError} (the snapshot may be inconsistent), not a failed thaw.
 * @module
 */
import { checkOptions } from '../check-options.js';
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError, QgaFreezeWindowError, QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import { windowsMountpoint } from '../guest-os/windows-paths.js';
import { stillFrozenError } from './freeze-errors.js';
import { guestFamily } from './guest-os.js';
import { checkWireString } from './wire-string.js';

/** How long Windows (VSS) holds writes once frozen. */
export const VSS_WRITE_HOLD_MS = 10_000;
/**
 * The freeze call's default on a Windows guest: the agent waits up to 60 s for VSS's
 * frozen event, after gathering writer metadata and preparing the backup.
 */
export const WINDOWS_FREEZE_TIMEOUT = 90_000;
/** Part of the thaw error of a VSS freeze held past its window (`qga/commands-win32.c`). */
const WINDOW_OVERRUN_TEXT = 'fsfreeze is limited up to';

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
   * (`guest-fsfreeze-freeze`). A Linux agent silently ignores mount points it does not
   * know; a Windows agent fails the whole freeze for one unknown volume, and takes
   * volumes as `C:\\` (`c:` and `C:/` are rewritten so) or `\\\\?\\Volume{…}\\`, ASCII only.
   */
  mountpoints?: readonly string[] | undefined;
  /**
   * ms the freeze call itself may take. Default 60 s, 90 s on Windows guests (the agent
   * waits up to 60 s for VSS to freeze).
   */
  freezeTimeout?: number | undefined;
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

const FREEZE_KEYS: ReadonlySet<string> = new Set(['mountpoints', 'timeout', 'signal', 'freezeTimeout']);

/** What `fn` receives while the filesystems are frozen. */
export interface FrozenContext {
  /** Number of filesystems the agent froze. */
  frozen: number;
  /** Aborted when the caller aborts or `timeout` passes: stop work, the thaw is coming. */
  signal: AbortSignal;
  /**
   * ms the guest holds writes for from the freeze on: 10 000 on Windows (VSS), after
   * which a snapshot is no longer guaranteed consistent; `undefined` on Linux, which
   * holds them until the thaw.
   */
  window: number | undefined;
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
 * On a Windows guest, `fn` has 10 s (`context.window`): past that, VSS has let writes
 * through, and the call rejects with {@link QgaFreezeWindowError} carrying `fn`'s result
 * (the agent is thawed all the same).
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
  const { timeout, signal, freezeTimeout } = checkOptions('withFrozenFilesystems', options, FREEZE_KEYS);
  let { mountpoints } = options;
  const list: readonly unknown[] | undefined = mountpoints;
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0 || list.some((m) => typeof m !== 'string' || m === '')) {
      throw new TypeError('withFrozenFilesystems: mountpoints must be a non-empty array of paths (omit it to freeze all)');
    }
    list.forEach((m, i) => checkWireString('withFrozenFilesystems', `mountpoints[${i}]`, m));
  }
  for (const [name, value] of [['timeout', timeout], ['freezeTimeout', freezeTimeout]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new TypeError(`withFrozenFilesystems: ${name} must be a positive finite number of ms, got ${String(value)}`);
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('withFrozenFilesystems: signal must be an AbortSignal');
  signal?.throwIfAborted();

  const windows = (await guestFamily(client, signal ? { signal } : {})) === 'windows';
  if (windows && mountpoints) mountpoints = mountpoints.map(vssMountpoint);
  const window = windows ? VSS_WRITE_HOLD_MS : undefined;
  const callTimeout = freezeTimeout ?? (windows ? WINDOWS_FREEZE_TIMEOUT : undefined);
  const freezeCall = { ...(signal ? { signal } : {}), ...(callTimeout === undefined ? {} : { timeout: callTimeout }) };

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
      ? await client.call('guest-fsfreeze-freeze-list', { mountpoints: Array.from(mountpoints) }, freezeCall)
      : await client.call('guest-fsfreeze-freeze', undefined, freezeCall);
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

  const frozenAt = performance.now();
  if (frozen === 0) {
    const result = await fn({ frozen, signal: signal ?? new AbortController().signal, window: undefined });
    return { result, frozen, thawed: 0 };
  }

  const work = new AbortController();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await runBounded(() => fn({ frozen, signal: work.signal, window }), work, freezeCommand, timeout, signal) };
  } catch (error) {
    outcome = { ok: false, error };
  }

  let thawed: number;
  try {
    thawed = await thaw(client);
  } catch (thawError) {
    if (windows && thawError instanceof QgaCommandError && thawError.desc.includes(WINDOW_OVERRUN_TEXT)) {
      // The agent is thawed: only the promise of a consistent snapshot was broken.
      if (!outcome.ok) throw outcome.error;
      const elapsed = Math.round(performance.now() - frozenAt);
      throw new QgaFreezeWindowError(
        `withFrozenFilesystems: fn kept the filesystems frozen for about ${elapsed} ms; Windows (VSS) holds writes for ${VSS_WRITE_HOLD_MS} ms, so writes went through before the thaw and a snapshot taken meanwhile may be inconsistent (the guest is thawed)`,
        { result: outcome.value, frozen, window: VSS_WRITE_HOLD_MS, elapsed, cause: thawError },
      );
    }
    throw outcome.ok ? stillFrozenError(thawError) : stillFrozenError(thawError, { what: 'fn', error: outcome.error });
  }
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.value, frozen, thawed };
}

/** A mount point as VSS takes it; a non-ASCII one is refused before anything is sent. */
function vssMountpoint(mountpoint: string): string {
  const fitted = windowsMountpoint(mountpoint);
  if (fitted === undefined) {
    throw new TypeError(`withFrozenFilesystems: mount point ${JSON.stringify(mountpoint)} is not ASCII; qemu-ga for Windows converts it with mbstowcs and would freeze the wrong volume or fail (use its volume GUID path from guest-get-fsinfo)`);
  }
  return fitted;
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
