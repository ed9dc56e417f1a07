/**
 * The opt-in `retry` policy: a call that failed for a passing reason (no reply in time, the
 * connection lost, the manager busy) is sent again, a few times, with a growing pause, but
 * only when its command is idempotent (`QGA_COMMANDS[name].idempotent`, a reviewed table:
 * reads only). A command that changes the guest is never sent twice: its first attempt may
 * have run.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QgaConnectionError, QgaTimeoutError } from '../errors.js';
import { checkOptions } from '../check-options.js';

/**
 * The `retry` connect option (and the pool's): `true` for the defaults.
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({ path, retry: { retries: 3, delay: 200 } });
 * client.on('retry', ({ command, attempt, error }) => console.warn(`${command}: attempt ${attempt} after ${error.message}`));
 * ```
 */
export interface RetryOptions {
  /** Attempts after the first. Default 2. */
  retries?: number | undefined;
  /** ms before the first retry; doubles each time. Default 100. */
  delay?: number | undefined;
  /** Longest pause between attempts, in ms. Default 2000. */
  maxDelay?: number | undefined;
}

/** {@link RetryOptions} after defaults. */
export interface RetryPolicy {
  retries: number;
  delay: number;
  maxDelay: number;
}

const RETRY_KEYS: ReadonlySet<string> = new Set(['retries', 'delay', 'maxDelay']);

export function resolveRetry(value: unknown): RetryPolicy | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { retries: 2, delay: 100, maxDelay: 2_000 };
  if (typeof value !== 'object' || value === null) throw new TypeError(`retry must be a boolean or { retries, delay, maxDelay }, got ${String(value)}`);
  const o = checkOptions('retry', value as RetryOptions, RETRY_KEYS);
  if (o.retries !== undefined && (!Number.isInteger(o.retries) || o.retries < 0)) throw new TypeError(`retry.retries must be a non-negative integer, got ${String(o.retries)}`);
  for (const key of ['delay', 'maxDelay'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new TypeError(`retry.${key} must be a non-negative number of ms, got ${String(v)}`);
  }
  return { retries: o.retries ?? 2, delay: o.delay ?? 100, maxDelay: o.maxDelay ?? 2_000 };
}

/**
 * A failure that may pass: no reply in time (also Proxmox's 596, libvirt's lock held by
 * another caller) or the connection lost or refused. An agent's error reply, a bad
 * argument or an abort are final.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof QgaTimeoutError || error instanceof QgaConnectionError;
}

/** Payload of the client's `retry` event. */
export interface RetryEvent {
  /** Wire name of the command sent again. */
  command: string;
  /** 2 for the first retry. */
  attempt: number;
  /** Why the previous attempt failed. */
  error: Error;
  /** ms waited before this attempt. */
  delay: number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the policy's retries are used up.
 * `canRetry` is asked before each retry (the client closed, the caller aborted: stop).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  hooks: { canRetry(): boolean; signal?: AbortSignal | undefined; onRetry(attempt: number, error: Error, delay: number): void },
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries > policy.retries || !isTransient(error) || !hooks.canRetry() || hooks.signal?.aborted) throw error;
      const delay = Math.min(policy.delay * 2 ** (tries - 1), policy.maxDelay);
      hooks.onRetry(tries + 1, error as Error, delay);
      try {
        await sleep(delay, undefined, hooks.signal ? { signal: hooks.signal } : undefined);
      } catch {
        // Aborted while waiting: like every abort, with the signal's own reason.
        throw hooks.signal?.reason;
      }
      if (!hooks.canRetry()) throw error;
    }
  }
}
