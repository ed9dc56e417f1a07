import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer, type FramerEvent } from '../../src/protocol/framer.js';

/** JSON values as the agent writes them (ASCII, no raw newlines). */
const replyValue = fc.jsonValue({ maxDepth: 3 }).map((v) => ({ return: v }));

function run(stream: Buffer, cuts: number[], max = 1 << 20): FramerEvent[] {
  const events: FramerEvent[] = [];
  const framer = new Framer(max, (e) => events.push(e));
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    framer.push(stream.subarray(start, cut));
    start = cut;
  }
  framer.push(stream.subarray(start));
  return events;
}

/** What the agent's exact decoding gives: integer literals beyond 2^53 arrive as bigint. */
function exact(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21 ? BigInt(JSON.stringify(value)) : value;
  if (Array.isArray(value)) return value.map(exact);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: exact(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

const asciiJson = (v: unknown) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

describe('Framer properties', () => {
  it('any chunking of a byte stream yields the same messages', () => {
    fc.assert(
      fc.property(fc.array(replyValue, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (replies, rawCuts) => {
        const stream = Buffer.from(replies.map((r) => asciiJson(r) + '\n').join(''), 'latin1');
        const cuts = rawCuts.map((c) => (stream.length === 0 ? 0 : c % stream.length));
        const whole = run(stream, []);
        const chunked = run(stream, cuts);
        expect(chunked).toEqual(whole);
        expect(whole.filter((e) => e.kind === 'message').map((e) => (e as { value: unknown }).value)).toEqual(exact(JSON.parse(JSON.stringify(replies))));
      }),
      { numRuns: 300 },
    );
  });

  it('a 0xFF anywhere resets: everything after the last 0xFF parses the same as alone', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.array(replyValue, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (junk, replies, rawCuts) => {
        const tail = Buffer.from(replies.map((r) => asciiJson(r) + '\n').join(''), 'latin1');
        const junkBytes = Buffer.from(junk.replace(/[\n\xff]/g, ''), 'latin1');
        const stream = Buffer.concat([junkBytes, Buffer.of(0xff), tail]);
        const cuts = rawCuts.map((c) => c % stream.length);
        const messages = run(stream, cuts).filter((e) => e.kind === 'message');
        const expected = exact(JSON.parse(JSON.stringify(replies)));
        expect(messages.map((e) => (e as { value: unknown }).value)).toEqual(expected);
        expect((messages[0] as { delimited: boolean }).delimited).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a line per chunk (the short path for one ASCII line) gives what one chunk gives, for any bytes', () => {
    const piece = fc.oneof(
      replyValue.map((r) => Buffer.from(asciiJson(r) + '\n', 'latin1')),
      fc.string({ maxLength: 40 }).map((text) => Buffer.from(text + '\n', 'utf8')),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(Buffer.of(0xff)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), fc.integer({ min: 1, max: 200 }), (pieces, max) => {
        const stream = Buffer.concat(pieces);
        const cuts: number[] = [];
        // After every newline and every 0xFF: a delimited reply may come in a chunk of its own.
        stream.forEach((byte, at) => {
          if (byte === 0x0a || byte === 0xff) cuts.push(at + 1);
        });
        const byLine = run(stream, cuts, max);
        expect(byLine).toEqual(run(stream, [], max));
        expect(run(stream, cuts)).toEqual(run(stream, []));
      }),
      { numRuns: 400 },
    );
  });

  it('never holds more than maxLineBytes, whatever the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 500 }), (bytes, max) => {
        const framer = new Framer(max, () => undefined);
        for (let i = 0; i < bytes.length; i += 97) {
          framer.push(Buffer.from(bytes.subarray(i, i + 97)));
          expect(framer.bufferedBytes).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});
