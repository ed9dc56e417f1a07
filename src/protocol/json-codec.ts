import { randomBytes } from 'node:crypto';

/**
 * JSON for the QGA wire, exact for 64-bit integers.
 *
 * Decoding: `JSON.parse` first (fast, and it stores `__proto__`/`constructor` keys as own
 * data properties, so no prototype is touched). Only when the result holds an integer
 * that a `number` cannot represent exactly is the text parsed again with the large
 * integers turned into `bigint`. Big replies (file data, exec output) carry only small
 * numbers, so they cost one `JSON.parse` plus a walk over their few values.
 */
export function decodeJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // Without 16 digits in a row there is no integer literal beyond 2^53 (which has 16) to
  // make exact, whatever the walk would find (`1e20` stays a number either way). For a
  // short reply, scanning the text is cheaper than walking what it became.
  if (text.length <= SCAN_UP_TO && !SIXTEEN_DIGITS.test(text)) return value;
  return hasUnsafeInteger(value) ? parseWithBigInts(text) : value;
}

const SCAN_UP_TO = 4 * 1024;
const SIXTEEN_DIGITS = /\d{16}/;

function hasUnsafeInteger(root: unknown): boolean {
  // Iterative: a hostile agent may nest 100 000 levels deep.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) return true;
    } else if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) {
        for (const item of value) if (typeof item === 'object' || typeof item === 'number') stack.push(item);
      } else {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          const item = (value as Record<string, unknown>)[key];
          if (typeof item === 'object' || typeof item === 'number') stack.push(item);
        }
      }
    }
  }
  return false;
}

// A string literal, or an integer literal of 16+ digits that is not part of a longer
// number token (no fraction, no exponent, not the digits after a '.', 'e' or sign).
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d{16,}(?![\w.])/g;

function parseWithBigInts(text: string): unknown {
  // A per-parse random marker: the guest cannot forge a string that becomes a bigint.
  const marker = `qga-bigint-${randomBytes(9).toString('hex')}:`;
  const marked = text.replace(STRING_OR_LONG_INTEGER, (token) => {
    if (token.charCodeAt(0) === 0x22 /* " */) return token;
    return Number.isSafeInteger(Number(token)) ? token : `"${marker}${token}"`;
  });
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value,
  );
}

/**
 * `JSON.stringify` that writes `bigint` values as exact integer literals (the agent's
 * `int` is 64-bit, e.g. `guest-set-time`'s nanoseconds).
 */
export function encodeJson(value: unknown): string {
  // The common case has no bigint: a plain stringify, without a replacer call per value
  // (half the cost for a small request). A bigint makes it throw a TypeError, and only
  // then is the value written again with the replacer.
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  let marker: string | undefined;
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'bigint') return item;
    marker ??= `qga-bigint-${randomBytes(9).toString('hex')}:`;
    return `${marker}${item.toString()}`;
  });
  if (marker === undefined) return text;
  const quoted = new RegExp(`"${marker}(-?\\d+)"`, 'g');
  return text.replace(quoted, '$1');
}
