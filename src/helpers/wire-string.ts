/**
 * Strings that go into the agent's arguments must arrive as written:
 *
 * - a NUL ends a C string in the agent, so `'/tmp/a\0b'` would act on `/tmp/a`;
 * - a lone UTF-16 surrogate (half of a pair, e.g. from slicing a string between the two)
 *   has no UTF-8 form; encoding replaces it with U+FFFD, so the agent would see another
 *   path, another argument, another password.
 *
 * Both are refused with `TypeError` before anything is sent.
 * @module
 */
import { describeValue } from '../check-options.js';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Throws `TypeError` unless `value` is a string the agent receives unchanged. `name` says
 * which argument it is; `secret` keeps the value out of the message.
 */
export function checkWireString(where: string, name: string, value: unknown, secret = false): string {
  if (typeof value !== 'string') throw new TypeError(`${where}: ${name} must be a string, got ${secret ? typeof value : describeValue(value)}`);
  if (value.includes('\0')) throw new TypeError(`${where}: ${name} contains a NUL character (the agent would cut it there)`);
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    throw new TypeError(`${where}: ${name} contains a lone UTF-16 surrogate${secret ? '' : ` at index ${lone.index}`} (it has no UTF-8 form and would arrive as U+FFFD)`);
  }
  return value;
}
