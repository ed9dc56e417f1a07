/**
 * XDR codec properties: whatever sequence of values is written reads back the same, and
 * any truncation or corruption of the bytes ends in QgaProtocolError (or a value), never
 * another exception, a hang or a huge allocation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XdrReader, XdrWriter } from '../../src/channels/libvirt/xdr.js';
import { QgaProtocolError } from '../../src/errors.js';

type Item =
  | { t: 'int'; v: number }
  | { t: 'uint'; v: number }
  | { t: 'hyper'; v: bigint }
  | { t: 'uhyper'; v: bigint }
  | { t: 'string'; v: string }
  | { t: 'opaque'; v: Uint8Array }
  | { t: 'optional'; v: number | undefined }
  | { t: 'array'; v: number[] };

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).map((v) => ({ t: 'int' as const, v })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => ({ t: 'uint' as const, v })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((v) => ({ t: 'hyper' as const, v })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => ({ t: 'uhyper' as const, v })),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/[\ud800-\udfff]/.test(s)).map((v) => ({ t: 'string' as const, v })),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((v) => ({ t: 'opaque' as const, v })),
  fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }).map((v) => ({ t: 'optional' as const, v })),
  fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 20 }).map((v) => ({ t: 'array' as const, v })),
);

function write(items: Item[]): Buffer {
  const w = new XdrWriter();
  for (const it of items) {
    switch (it.t) {
      case 'int': w.int(it.v); break;
      case 'uint': w.uint(it.v); break;
      case 'hyper': w.hyper(it.v); break;
      case 'uhyper': w.uhyper(it.v); break;
      case 'string': w.string(it.v, 1 << 22); break;
      case 'opaque': w.opaque(it.v, 16); break;
      case 'optional': w.optional(it.v, (ww, v) => ww.int(v)); break;
      case 'array': w.array(it.v, 20, (ww, v) => ww.int(v)); break;
    }
  }
  return Buffer.from(w.finish());
}

function read(buf: Buffer, shapes: Item['t'][]): unknown[] {
  const r = new XdrReader(buf);
  return shapes.map((t) => {
    switch (t) {
      case 'int': return r.int();
      case 'uint': return r.uint();
      case 'hyper': return r.hyper();
      case 'uhyper': return r.uhyper();
      case 'string': return r.string(1 << 22);
      case 'opaque': return new Uint8Array(r.opaque(16));
      case 'optional': return r.optional((rr) => rr.int());
      case 'array': return r.array(20, (rr) => rr.int());
    }
  });
}

describe('XDR properties', () => {
  it('every sequence of values reads back as written, every byte consumed, 4-byte aligned', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 15 }), (items) => {
        const buf = write(items);
        expect(buf.length % 4).toBe(0);
        expect(read(buf, items.map((i) => i.t))).toEqual(items.map((i) => i.v));
      }),
      { numRuns: 300 },
    );
  });

  it('any truncation is QgaProtocolError, never another exception', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 10 }), fc.nat(), (items, cut) => {
        const buf = write(items);
        if (buf.length === 0) return;
        const short = buf.subarray(0, cut % buf.length);
        expect(() => read(short, items.map((i) => i.t))).toThrow(QgaProtocolError);
      }),
      { numRuns: 300 },
    );
  });

  it('corrupted bytes decode to values or QgaProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (items, edits) => {
        const buf = write(items);
        for (const [at, byte] of edits) if (buf.length > 0) buf[at % buf.length] = byte;
        try {
          read(buf, items.map((i) => i.t));
        } catch (error) {
          expect(error).toBeInstanceOf(QgaProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
