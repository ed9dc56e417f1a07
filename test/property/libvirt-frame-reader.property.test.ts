/**
 * The libvirt frame reader against any chunking and against garbage: the same messages
 * whatever the split; random bytes and mutated recordings of real exchanges never make it
 * throw, never make it hold more than one message, and always end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, HEADER_BYTES } from '../../src/channels/libvirt/frame-reader.js';
import { CAPTURE_A, CAPTURE_B, CAPTURE_C } from '../fixtures/libvirt-rpc-capture.js';

const MAX = 64 * 1024;

function run(stream: Buffer, cuts: number[]) {
  const frames: string[] = [];
  let errors = 0;
  let peak = 0;
  const reader = new FrameReader({ maxFrameBytes: MAX, onFrame: (h, p) => frames.push(`${h.serial}:${h.proc}:${p.toString('hex')}`), onError: () => (errors += 1) });
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    reader.push(stream.subarray(start, cut));
    peak = Math.max(peak, reader.buffered);
    start = cut;
  }
  reader.push(stream.subarray(start));
  peak = Math.max(peak, reader.buffered);
  return { frames, errors, peak };
}

const message = fc.record({ serial: fc.nat(), proc: fc.nat({ max: 500 }), payload: fc.uint8Array({ maxLength: 200 }) }).map(({ serial, proc, payload }) => {
  const b = Buffer.alloc(HEADER_BYTES + payload.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(0x20008086, 4);
  b.writeUInt32BE(1, 8);
  b.writeUInt32BE(proc, 12);
  b.writeUInt32BE(2, 16);
  b.writeUInt32BE(serial >>> 0, 20);
  Buffer.from(payload).copy(b, HEADER_BYTES);
  return b;
});

const recorded = [CAPTURE_A, CAPTURE_B, CAPTURE_C].flatMap((c) => [...c.client, ...c.server]).map((h) => Buffer.from(h, 'hex'));

describe('FrameReader properties', () => {
  it('any chunking of a stream of messages yields the same messages', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, rawCuts) => {
        const stream = Buffer.concat(messages);
        const cuts = rawCuts.map((c) => (stream.length === 0 ? 0 : c % stream.length));
        const whole = run(stream, []);
        expect(whole.frames).toHaveLength(messages.length);
        expect(run(stream, cuts).frames).toEqual(whole.frames);
      }),
      { numRuns: 300 },
    );
  });

  it('fuzz: random bytes in random chunks never throw, never hold more than one message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, rawCuts) => {
        const stream = Buffer.from(bytes);
        const { peak } = run(stream, rawCuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)));
        expect(peak).toBeLessThanOrEqual(MAX);
      }),
      { numRuns: 500 },
    );
  });

  it('fuzz: mutated recordings of real exchanges never throw; a bad length ends the stream with one error', () => {
    const stream = Buffer.concat(recorded);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 }), (edits, rawCuts) => {
        const mutated = Buffer.from(stream);
        for (const [at, byte] of edits) mutated[at % mutated.length] = byte;
        const { errors, peak } = run(mutated, rawCuts.map((c) => c % mutated.length));
        expect(errors).toBeLessThanOrEqual(1);
        expect(peak).toBeLessThanOrEqual(MAX);
      }),
      { numRuns: 1000 },
    );
  });
});
