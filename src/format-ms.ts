/**
 * Durations in messages. Timeouts may be fractional (`timeout: 0.1 + 0.2`), and budgets
 * are computed: print them the way a person would write them, not as
 * `0.30000000000000004 ms` or `2500.6999999 ms`.
 * @module
 */

/** `5000` → `'5000'`, `0.30000000000000004` → `'0.3'`, `2500.7` → `'2501'`. */
export function formatMs(ms: number): string {
  if (Number.isInteger(ms) || !Number.isFinite(ms)) return String(ms);
  // Below 10 ms the fraction still says something; two significant digits are enough.
  if (Math.abs(ms) < 10) return String(Number(ms.toPrecision(2)));
  return String(Math.round(ms));
}
