import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeConcatenatedBase64, fitInJson, fromByteString, jsonEncodedLength, toByteString } from '../../src/channels/proxmox/encoding.js';

const bytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));
/** Every byte value, shuffled into random data so each one sits in every position class. */
const allBytes = fc.shuffledSubarray(Array.from({ length: 256 }, (_, i) => i), { minLength: 256 }).map((a) => Buffer.from(a));

/** What pvedaemon does with a byte string it receives: UTF-8 → characters → one byte each. */
function serverReceives(jsonBody: Buffer): Buffer {
  const text = (JSON.parse(jsonBody.toString('utf8')) as { content: string }).content;
  return Buffer.from(Array.from(text, (c) => c.charCodeAt(0)));
}

/** What pvedaemon sends for bytes: one character each, in a JSON reply encoded as UTF-8. */
function serverSends(data: Buffer): Buffer {
  return Buffer.from(JSON.stringify({ content: String.fromCharCode(...data) }), 'utf8');
}

describe('Proxmox byte strings', () => {
  it('every byte value round trips client → Proxmox (a JSON body in UTF-8)', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, allBytes), (data) => {
        const body = Buffer.from(JSON.stringify({ content: toByteString(data) }), 'utf8');
        expect(serverReceives(body).equals(data)).toBe(true);
      }),
    );
  });

  it('every byte value round trips Proxmox → client', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, allBytes), (data) => {
        const text = (JSON.parse(serverSends(data).toString('utf8')) as { content: string }).content;
        expect(fromByteString(text, 'test').equals(data)).toBe(true);
      }),
    );
  });

  it('a character above U+00FF in a reply is refused, never cut to its low byte', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0x100, max: 0xffff }), fc.string(), (a, code, b) => {
        expect(() => fromByteString(`${a}${String.fromCharCode(code)}${b}`, 'test')).toThrow(/above U\+00FF/);
      }),
    );
  });

  it('the JSON size estimate is the size of the body JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, allBytes), (data) => {
        expect(jsonEncodedLength(data)).toBe(Buffer.byteLength(JSON.stringify(toByteString(data)), 'utf8') - 2);
      }),
    );
  });

  it('fitInJson takes the longest prefix within both limits', () => {
    fc.assert(
      fc.property(bytes, fc.nat(3000), fc.nat(6000), (data, maxBytes, maxEncoded) => {
        const n = fitInJson(data, 0, maxBytes, maxEncoded);
        expect(n).toBeLessThanOrEqual(Math.min(maxBytes, data.length));
        expect(jsonEncodedLength(data.subarray(0, n))).toBeLessThanOrEqual(maxEncoded);
        if (n < Math.min(maxBytes, data.length)) expect(jsonEncodedLength(data.subarray(0, n + 1))).toBeGreaterThan(maxEncoded);
      }),
    );
  });

  it('decode=0 content (base64 per chunk, padding inside) decodes to the bytes, whatever the chunk size', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 700 }), (data, chunk) => {
        let content = '';
        for (let i = 0; i < data.length; i += chunk) content += data.subarray(i, i + chunk).toString('base64');
        expect(decodeConcatenatedBase64(content, 'test').equals(data)).toBe(true);
      }),
    );
  });

  it('content that is not base64 is refused rather than decoded short', () => {
    for (const bad of ['AQ*=', 'AQI', 'AQ==AgM', 'A===', 'AQ==AQ*=']) expect(() => decodeConcatenatedBase64(bad, 'test')).toThrow(/not base64/);
    expect(decodeConcatenatedBase64('AQ==AgM=', 'test')).toEqual(Buffer.from([1, 2, 3]));
  });
});
