import { describe, expect, it } from 'vitest';
import { Framer, type FramerEvent } from '../../../src/protocol/framer.js';
import { decodeLongStringLine } from '../../../src/protocol/long-string-line.js';

const base64 = Buffer.alloc(300_000, 7).toString('base64'); // 400 000 characters

function piecesOf(text: string, size = 65_536): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

function decode(text: string, size?: number): { value: unknown } | undefined {
  const pieces = piecesOf(text, size);
  return decodeLongStringLine(pieces, pieces.reduce((n, p) => n + p.length, 0));
}

function throughFramer(text: string): FramerEvent[] {
  const events: FramerEvent[] = [];
  const framer = new Framer(1 << 24, (event) => events.push(event));
  for (const piece of piecesOf(text + '\n')) framer.push(piece);
  return events;
}

describe('decodeLongStringLine', () => {
  it('parses a guest-file-read reply around its data, equal to JSON.parse', () => {
    const text = `{"return": {"count": 300000, "buf-b64": "${base64}", "eof": false}, "id": "a1"}`;
    const decoded = decode(text);
    expect(decoded).toBeDefined();
    expect(decoded?.value).toEqual(JSON.parse(text));
  });

  it('finds the literal whatever the piece size, also when a quote ends a piece', () => {
    const text = `{"return": {"out-data": "${base64}", "exited": true}}`;
    const quoteAt = text.indexOf(base64) - 1;
    for (const size of [1000, 4096, 65_536, quoteAt, quoteAt + 1, text.length - 3]) {
      expect(decode(text, size)?.value, `piece size ${size}`).toEqual(JSON.parse(text));
    }
  });

  it('handles the long string as the whole line, in an array and under a __proto__ key', () => {
    for (const text of [`"${base64}"`, `{"return": ["a", "${base64}", 1]}`, `{"return": {"__proto__": "${base64}"}}`]) {
      const decoded = decode(text);
      expect(decoded, text.slice(0, 30)).toBeDefined();
      expect(decoded?.value).toEqual(JSON.parse(text));
    }
    const proto = decode(`{"__proto__": "${base64}"}`)?.value as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.hasOwn(proto, '__proto__')).toBe(true);
  });

  it('keeps integers beyond 2^53 exact in the rest of the reply', () => {
    const text = `{"return": {"count": 9007199254740993, "buf-b64": "${base64}"}}`;
    expect(decode(text)?.value).toEqual({ return: { count: 9007199254740993n, 'buf-b64': base64 } });
  });

  it('declines what it cannot take as is, so the line is decoded the ordinary way', () => {
    const declined = [
      `{"${base64}": 1}`, // the literal is a key
      `{"return": "${base64.slice(0, 1000)}\\n${base64}"}`, // an escape
      `{"return": "${base64}\u0001"}`, // a raw control character
      `{"return": "${base64}é"}`, // not ASCII
      `{"return": "${base64}", "return": 1}`, // the literal is dropped by a later duplicate key
      `{"return": "${base64}" x}`, // not JSON
      `{"a": "${base64.slice(0, 100_000)}", "b": "${base64.slice(0, 100_000)}"}`, // no literal is the bulk
    ];
    for (const text of declined) expect(decode(text), text.slice(0, 20)).toBeUndefined();
  });

  it('cannot be fooled by quotes that are escaped or that close a string', () => {
    // The middle sits between a closing and an opening quote, or after an escaped quote.
    const texts = [`["${'a'.repeat(1000)}",${' '.repeat(300_000)}"b"]`, `{"x": "\\"${base64}", "y": 1}`];
    for (const text of texts) {
      expect(decode(text), text.slice(0, 20)).toBeUndefined();
      const events = throughFramer(text);
      expect(events).toEqual([{ kind: 'message', value: JSON.parse(text), delimited: false, bytes: text.length + 1 }]);
    }
  });
});

describe('Framer with long lines', () => {
  it('emits the same message as JSON.parse, and the same errors as for a short line', () => {
    const text = `{"return": {"count": 3, "buf-b64": "${base64}", "eof": true}}`;
    expect(throughFramer(text)).toEqual([{ kind: 'message', value: JSON.parse(text), delimited: false, bytes: text.length + 1 }]);
    for (const bad of [`{"return": "${base64}\u0001"}`, `{"return": "${base64}" x}`]) {
      const events = throughFramer(bad);
      expect(events).toHaveLength(1);
      expect(events[0]?.kind).toBe('invalid');
    }
  });

  it('decodes a long non-ASCII line as UTF-8, as it does a short one', () => {
    const text = `{"return": "${'é'.repeat(200_000)}"}`;
    expect(throughFramer(text)).toEqual([{ kind: 'message', value: JSON.parse(text), delimited: false, bytes: Buffer.byteLength(text) + 1 }]);
  });
});
