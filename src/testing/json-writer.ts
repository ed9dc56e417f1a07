/**
 * The agent's JSON writer (`qobject/json-writer.c`, compact mode), byte for byte:
 * `": "` after keys and `", "` between members, pure ASCII output (`\uXXXX` in upper-case
 * hex, surrogate pairs above U+FFFF), integers of any size written exactly, floats as C's
 * `%.17g`, and object members in QDict order: QEMU keeps members in a 512-bucket hash table
 * (`qobject/qdict.c`) and iterates bucket by bucket, newest first within a bucket, which is
 * why `"id"` comes after `"return"` but before `"error"` in real replies.
 * @module
 */

const BUCKETS = 512;

/** QDict's bucket of a key: `tdb_hash(key) % 512` (`qobject/qdict.c`). */
export function qdictBucket(key: string): number {
  const b = Buffer.from(key, 'utf8');
  let value = Math.imul(0x238f13af, b.length) >>> 0;
  for (let i = 0; i < b.length; i++) {
    value = (value + (((b[i] ?? 0) << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  return ((Math.imul(1103515243, value) + 12345) >>> 0) % BUCKETS;
}

/** Keys in the order QEMU iterates a QDict built by inserting them in the given order. */
export function qdictOrder(keys: readonly string[]): string[] {
  return keys
    .map((key, index) => ({ key, index, bucket: qdictBucket(key) }))
    .sort((a, b) => a.bucket - b.bucket || b.index - a.index)
    .map((e) => e.key);
}

/** C's `%.17g`, which QEMU uses for floats (`qobject/qnum.c:qnum_to_string`). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = x.toExponential(16).split('e');
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 17) {
    return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return strip(x.toFixed(16 - exp));
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** Strings that need no escaping at all (the common case, and large base64 data). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as `quoted_str` writes it. */
export function quoteString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  let run = 0; // start of the current run of characters that need no escaping
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(run, i);
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else cp = -1;
    } else if (c >= 0xdc00 && c <= 0xdfff) cp = -1;
    if (cp >= 0xfdd0 && cp <= 0xfdef) cp = -1;
    else if (cp >= 0 && (cp & 0xfffe) === 0xfffe) cp = -1;
    out += escapeCodepoint(cp < 0 ? 0xfffd : cp);
    run = i + 1;
  }
  return out + s.slice(run) + '"';
}

function escapeCodepoint(cp: number): string {
  switch (cp) {
    case 0x22: return '\\"';
    case 0x5c: return '\\\\';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
  }
  if (cp > 0xffff) return `\\u${hex4(0xd800 + ((cp - 0x10000) >> 10))}\\u${hex4(0xdc00 + ((cp - 0x10000) & 0x3ff))}`;
  return `\\u${hex4(cp)}`;
}

/**
 * Serialise a value the way qemu-ga does. Supports `null`, booleans, numbers (safe integers
 * as integers, others as `%.17g`), `bigint`, strings, arrays and plain objects (members whose
 * value is `undefined` are left out, like absent optional QAPI members).
 * @throws TypeError for anything else (functions, symbols, cycles deeper than 1024 levels).
 */
export function writeJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, 0);
  return parts.join('');
}

/**
 * {@link writeJson} straight to bytes (the output is ASCII), between `prefix` and `suffix`.
 * Avoids joining a reply of tens of MiB into one string and copying it again to frame it.
 */
export function writeJsonBytes(value: unknown, prefix?: Uint8Array, suffix?: Uint8Array): Buffer {
  const parts: string[] = [];
  write(value, parts, 0);
  let small = '';
  const buffers: Uint8Array[] = prefix ? [prefix] : [];
  for (const part of parts) {
    if (part.length < 4096) {
      small += part;
      continue;
    }
    if (small) buffers.push(Buffer.from(small, 'latin1'));
    small = '';
    buffers.push(Buffer.from(part, 'latin1'));
  }
  if (small) buffers.push(Buffer.from(small, 'latin1'));
  if (suffix) buffers.push(suffix);
  return Buffer.concat(buffers);
}

function write(value: unknown, out: string[], depth: number): void {
  if (depth > 1024) throw new TypeError('value nests too deeply to be written as JSON');
  switch (typeof value) {
    case 'string':
      out.push(quoteString(value));
      return;
    case 'number':
      out.push(Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : formatDouble(value));
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item: unknown, i) => {
          if (i > 0) out.push(', ');
          write(item, out, depth + 1);
        });
        out.push(']');
        return;
      }
      if (ArrayBuffer.isView(value)) throw new TypeError('binary data must be base64-encoded before it is written as JSON');
      writeObject(value as Record<string, unknown>, out, depth);
      return;
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}

function writeObject(obj: Record<string, unknown>, out: string[], depth: number): void {
  const keys = qdictOrder(Object.keys(obj).filter((k) => obj[k] !== undefined));
  out.push('{');
  keys.forEach((key, i) => {
    if (i > 0) out.push(', ');
    out.push(quoteString(key), ': ');
    write(obj[key], out, depth + 1);
  });
  out.push('}');
}
