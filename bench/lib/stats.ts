/** Small statistics and timing helpers. */
import type { Direction } from './types.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The best sample: the largest rate, the smallest time. */
export function best(values: readonly number[], direction: Direction): number {
  if (values.length === 0) return Number.NaN;
  return direction === 'higher' ? Math.max(...values) : Math.min(...values);
}

/** ms since `start` (a `performance.now()` value). */
export function since(start: number): number {
  return performance.now() - start;
}

/**
 * Runs `rounds` rounds of library and raw, interleaved, alternating which goes first so
 * that a drift in machine load (other jobs on a shared 2-core box) hits both sides alike:
 * {@link rotate} with two sides.
 */
export function interleave<T>(rounds: number, sides: { library: () => Promise<T>; raw: () => Promise<T> }): Promise<{ library: T[]; raw: T[] }> {
  return rotate(rounds, { library: sides.library, raw: sides.raw });
}

/**
 * Runs every side once per round, the order rotating from round to round, so that no side
 * always runs right after another and a drift in load hits all alike.
 */
export async function rotate<K extends string, T>(rounds: number, sides: Record<K, () => Promise<T>>): Promise<Record<K, T[]>> {
  const names = Object.keys(sides) as K[];
  const results = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      results[name].push(await sides[name]());
    }
  }
  return results;
}

/**
 * Slope of log(y) against log(x): 1 for linear growth, 2 for quadratic. The fit is over
 * the points given, so callers pass the part of the series where fixed costs no longer
 * dominate.
 */
export function growthExponent(points: readonly { x: number; y: number }[]): number {
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
