import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson } from '../../src/protocol/json-codec.js';
import { decodeLongStringLine } from '../../src/protocol/long-string-line.js';

/** A reply with one long base64-like string somewhere among other JSON values. */
const replyWithLongString = fc
  .record({
    before: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    after: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    key: fc.string({ maxLength: 8 }),
    length: fc.integer({ min: 2000, max: 6000 }),
    seed: fc.nat(),
    asArray: fc.boolean(),
    spaced: fc.boolean(),
  })
  .map(({ before, after, key, length, seed, asArray, spaced }) => {
    const long = Buffer.alloc(length, seed % 251).toString('base64');
    const value = asArray ? [...before, long, ...after] : { ...Object.fromEntries(before.map((v, i) => [`b${i}`, v])), [key]: long, ...Object.fromEntries(after.map((v, i) => [`a${i}`, v])) };
    const text = JSON.stringify({ return: value }, null, spaced ? 1 : undefined).replace(/\n/g, ' ');
    return text.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  });

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b)) {
    if (cut > start) out.push(bytes.subarray(start, cut));
    start = Math.max(start, cut);
  }
  out.push(bytes.subarray(start));
  return out;
}

/** What the ordinary path (join, decode, {@link decodeJson}) gives. */
function parseOrThrown(text: string): { value: unknown } | 'throws' {
  try {
    return { value: decodeJson(text) };
  } catch {
    return 'throws';
  }
}

describe('decodeLongStringLine properties', () => {
  it('takes the fast path for any placement and chunking, and agrees with the ordinary decoding', () => {
    fc.assert(
      fc.property(replyWithLongString, fc.array(fc.nat(), { maxLength: 40 }), (text, cuts) => {
        const bytes = Buffer.from(text, 'latin1');
        const decoded = decodeLongStringLine(split(bytes, cuts), bytes.length);
        expect(decoded).toBeDefined();
        expect(decoded?.value).toEqual(decodeJson(text));
      }),
      { numRuns: 300 },
    );
  });

  it('after any corruption, returns either nothing or exactly what the ordinary decoding gives', () => {
    const seen = { declinedInvalid: 0, fastAndEqual: 0 };
    const edit = fc.record({ at: fc.nat(), byte: fc.constantFrom(0x22, 0x5c, 0x01, 0x1f, 0x20, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0xc3, 0x41), remove: fc.boolean() });
    fc.assert(
      fc.property(replyWithLongString, fc.array(edit, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), (text, edits, cuts) => {
        const bytes = [...Buffer.from(text, 'latin1')];
        for (const { at, byte, remove } of edits) bytes.splice(at % bytes.length, remove ? 1 : 0, byte);
        const corrupted = Buffer.from(bytes);
        const expected = parseOrThrown(corrupted.toString('utf8'));
        const decoded = decodeLongStringLine(split(corrupted, cuts), corrupted.length);
        if (expected === 'throws') {
          expect(decoded).toBeUndefined();
          seen.declinedInvalid++;
        } else if (decoded !== undefined) {
          expect(decoded.value).toEqual(expected.value);
          seen.fastAndEqual++;
        }
      }),
      { numRuns: 500 },
    );
    // Both outcomes occur, so neither branch above is vacuous.
    expect(seen.declinedInvalid).toBeGreaterThan(0);
    expect(seen.fastAndEqual).toBeGreaterThan(0);
  });
});
