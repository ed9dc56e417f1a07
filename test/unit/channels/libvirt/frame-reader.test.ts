import { describe, expect, it } from 'vitest';
import { FrameReader, MAX_FRAME_BYTES, type FrameHeader } from '../../../../src/channels/libvirt/frame-reader.js';
import { QgaProtocolError } from '../../../../src/errors.js';

function reader(max?: number) {
  const frames: { header: FrameHeader; payload: string }[] = [];
  const errors: QgaProtocolError[] = [];
  const r = new FrameReader({ maxFrameBytes: max, onFrame: (header, payload) => frames.push({ header, payload: payload.toString('hex') }), onError: (e) => errors.push(e) });
  return { r, frames, errors };
}

const frame = (serial: number, payloadHex = '') => {
  const payload = Buffer.from(payloadHex, 'hex');
  const b = Buffer.alloc(28 + payload.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(0x20008086, 4);
  b.writeUInt32BE(1, 8);
  b.writeUInt32BE(66, 12);
  b.writeUInt32BE(1, 16);
  b.writeUInt32BE(serial, 20);
  b.writeUInt32BE(0, 24);
  payload.copy(b, 28);
  return b;
};

const lengthWord = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

describe('FrameReader', () => {
  it('reads the header fields and hands the payload over', () => {
    const { r, frames } = reader();
    r.push(frame(7, '0000000100000000'));
    expect(frames).toEqual([{ header: { prog: 0x20008086, vers: 1, proc: 66, type: 1, serial: 7, status: 0 }, payload: '0000000100000000' }]);
  });

  it('splits many messages from one chunk, in order', () => {
    const { r, frames } = reader();
    r.push(Buffer.concat([frame(1), frame(2, 'aabbccdd'), frame(3)]));
    expect(frames.map((f) => f.header.serial)).toEqual([1, 2, 3]);
  });

  it('joins a message split at every byte, the length word too', () => {
    const { r, frames } = reader();
    const bytes = Buffer.concat([frame(9, '01020304'), frame(10)]);
    for (const byte of bytes) r.push(Buffer.from([byte]));
    expect(frames.map((f) => [f.header.serial, f.payload])).toEqual([[9, '01020304'], [10, '']]);
    expect(r.buffered).toBe(0);
  });

  it.each([
    ['a length of 0', 0],
    ['a length shorter than the header', 27],
    ['a length above libvirt’s maximum', MAX_FRAME_BYTES + 1],
  ])('%s is a protocol error, reported once, and everything after it is ignored', (_what, length) => {
    const { r, frames, errors } = reader();
    r.push(Buffer.concat([frame(1), lengthWord(length), frame(2)]));
    r.push(frame(3));
    expect(frames.map((f) => f.header.serial)).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(QgaProtocolError);
    expect(errors[0]!.message).toMatch(/malformed message .* the connection is dropped/);
    expect(r.failed).toBe(true);
    expect(r.buffered).toBe(0);
  });

  it('accepts libvirt’s largest message (32 MiB + the length word) and no more', () => {
    const { r, errors } = reader();
    r.push(lengthWord(MAX_FRAME_BYTES));
    expect(errors).toEqual([]);
    const second = reader();
    second.r.push(lengthWord(MAX_FRAME_BYTES + 1));
    expect(second.errors).toHaveLength(1);
  });

  it('a bad length split across chunks is caught when its fourth byte arrives', () => {
    const { r, errors } = reader();
    r.push(Buffer.from([0, 0]));
    expect(errors).toEqual([]);
    r.push(Buffer.from([0, 5]));
    expect(errors).toHaveLength(1);
  });

  it('holds no more than the message being gathered', () => {
    const { r, frames } = reader(1024);
    const big = frame(1, 'ab'.repeat(900));
    r.push(big.subarray(0, 500));
    expect(r.buffered).toBe(500);
    r.push(Buffer.concat([big.subarray(500), frame(2).subarray(0, 10)]));
    expect(frames).toHaveLength(1);
    expect(r.buffered).toBe(10);
  });
});
