/**
 * One guest of a pool: its connect options, its connection (at most one), who is using
 * it, and how it has fared (failures in a row, last error, last success).
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import type { ConnectOptions } from '../client/connect-options.js';
import { QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../errors.js';

/** What a guest of the pool is doing, as {@link QgaPool.status} reports it. */
export type PoolGuestState = 'idle' | 'connecting' | 'connected' | 'busy' | 'down';

/**
 * A guest's state in the pool.
 *
 * @example
 * ```ts
 * const { state, lastError, lastSeen } = pool.status('vm1');
 * if (state === 'down') console.warn(`vm1 down since ${new Date(lastSeen ?? 0).toISOString()}: ${lastError?.message}`);
 * ```
 */
export interface PoolGuestStatus {
  /**
   * `idle`: no connection open; `connecting`; `connected`: open, unused; `busy`: work is
   * running on it; `down`: it failed `downAfter` times in a row and is left alone for a while.
   */
  state: PoolGuestState;
  /** The error of the last failed piece of work on this guest. */
  lastError?: Error | undefined;
  /** Epoch ms of the last piece of work on this guest that succeeded. */
  lastSeen?: number | undefined;
  /** Failures in a row (connection lost or refused, timeouts, unusable replies). */
  failures: number;
}

/** A pending connect shared by everyone who waits for it; aborted when nobody does any more. */
export interface PendingConnect {
  promise: Promise<QgaClient>;
  interested: number;
  abort: AbortController;
}

export class GuestEntry {
  readonly id: string;
  readonly options: ConnectOptions;
  client: QgaClient | undefined;
  connecting: PendingConnect | undefined;
  /** Pieces of work running on this guest now. */
  users = 0;
  failures = 0;
  lastError: Error | undefined;
  lastSeen: number | undefined;
  /** Epoch ms before which a down guest is not tried again. */
  retryAt = 0;
  /** Epoch ms the connection became idle (for closing the least recently used first). */
  idleSince = 0;
  idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(id: string, options: ConnectOptions) {
    this.id = id;
    this.options = options;
  }

  isDown(downAfter: number): boolean {
    return this.failures >= downAfter;
  }

  status(downAfter: number): PoolGuestStatus {
    const state: PoolGuestState = this.isDown(downAfter)
      ? 'down'
      : this.connecting
        ? 'connecting'
        : this.client
          ? this.users > 0
            ? 'busy'
            : 'connected'
          : 'idle';
    return { state, lastError: this.lastError, lastSeen: this.lastSeen, failures: this.failures };
  }

  /** An open connection nobody uses: the pool may close it to make room. */
  isIdle(): boolean {
    return this.client !== undefined && this.users === 0 && this.connecting === undefined;
  }

  succeeded(now: number): void {
    this.failures = 0;
    this.lastSeen = now;
  }

  /** Records a failed piece of work; only trouble reaching the guest counts towards `down`. */
  failed(error: unknown, now: number, retryDownAfter: number, downAfter: number): void {
    if (!isGuestTrouble(error)) return;
    this.failures += 1;
    this.lastError = error;
    if (this.isDown(downAfter)) this.retryAt = now + retryDownAfter;
  }

  clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/**
 * The errors that say the guest could not be reached or did not answer usably. An agent's
 * error reply (`QgaCommandError`) means it answered; a caller's abort or a bug in the work
 * function says nothing about the guest.
 */
export function isGuestTrouble(error: unknown): error is Error {
  return error instanceof QgaConnectionError || error instanceof QgaTimeoutError || error instanceof QgaProtocolError;
}
