import { describe, expect, it } from 'vitest';
import { encodeJson } from '../../../src/protocol/json-codec.js';
import { RequestEncoder } from '../../../src/protocol/request-encoder.js';

describe('RequestEncoder', () => {
  it('writes what encodeJson of the wrapper gives, with a fresh id each time', () => {
    const encoder = new RequestEncoder();
    const args = { path: '/tmp/x', count: 2n ** 60n, mode: 'r' };
    const first = encoder.command('guest-file-open', args);
    const second = encoder.command('guest-ping', undefined);
    expect(first.bytes.toString()).toBe(encodeJson({ execute: 'guest-file-open', arguments: args, id: first.id }) + '\n');
    expect(second.bytes.toString()).toBe(encodeJson({ execute: 'guest-ping', id: second.id }) + '\n');
    expect(first.id).not.toBe(second.id);
  });

  it('puts a guest-sync with its own id right after a command that answers only on failure', () => {
    const encoded = new RequestEncoder().commandWithProbe('guest-shutdown', { mode: 'halt' });
    const [command, probe, rest] = encoded.bytes.toString().split('\n');
    expect(JSON.parse(command!)).toEqual({ execute: 'guest-shutdown', arguments: { mode: 'halt' }, id: encoded.id });
    expect(JSON.parse(probe!)).toEqual({ execute: 'guest-sync', arguments: { id: encoded.probeId } });
    expect(rest).toBe('');
    expect(Number.isSafeInteger(encoded.probeId)).toBe(true);
  });

  it('reuses one buffer for mid-sized requests only once the previous one was released', () => {
    const encoder = new RequestEncoder();
    const data = 'A'.repeat(80_000);
    const first = encoder.command('guest-file-write', { handle: 1, 'buf-b64': data });
    expect(encoder.isScratch(first.bytes)).toBe(true);
    // Still held by the transport: the next request gets its own buffer.
    const second = encoder.command('guest-file-write', { handle: 1, 'buf-b64': data });
    expect(encoder.isScratch(second.bytes)).toBe(false);
    const secondText = second.bytes.toString();
    encoder.release();
    const third = encoder.command('guest-file-write', { handle: 2, 'buf-b64': data });
    expect(encoder.isScratch(third.bytes)).toBe(true);
    // The second request's bytes are untouched by the reuse.
    expect(second.bytes.toString()).toBe(secondText);
    expect(JSON.parse(third.bytes.toString())).toMatchObject({ arguments: { handle: 2 } });
  });

  it('gives small and huge requests buffers of their own', () => {
    const encoder = new RequestEncoder();
    expect(encoder.isScratch(encoder.command('guest-file-write', { handle: 1, 'buf-b64': 'A'.repeat(80_000) }).bytes)).toBe(true);
    encoder.release();
    expect(encoder.isScratch(encoder.command('guest-ping', undefined).bytes)).toBe(false);
    expect(encoder.isScratch(encoder.command('guest-file-write', { handle: 1, 'buf-b64': 'A'.repeat(300_000) }).bytes)).toBe(false);
  });
});
