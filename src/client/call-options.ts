/**
 * Options for one call.
 *
 * @example
 * ```ts
 * await client.call('guest-fstrim', { minimum: 0 }, { timeout: 600_000, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface CallOptions {
  /** ms to wait for the reply; defaults to the client's `timeout` (or the command's own longer default). */
  timeout?: number | undefined;
  /** Abort the call; it rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}
