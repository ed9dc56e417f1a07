import { describe, expect, it } from 'vitest';
import { XdrReader, XdrWriter } from '../../../../src/channels/libvirt/xdr.js';
import { QgaProtocolError } from '../../../../src/errors.js';

const hex = (w: XdrWriter) => w.finish().toString('hex');
const reader = (h: string) => new XdrReader(Buffer.from(h, 'hex'));

describe('XDR writer', () => {
  it('writes int, unsigned, hyper and unsigned hyper big-endian, two’s complement', () => {
    expect(hex(new XdrWriter().int(-1).uint(0xfffffffe).hyper(-2n).uhyper(9_000_000n))).toBe('ffffffff' + 'fffffffe' + 'fffffffffffffffe' + '0000000000895440');
  });

  it('pads strings and fixed opaque to 4 bytes with zeros, no NUL terminator', () => {
    expect(hex(new XdrWriter().string('qgavm1', 100))).toBe('00000006' + '716761766d31' + '0000');
    expect(hex(new XdrWriter().string('', 100))).toBe('00000000');
    expect(hex(new XdrWriter().opaque(Buffer.from('abcde'), 5))).toBe('6162636465000000');
  });

  it('counts a string in UTF-8 bytes, not characters', () => {
    expect(hex(new XdrWriter().string('é', 10))).toBe('00000002c3a90000');
  });

  it('writes optional pointers as 0 or 1 then the value, and booleans as exactly 0 or 1', () => {
    expect(hex(new XdrWriter().optional(undefined, (w, v: number) => w.int(v)).optional(7, (w, v) => w.int(v)).bool(true))).toBe('00000000' + '00000001' + '00000007' + '00000001');
  });

  it('writes arrays as a count and the elements', () => {
    expect(hex(new XdrWriter().array([1, 2], 20, (w, v) => w.int(v)))).toBe('00000002' + '00000001' + '00000002');
  });

  it('refuses values the type cannot hold', () => {
    expect(() => new XdrWriter().int(2 ** 31)).toThrow(RangeError);
    expect(() => new XdrWriter().int(1.5)).toThrow(RangeError);
    expect(() => new XdrWriter().uint(-1)).toThrow(RangeError);
    expect(() => new XdrWriter().hyper(1n << 63n)).toThrow(RangeError);
    expect(() => new XdrWriter().uhyper(-1n)).toThrow(RangeError);
    expect(() => new XdrWriter().string('abcde', 4)).toThrow(RangeError);
    expect(() => new XdrWriter().opaque(Buffer.alloc(15), 16)).toThrow(RangeError);
    expect(() => new XdrWriter().array([1, 2, 3], 2, (w, v) => w.int(v))).toThrow(RangeError);
  });

  it('leaves reserved room at the front and grows to fit a long string at once', () => {
    const writer = new XdrWriter(28, 64);
    writer.string('x'.repeat(100_000), 1 << 22);
    expect(writer.length).toBe(28 + 4 + 100_000);
    expect(writer.finish().readUInt32BE(28)).toBe(100_000);
  });
});

describe('XDR reader', () => {
  it('reads what the writer wrote', () => {
    const r = new XdrReader(new XdrWriter().int(-5).uint(7).hyper(-(1n << 62n)).uhyper((1n << 64n) - 1n).string('héllo', 64).opaque(Buffer.from('0123456789abcdef'), 16).finish());
    expect([r.int(), r.uint(), r.hyper(), r.uhyper(), r.string(64), r.opaque(16).toString()]).toEqual([-5, 7, -(1n << 62n), (1n << 64n) - 1n, 'héllo', '0123456789abcdef']);
    expect(r.remaining).toBe(0);
  });

  it('throws QgaProtocolError for truncated input, naming what was cut', () => {
    expect(() => reader('000000').int()).toThrow(QgaProtocolError);
    expect(() => reader('00000008616263').string(100)).toThrow(/truncated XDR: string data/);
    expect(() => reader('00000003616263').string(100)).toThrow(QgaProtocolError); // padding missing
    expect(() => reader('00').opaque(16)).toThrow(QgaProtocolError);
  });

  it('refuses a length or count above its limit before allocating anything', () => {
    expect(() => reader('7fffffff').string(4 * 1024 * 1024)).toThrow(/exceeds its limit/);
    expect(() => reader('00000015').array(20, (r) => r.int())).toThrow(/exceeds its limit of 20/);
    // A count within the limit but longer than the payload could hold is caught up front too.
    expect(() => reader('00000010' + '00000001').array(20, (r) => r.int())).toThrow(/truncated XDR: array of 16/);
  });

  it('refuses a boolean that is neither 0 nor 1', () => {
    expect(() => reader('00000002').bool()).toThrow(/bad XDR bool/);
  });

  it('never reads outside its window', () => {
    const buf = Buffer.from('00000001' + '00000002' + '00000003', 'hex');
    const r = new XdrReader(buf, 4, 8);
    expect(r.int()).toBe(2);
    expect(() => r.int()).toThrow(QgaProtocolError);
  });
});
