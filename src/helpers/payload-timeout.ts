/**
 * Per-call timeouts for calls that carry a lot of data. The client's default `timeout`
 * (5 s) suits small commands; a `guest-file-read` of 48 MiB or a `guest-exec` carrying
 * 20 MiB of stdin legitimately takes longer on a slow guest (a TCG guest moves one 48 MiB
 * read in 3.5–6 s, docs/performance.md). So when the caller did not set the per-call
 * timeout, the default grows with the payload.
 * @module
 */

/**
 * The slowest rate a working channel is assumed to move data at, in bytes per ms:
 * 1 MiB/s, several times below the slowest measured (a TCG guest on a loaded 2-core
 * host), so that a slow agent is waited for and only a stuck one times out.
 */
export const SLOWEST_BYTES_PER_MS = (1024 * 1024) / 1000;

/**
 * `base` (the client's per-call default) plus the time `bytes` of payload may take at
 * {@link SLOWEST_BYTES_PER_MS}: for a 48 MiB chunk and the 5 s default, 55 s.
 *
 * @example
 * ```ts
 * client.call('guest-file-read', { handle, count }, { timeout: payloadTimeout(client.defaultTimeout, count) });
 * ```
 */
export function payloadTimeout(base: number, bytes: number): number {
  return base + Math.ceil(bytes / SLOWEST_BYTES_PER_MS);
}
