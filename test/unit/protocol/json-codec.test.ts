import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../../src/protocol/json-codec.js';

describe('decodeJson', () => {
  it('keeps safe integers as numbers', () => {
    expect(decodeJson('{"pid": 1234, "max": 9007199254740991, "min": -9007199254740991}')).toEqual({ pid: 1234, max: 9007199254740991, min: -9007199254740991 });
  });

  it('turns integers outside the safe range into exact bigints', () => {
    expect(decodeJson('{"return": 1795571060662494000}')).toEqual({ return: 1795571060662494000n });
    expect(decodeJson('[9007199254740993, -9007199254740993, 18446744073709551615]')).toEqual([9007199254740993n, -9007199254740993n, 18446744073709551615n]);
  });

  it('leaves digits inside strings, fractions and exponents alone', () => {
    expect(decodeJson('{"s": "12345678901234567890", "f": 0.12345678901234567890, "e": 1e300}')).toEqual({ s: '12345678901234567890', f: 0.12345678901234568, e: 1e300 });
  });

  it('a string that looks like the internal bigint marker stays a string', () => {
    const text = '{"big": 12345678901234567890, "fake": "qga-bigint-000000000000000000:5"}';
    expect(decodeJson(text)).toEqual({ big: 12345678901234567890n, fake: 'qga-bigint-000000000000000000:5' });
  });

  it('__proto__ and constructor keys stay plain own data and touch no prototype', () => {
    const value = decodeJson('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "n": 12345678901234567890}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('1e400 is Infinity and -0 stays -0 (values JSON allows, never a crash)', () => {
    expect(decodeJson('[1e400, -0]')).toEqual([Infinity, -0]);
  });

  it('survives 100 000 levels of nesting', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => decodeJson(deep)).not.toThrow();
  });
});

describe('encodeJson', () => {
  it('writes bigint as an exact integer literal', () => {
    expect(encodeJson({ execute: 'guest-set-time', arguments: { time: 1795571060662494001n } })).toBe(
      '{"execute":"guest-set-time","arguments":{"time":1795571060662494001}}',
    );
  });

  it('leaves strings that look like numbers quoted', () => {
    expect(encodeJson({ a: '123', b: 5n })).toBe('{"a":"123","b":5}');
  });
});
