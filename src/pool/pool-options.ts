/**
 * Options of {@link QgaPool} and of its `use` / `each`, their defaults and validation.
 * @module
 */
import type { ConnectOptions } from '../client/connect-options.js';
import { checkOptions } from '../check-options.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from '../client/retry-policy.js';

/**
 * Options of `new QgaPool(options)`.
 *
 * @example
 * ```ts
 * const pool = new QgaPool({ maxConnections: 50, idleTimeout: 10_000, timeout: 60_000, defaults: { timeout: 3_000 } });
 * ```
 */
export interface QgaPoolOptions {
  /**
   * Connections open (or opening) at most, over all guests. Work for a guest without a
   * connection waits for a slot; an idle connection is closed to make room. Default 64.
   */
  maxConnections?: number | undefined;
  /** ms a connection may sit unused before the pool closes it. Default 30000. */
  idleTimeout?: number | undefined;
  /**
   * ms one `use` (or one guest's turn in `each`) may take, connecting included; past it
   * the work rejects with `QgaTimeoutError` and the guest's connection is closed, so a hung
   * guest fails alone. Default: none (each call still has its own timeout).
   */
  timeout?: number | undefined;
  /** Consecutive connection failures or timeouts after which a guest is marked `down`. Default 3. */
  downAfter?: number | undefined;
  /**
   * ms a `down` guest is left alone: work for it rejects at once with its last error, then
   * one attempt is let through again. Default 30000.
   */
  retryDownAfter?: number | undefined;
  /**
   * Retry passing failures, `true` for the defaults: a guest's connect is tried again, and
   * its clients get this as their `retry` option (idempotent commands only; see
   * `ConnectOptions.retry`) unless their own options say otherwise. Default: off.
   */
  retry?: boolean | RetryOptions | undefined;
  /** Connect options every guest gets unless its own `add()` options say otherwise. */
  defaults?: Partial<Omit<ConnectOptions, 'path' | 'host' | 'port' | 'transport' | 'libvirt' | 'proxmox' | 'signal'>> | undefined;
}

/** {@link QgaPoolOptions} after defaults. */
export interface ResolvedPoolOptions {
  maxConnections: number;
  idleTimeout: number;
  timeout: number | undefined;
  downAfter: number;
  retryDownAfter: number;
  retry: RetryPolicy | undefined;
  defaults: Record<string, unknown>;
}

/**
 * Options of {@link QgaPool.use}.
 *
 * @example
 * ```ts
 * await pool.use('vm1', (client) => client.ping(), { timeout: 2_000, signal });
 * ```
 */
export interface UseOptions {
  /** ms for this piece of work, connecting included (defaults to the pool's `timeout`). */
  timeout?: number | undefined;
  /** Abandons the work: it rejects with `signal.reason` and the guest's connection is closed. */
  signal?: AbortSignal | undefined;
}

/** Reported to `onProgress` of {@link QgaPool.each} whenever a guest settles. */
export interface EachProgress {
  /** Guests settled so far, failed ones included. */
  done: number;
  /** Guests whose work rejected so far. */
  failed: number;
  /** Guests in all. */
  total: number;
  /** Guests being worked on right now. */
  inFlight: number;
  /** The guest that just settled. */
  id: string;
}

/**
 * Options of {@link QgaPool.each}.
 *
 * @example
 * ```ts
 * await pool.each(pool.ids(), (client) => client.ping(), {
 *   concurrency: 32,
 *   signal: AbortSignal.timeout(60_000),
 *   onProgress: ({ done, total, failed }) => process.stderr.write(`\r${done}/${total} (${failed} failed)`),
 * });
 * ```
 */
export interface EachOptions extends UseOptions {
  /** Guests worked on at once. Default 16. */
  concurrency?: number | undefined;
  /** Called after each guest settled. Exceptions it throws are ignored. */
  onProgress?: ((progress: EachProgress) => void) | undefined;
}

const POOL_KEYS: ReadonlySet<string> = new Set(['maxConnections', 'idleTimeout', 'timeout', 'downAfter', 'retryDownAfter', 'retry', 'defaults']);
const USE_KEYS: ReadonlySet<string> = new Set(['timeout', 'signal']);
const EACH_KEYS: ReadonlySet<string> = new Set([...USE_KEYS, 'concurrency', 'onProgress']);

export function resolvePoolOptions(options: QgaPoolOptions | undefined): ResolvedPoolOptions {
  const o = checkOptions('QgaPool', options, POOL_KEYS);
  if (o.defaults !== undefined && (typeof o.defaults !== 'object' || o.defaults === null)) throw new TypeError('QgaPool: defaults must be an object of connect options');
  return {
    maxConnections: positiveInteger('QgaPool: maxConnections', o.maxConnections, 64),
    idleTimeout: positiveMs('QgaPool: idleTimeout', o.idleTimeout) ?? 30_000,
    timeout: positiveMs('QgaPool: timeout', o.timeout),
    downAfter: positiveInteger('QgaPool: downAfter', o.downAfter, 3),
    retryDownAfter: positiveMs('QgaPool: retryDownAfter', o.retryDownAfter) ?? 30_000,
    retry: resolveRetry(o.retry),
    defaults: { ...(o.retry === undefined ? {} : { retry: o.retry }), ...(o.defaults ?? {}) },
  };
}

export function checkUseOptions(what: string, options: UseOptions | undefined): UseOptions {
  const o = checkOptions(what, options, USE_KEYS);
  positiveMs(`${what}: timeout`, o.timeout);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`${what}: signal must be an AbortSignal`);
  return o;
}

export function checkEachOptions(options: EachOptions | undefined): EachOptions & { concurrency: number } {
  const o = checkOptions('QgaPool.each', options, EACH_KEYS);
  checkUseOptions('QgaPool.each', { timeout: o.timeout, signal: o.signal });
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('QgaPool.each: onProgress must be a function');
  return { ...o, concurrency: positiveInteger('QgaPool.each: concurrency', o.concurrency, 16) };
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function positiveMs(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new TypeError(`${name} must be a positive finite number of ms, got ${String(value)}`);
  return value;
}
