/**
 * Values as the agent's JSON parser produces them. Integers and floats stay apart (an
 * `int` argument accepts `1` but not `1.0`, as QEMU's input visitor does) and integers are
 * exact `bigint`s, so an id like 2^53+1 is echoed verbatim.
 * @module
 */

/** A parsed JSON value with QEMU's distinctions (int vs. float, exact integers). */
export type JValue =
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' }
  | { readonly t: 'list'; readonly v: JValue[] }
  | { readonly t: 'dict'; readonly v: Map<string, JValue> };

/**
 * A JSON value as handlers receive it: integers within `Number.MAX_SAFE_INTEGER` are
 * numbers, larger ones `bigint`.
 *
 * @example
 * ```ts
 * agent.handle('guest-echo', (args) => args.value as JsonValue);
 * ```
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** Convert a parsed value to plain JavaScript data. */
export function toPlain(value: JValue): JsonValue {
  switch (value.t) {
    case 'int': {
      const n = Number(value.v);
      return Number.isSafeInteger(n) ? n : value.v;
    }
    case 'num':
    case 'str':
    case 'bool':
      return value.v;
    case 'null':
      return null;
    case 'list':
      return value.v.map(toPlain);
    case 'dict':
      // fromEntries defines own properties, so a `__proto__` key stays a plain key.
      return Object.fromEntries([...value.v].map(([k, v]) => [k, toPlain(v)]));
  }
}

/** A short name of the value's JSON type, for messages. */
export function typeName(value: JValue): string {
  return value.t === 'dict' ? 'object' : value.t === 'list' ? 'array' : value.t;
}
