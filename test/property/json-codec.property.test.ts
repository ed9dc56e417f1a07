import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson } from '../../src/protocol/json-codec.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A JSON value's text and what decodeJson must make of it: integers beyond 2^53 exact, as bigint. */
const integer = fc
  .oneof(
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
    // Around ±2^53, where 16-digit literals stop being safe.
    fc.bigInt({ min: SAFE - 1000n, max: SAFE + 1000n }).chain((n) => fc.constantFrom(n, -n)),
  )
  .map((n) => ({ text: `${n}`, value: n > SAFE || n < -SAFE ? n : Number(n) }));
const double = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => {
  const text = JSON.stringify(d);
  // A double written as a plain integer literal beyond 2^53 is such a literal too.
  return { text, value: /^-?\d+$/.test(text) && !Number.isSafeInteger(d) ? BigInt(text) : (JSON.parse(text) as number) };
});
const digitString = fc.stringMatching(/^[0-9]{0,24}$/).map((s) => ({ text: JSON.stringify(s), value: s }));
const scalar = fc.oneof(integer, double, digitString);

describe('decodeJson, property', () => {
  it('short and long replies alike: exact bigints beyond 2^53, numbers within, strings untouched', () => {
    fc.assert(
      fc.property(fc.array(scalar, { maxLength: 12 }), fc.nat({ max: 6000 }), (items, padding) => {
        // The padding moves some texts past the length up to which the text is scanned.
        const text = `{"pad": "${'x'.repeat(padding)}", "items": [${items.map((item) => item.text).join(', ')}]}`;
        expect(decodeJson(text)).toEqual({ pad: 'x'.repeat(padding), items: items.map((item) => item.value) });
      }),
      { numRuns: 400 },
    );
  });
});
