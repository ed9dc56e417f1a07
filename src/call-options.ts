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
  /**
   * Called with the command's result if its reply arrives after the call already timed out
   * or was aborted (the call has rejected; the result still never reaches another call).
   * For undoing what the abandoned command did: close the handle a `guest-file-open`
   * returned, note the pid of a `guest-exec`. Not called for an error reply, nor when no
   * reply comes before the client's next resynchronisation. Exceptions it throws are ignored.
   *
   * @example
   * ```ts
   * await client.call('guest-file-open', { path }, {
   *   timeout: 1000,
   *   onLateReply: (handle) => void client.call('guest-file-close', { handle: handle as number }).catch(() => {}),
   * });
   * ```
   */
  onLateReply?: ((value: unknown) => void) | undefined;
}

/** The keys of {@link CallOptions}, for `checkOptions`. */
export const CALL_OPTION_KEYS: ReadonlySet<string> = new Set(['timeout', 'signal', 'onLateReply']);

/** The call options among a helper's options (the others are the helper's own). */
export function pickCallOptions(options: CallOptions): CallOptions {
  const picked: CallOptions = {};
  if (options.timeout !== undefined) picked.timeout = options.timeout;
  if (options.signal !== undefined) picked.signal = options.signal;
  if (options.onLateReply !== undefined) picked.onLateReply = options.onLateReply;
  return picked;
}
