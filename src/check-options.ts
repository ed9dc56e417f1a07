/**
 * The one check every options object goes through before anything is sent: it must be an
 * object, and every key in it must be one the API knows. An unknown key is nearly always a
 * mistake that would otherwise be silently ignored: `{ tiemout }`, `writeFile(p, d,
 * { flag: 'a' })` (truncating the file the caller meant to append to),
 * `withFrozenFilesystems(fn, { mountpoint })` (freezing every filesystem).
 * @module
 */

/**
 * Throws `TypeError` unless `options` is `undefined` or an object whose own keys are all in
 * `known`; returns it (or `{}`). `where` starts the message, e.g. `readFile`.
 *
 * @example
 * ```ts
 * const o = checkOptions('readFile', options, READ_FILE_KEYS);
 * ```
 */
export function checkOptions<T extends object>(where: string, options: T | undefined, known: ReadonlySet<string>): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  // for…in over own keys rather than Object.keys: no key array per check (this runs on
  // every call given options).
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.has(key)) throw new TypeError(`${where}: unknown option '${key}'${suggestion(key, known)}`);
  }
  return options;
}

/** `value` ms when it is a positive finite number, `fallback` when it is `undefined`; else a `TypeError` naming `name`. */
export function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a positive finite number of ms, got ${String(value)}`);
  }
  return value;
}

/** A short description of a value for a `TypeError` message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return (value.constructor as { name?: string } | undefined)?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/** ` (did you mean 'timeout'?)` for a key one or two edits away from a known one. */
function suggestion(key: string, known: ReadonlySet<string>): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? `; known: ${[...known].join(', ')}` : ` (did you mean '${best}'?)`;
}

/** Levenshtein distance with adjacent swaps counted once; stops early past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (previous2[j - 2] as number) + 1);
      current.push(value);
    }
    previous2 = previous;
    previous = current;
  }
  return previous[b.length] as number;
}
