/**
 * QgaPool: many guests at once, each with at most one connection, reused while it is
 * busy, closed when idle, never more than `maxConnections` open; one guest's failure or
 * hang never delays the others.
 * @module
 */
import { setMaxListeners } from 'node:events';
import { QgaClient } from '../client/qga-client.js';
import { resolveConnectOptions, type ConnectOptions } from '../client/connect-options.js';
import { withRetries } from '../client/retry-policy.js';
import { QgaConnectionError, QgaTimeoutError } from '../errors.js';
import { ConnectionSlots } from './connection-slots.js';
import { runEach, type EachResults, type SettledResult } from './each.js';
import { GuestEntry, type PendingConnect, type PoolGuestStatus } from './guest-entry.js';
import { checkEachOptions, checkUseOptions, resolvePoolOptions, type EachOptions, type QgaPoolOptions, type ResolvedPoolOptions, type UseOptions } from './pool-options.js';
import { abortable, workSignal } from '../abortable.js';
import { AbortFollower } from './abort-follower.js';

/** What a work function gets besides the client. */
export interface PoolWorkContext {
  /** Aborts when the work is abandoned (caller's signal, its timeout, the pool closing). */
  signal: AbortSignal;
}

/** The work `use` and `each` run on one guest's client. */
export type PoolWork<T> = (client: QgaClient, id: string, context: PoolWorkContext) => T | Promise<T>;

export type { EachResults, SettledResult };

/**
 * Many guests behind one object: lazy connects, one connection per guest reused, idle ones
 * closed, a cap on open connections, per-guest timeouts, and guests that keep failing
 * marked `down` and retried later. Works with every channel: `add` takes any
 * `ConnectOptions`.
 *
 * @example
 * ```ts
 * import { QgaPool } from 'qga-client';
 *
 * await using pool = new QgaPool({ maxConnections: 64, idleTimeout: 30_000 });
 * for (const vm of ['vm1', 'vm2', 'vm3']) pool.add(vm, { path: `/run/qga/${vm}.sock` });
 * const kernels = await pool.each(pool.ids(), (client) => client.exec(['uname', '-r']), { concurrency: 16 });
 * for (const [id, result] of kernels) console.log(id, result.status === 'fulfilled' ? result.value.stdout.trim() : result.reason);
 * ```
 */
export class QgaPool implements AsyncDisposable {
  readonly #options: ResolvedPoolOptions;
  readonly #guests = new Map<string, GuestEntry>();
  readonly #slots: ConnectionSlots;
  /** Aborts everything in flight when the pool closes. */
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;
  /** Connections being closed and connects being given up: `close()` waits for them. */
  readonly #settling = new Set<Promise<unknown>>();

