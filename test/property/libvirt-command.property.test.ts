/**
 * The libvirt channel writes a request's JSON in pieces (long safe strings are not copied
 * into one big string first): the pieces must always join to exactly what encodeJson
 * writes for the same request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandParts } from '../../src/channels/libvirt/agent-call.js';
import { encodeJson } from '../../src/protocol/json-codec.js';

const longString = fc.oneof(
  fc.base64String({ minLength: 1024, maxLength: 4096 }),
  fc.string({ minLength: 1024, maxLength: 2048, unit: 'binary' }),
  fc.string({ minLength: 1024, maxLength: 2048 }).map((s) => `${s}"\\\n\u0001é`),
);
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), longString, fc.constant(undefined), fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }));

describe('libvirt command pieces', () => {
  it('join to exactly encodeJson({ execute, arguments })', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.option(fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 6 }), { nil: undefined }), (execute, args) => {
        const request = args === undefined ? { execute } : { execute, arguments: args };
        expect(commandParts(request).join('')).toBe(encodeJson(request));
      }),
      { numRuns: 500 },
    );
  });

  it('a long base64 string is a piece of its own, not copied', () => {
    const data = 'QUJD'.repeat(50_000);
    const parts = commandParts({ execute: 'guest-file-write', arguments: { handle: 7, 'buf-b64': data } });
    expect(parts).toContain(data);
    expect(parts.join('')).toBe(`{"execute":"guest-file-write","arguments":{"handle":7,"buf-b64":"${data}"}}`);
  });
});
