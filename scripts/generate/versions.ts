/** Ordering of QEMU version labels (`7.2.0`, `10.2.50`, `master`). */

/**
 * Numeric comparison of `X.Y[.Z]` versions; `master` (or any non-numeric label) sorts after
 * every numbered release.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === undefined || pb === undefined) {
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function parseVersion(v: string): number[] | undefined {
  return /^\d+(\.\d+){0,2}$/.test(v) ? v.split('.').map(Number) : undefined;
}