  /**
   * @example
   * ```ts
   * const pool = new QgaPool({ maxConnections: 50, timeout: 60_000, defaults: { timeout: 3_000 } });
   * ```
   */
  constructor(options?: QgaPoolOptions) {
    this.#options = resolvePoolOptions(options);
    // Every piece of work in flight listens for the pool closing: hundreds, by design.
    setMaxListeners(0, this.#closing.signal);
    this.#slots = new ConnectionSlots(this.#options.maxConnections, () => this.#evictIdle());
  }

  /** Connections open or being opened right now. */
  get openConnections(): number {
    return this.#slots.taken;
  }

  /**
   * Adds a guest under `id` with the options to reach it (any channel). Nothing connects
   * until work for it arrives. Throws `TypeError` for a bad or duplicate id or bad options.
   *
   * @example
   * ```ts
   * pool.add('vm1', { path: '/run/qga/vm1.sock' });
   * pool.add('vm2', { libvirt: { domain: 'vm2' } });
   * ```
   */
  add(id: string, options: ConnectOptions): this {
    this.#assertOpen();
    if (typeof id !== 'string' || id === '') throw new TypeError('QgaPool.add: id must be a non-empty string');
    if (this.#guests.has(id)) throw new TypeError(`QgaPool.add: '${id}' is already in the pool (remove it first)`);
    if (typeof options !== 'object' || options === null) throw new TypeError(`QgaPool.add: options of '${id}' must be an object`);
    if (options.signal !== undefined) throw new TypeError(`QgaPool.add: options of '${id}' must not carry a signal (pass one to use or each)`);
    const merged = { ...this.#options.defaults, ...options };
    resolveConnectOptions(merged);
    this.#guests.set(id, new GuestEntry(id, merged));
    return this;
  }

  /**
   * Removes a guest and closes its connection; work running on it fails with
   * `QgaConnectionError`. False when the id was not in the pool.
   *
   * @example
   * ```ts
   * await pool.remove('vm1');
   * ```
   */
  async remove(id: string): Promise<boolean> {
    const entry = this.#guests.get(id);
    if (!entry) return false;
    this.#guests.delete(id);
    entry.connecting?.abort.abort(new QgaConnectionError(`${id}: removed from the pool`));
    await this.#closeClient(entry);
    return true;
  }

  /**
   * The ids in the pool, in the order they were added.
   *
   * @example
   * ```ts
   * await pool.each(pool.ids(), (client) => client.ping());
   * ```
   */
  ids(): string[] {
    return [...this.#guests.keys()];
  }

  /**
   * A guest's state: `idle`, `connecting`, `connected`, `busy` or `down`, with its last
   * error and when it last answered. Throws `TypeError` for an id not in the pool.
   *
   * @example
   * ```ts
   * const { state, lastError } = pool.status('vm1');
   * ```
   */
  status(id: string): PoolGuestStatus {
    return this.#entry('QgaPool.status', id).status(this.#options.downAfter);
  }

  /**
   * Runs `fn` with the guest's client (connecting it first, or reusing its connection) and
   * resolves with what `fn` returns. A guest marked `down` rejects at once with its last
   * error until `retryDownAfter` passed. Past `timeout`, or when `signal` aborts, the work
   * rejects at once and the guest's connection is closed, so the abandoned work cannot
   * hold it.
   *
   * @example
   * ```ts
   * const os = await pool.use('vm1', (client) => client.guestGetOsinfo(), { timeout: 10_000 });
   * ```
   */
  async use<T>(id: string, fn: PoolWork<T>, options?: UseOptions): Promise<T> {
    const opts = checkUseOptions('QgaPool.use', options);
    if (typeof fn !== 'function') throw new TypeError('QgaPool.use: fn must be a function');
    const entry = this.#entry('QgaPool.use', id);
    this.#assertOpen();
    return this.#runBounded(entry, fn, opts.timeout ?? this.#options.timeout, opts.signal);
  }

  /** One piece of work with a signal and timer of its own: `timeout`, the caller's `signal`, the pool's close. */
  async #runBounded<T>(entry: GuestEntry, fn: PoolWork<T>, timeout: number | undefined, callerSignal: AbortSignal | undefined): Promise<T> {
    const { id } = entry;
    const work = workSignal([callerSignal, this.#closing.signal], timeout, () => new QgaTimeoutError(`pool.use(${id})`, timeout!, `${id}: the work did not finish within ${timeout} ms`));
    try {
      return await this.#run(entry, fn, work.signal, callerSignal, (promise) => abortable(promise, work.signal));
    } finally {
      work.dispose();
    }
  }

  /**
   * One piece of work on one guest, abandoned when `signal` aborts (`follow` rejects then).
   * An abort by `callerSignal` is the caller's choice, not the guest's failure.
   */
  async #run<T>(entry: GuestEntry, fn: PoolWork<T>, signal: AbortSignal, callerSignal: AbortSignal | undefined, follow: <R>(promise: Promise<R>) => Promise<R>): Promise<T> {
    this.#refuseIfDown(entry);
    entry.users += 1;
    try {
      const result = await follow(this.#work(entry, fn, signal));
      entry.succeeded(Date.now());
      return result;
    } catch (error) {
      // Abandoned while running: the work may still hold the client's queue.
      if (signal.aborted) void this.#closeClient(entry);
      if (error !== callerSignal?.reason) entry.failed(error, Date.now(), this.#options.retryDownAfter, this.#options.downAfter);
      throw error;
    } finally {
      entry.users -= 1;
      if (entry.users === 0) this.#becameIdle(entry);
    }
  }

  /** `fn` on the guest's client; not async, so work on an open connection costs no extra promise. */
  #work<T>(entry: GuestEntry, fn: PoolWork<T>, signal: AbortSignal): Promise<T> {
    const open = entry.client;
    if (open === undefined || open.closed) return this.#clientFor(entry, signal).then((client) => fn(client, entry.id, { signal }));
    try {
      // The work's own promise when it returns one (Promise.resolve hands a native one back as it is).
      return Promise.resolve(fn(open, entry.id, { signal }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs `fn` on every guest of `ids`, `concurrency` at a time, and resolves once every one
   * settled (like `Promise.allSettled`) with a Map in the order of `ids`. `signal` settles
   * the rest at once as rejected with its reason. `onProgress` gets done / failed / total /
   * in flight after each guest.
   *
   * @example
   * ```ts
   * const results = await pool.each(pool.ids(), (client) => client.guestGetHostName(), { concurrency: 32, timeout: 15_000 });
   * const failed = [...results].filter(([, r]) => r.status === 'rejected').map(([id]) => id);
   * ```
   */
  each<T>(ids: Iterable<string>, fn: PoolWork<T>, options?: EachOptions): Promise<EachResults<T>> {
    const opts = checkEachOptions(options);
    if (typeof fn !== 'function') throw new TypeError('QgaPool.each: fn must be a function');
    const list = [...ids];
    const seen = new Set<string>();
    for (const id of list) {
      this.#entry('QgaPool.each', id);
      if (seen.has(id)) throw new TypeError(`QgaPool.each: '${id}' is listed twice`);
      seen.add(id);
    }
    this.#assertOpen();
    // One signal and one listener for the whole run, however many guests are in flight.
    const run = workSignal([opts.signal, this.#closing.signal]);
    setMaxListeners(0, run.signal);
    const timeout = opts.timeout ?? this.#options.timeout;
    // Without a per-guest timer, every guest's work shares the run's signal and its one listener.
    const follower = timeout === undefined ? new AbortFollower(run.signal) : undefined;
    const follow = <R>(promise: Promise<R>): Promise<R> => follower!.follow(promise);
    const work = (id: string): Promise<T> => {
      const entry = this.#entry('QgaPool.each', id);
      return follower ? this.#run(entry, fn, run.signal, run.signal, follow) : this.#runBounded(entry, fn, timeout, run.signal);
    };
    const settled = runEach(list, work, { ...opts, signal: run.signal });
    const done = (): void => {
      follower?.dispose();
      run.dispose();
    };
    settled.then(done, done);
    return settled;
  }

  /**
   * Closes every connection; work in flight rejects with `QgaConnectionError`, and so does
   * later work. Idempotent.
   *
   * @example
   * ```ts
   * await pool.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new QgaConnectionError('the pool was closed'));
      for (const entry of this.#guests.values()) void this.#closeClient(entry);
      // Closes started earlier (abandoned work, evictions) and connects now giving up.
      while (this.#settling.size > 0) await Promise.allSettled([...this.#settling]);
    })();
    return this.#closed;
  }

  /** `await using pool = new QgaPool()` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #entry(what: string, id: string): GuestEntry {
    const entry = this.#guests.get(id);
    if (!entry) throw new TypeError(`${what}: no guest '${String(id)}' in the pool`);
    return entry;
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw new QgaConnectionError('the pool is closed');
  }

  #refuseIfDown(entry: GuestEntry): void {
    if (!entry.isDown(this.#options.downAfter)) return;
    const now = Date.now();
    if (now >= entry.retryAt) return;
    const last = entry.lastError;
    throw new QgaConnectionError(
      `${entry.id}: down after ${entry.failures} failures in a row; tried again in ${Math.ceil(entry.retryAt - now)} ms` + (last ? `; last error: ${last.message}` : ''),
      last ? { cause: last } : undefined,
    );
  }

  /** The guest's open client, or a connect shared by everyone who waits for it. */
  async #clientFor(entry: GuestEntry, signal: AbortSignal): Promise<QgaClient> {
    if (entry.client && !entry.client.closed) return entry.client;
    const pending = (entry.connecting ??= this.#connect(entry));
    pending.interested += 1;
    try {
      return await abortable(pending.promise, signal);
    } finally {
      pending.interested -= 1;
      // Nobody waits any more: stop waiting for a slot or connecting.
      if (pending.interested === 0 && entry.connecting === pending) pending.abort.abort(signal.reason);
    }
  }

  #connect(entry: GuestEntry): PendingConnect {
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.#closing.signal]);
    const pending: PendingConnect = { interested: 0, abort, promise: undefined as unknown as Promise<QgaClient> };
    pending.promise = (async () => {
      try {
        await this.#slots.acquire(signal);
        let client: QgaClient;
        try {
          const connect = (): Promise<QgaClient> => QgaClient.connect({ ...entry.options, signal });
          const retry = this.#options.retry;
          // Connecting changes nothing in the guest: always safe to try again.
          client = await (retry ? withRetries(retry, connect, { signal, canRetry: () => !signal.aborted, onRetry: () => undefined }) : connect());
        } catch (error) {
          this.#slots.release();
          throw error;
        }
        this.#adopt(entry, client);
        if (signal.aborted) {
          await this.#closeClient(entry);
          throw signal.reason;
        }
        return client;
      } finally {
        if (entry.connecting === pending) entry.connecting = undefined;
      }
    })();
    // Whoever waits sees the outcome; a connect nobody waits for any more must not be unhandled.
    pending.promise.catch(() => undefined);
    void this.#track(pending.promise);
    return pending;
  }

  /** The client is the guest's until it closes; its slot comes back exactly once. */
  #adopt(entry: GuestEntry, client: QgaClient): void {
    entry.client = client;
    client.once('close', () => {
      if (entry.client === client) {
        entry.client = undefined;
        entry.clearIdleTimer();
      }
      this.#slots.release();
    });
  }

  #becameIdle(entry: GuestEntry): void {
    if (!entry.client) return;
    entry.idleSince = performance.now();
    // One timer per connection, left alone on every use (re-arming it each time is timer
    // list work per call): when it fires it closes a connection idle for `idleTimeout`,
    // waits out the rest for one idle for less, and leaves a busy one to its next idle
    // moment, which arms it again.
    if (!entry.idleTimer) this.#armIdleTimer(entry, this.#options.idleTimeout);
    this.#slots.pump();
  }

  #armIdleTimer(entry: GuestEntry, ms: number): void {
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (!entry.isIdle()) return;
      const left = entry.idleSince + this.#options.idleTimeout - performance.now();
      if (left > 0) this.#armIdleTimer(entry, left);
      else void this.#closeClient(entry);
    }, ms);
    // An idle connection must not keep the process alive on its own.
    entry.idleTimer.unref?.();
  }

  /** Closes the least recently used idle connection for someone waiting for a slot. */
  #evictIdle(): Promise<void> | undefined {
    let oldest: GuestEntry | undefined;
    for (const entry of this.#guests.values()) {
      if (entry.isIdle() && (!oldest || entry.idleSince < oldest.idleSince)) oldest = entry;
    }
    return oldest ? this.#closeClient(oldest) : undefined;
  }

  #closeClient(entry: GuestEntry): Promise<void> {
    const client = entry.client;
    entry.clearIdleTimer();
    if (!client) return Promise.resolve();
    entry.client = undefined;
    return this.#track(client.close());
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#settling.add(promise);
    const forget = (): void => {
      this.#settling.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }
}
