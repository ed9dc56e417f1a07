import { describe, expect, it } from 'vitest';
import { encodeJson } from '../../../src/protocol/json-codec.js';
import { RequestEncoder } from '../../../src/protocol/request-encoder.js';

describe('RequestEncoder', () => {
  it('writes what encodeJson of the wrapper gives, with a fresh id each time', () => {
    const encoder = new RequestEncoder();
    const args = { path: '/tmp/x', count: 2n ** 60n, mode: 'r' };
    const first = encoder.command('guest-file-open', args);
    const second = encoder.command('guest-ping', undefined);
    expect(first.line).toBe(encodeJson({ execute: 'guest-file-open', arguments: args, id: first.id }) + '\n');
    expect(second.line).toBe(encodeJson({ execute: 'guest-ping', id: second.id }) + '\n');
    expect(first.id).not.toBe(second.id);
  });

  it('puts a guest-sync with its own id right after a command that answers only on failure', () => {
    const encoded = new RequestEncoder().commandWithProbe('guest-shutdown', { mode: 'halt' });
    const [command, probe, rest] = encoded.line.split('\n');
    expect(JSON.parse(command!)).toEqual({ execute: 'guest-shutdown', arguments: { mode: 'halt' }, id: encoded.id });
    expect(JSON.parse(probe!)).toEqual({ execute: 'guest-sync', arguments: { id: encoded.probeId } });
    expect(rest).toBe('');
    expect(Number.isSafeInteger(encoded.probeId)).toBe(true);
  });

  it('reuses one buffer for mid-sized requests only once the previous one was released', () => {
    const encoder = new RequestEncoder();
    const data = 'A'.repeat(80_000);
    const bytesOf = (args: Record<string, unknown>): Buffer => encoder.bytesOf(encoder.command('guest-file-write', args).line);
    const first = bytesOf({ handle: 1, 'buf-b64': data });
    expect(encoder.isScratch(first)).toBe(true);
    // Still held by the transport: the next request gets its own buffer.
    const second = bytesOf({ handle: 1, 'buf-b64': data });
    expect(encoder.isScratch(second)).toBe(false);
    const secondText = second.toString();
    encoder.release();
    const third = bytesOf({ handle: 2, 'buf-b64': data });
    expect(encoder.isScratch(third)).toBe(true);
    // The second request's bytes are untouched by the reuse.
    expect(second.toString()).toBe(secondText);
    expect(JSON.parse(third.toString())).toMatchObject({ arguments: { handle: 2 } });
  });

  it('gives small and huge requests buffers of their own', () => {
    const encoder = new RequestEncoder();
    const bytesOf = (execute: string, args: Record<string, unknown> | undefined): Buffer => encoder.bytesOf(encoder.command(execute, args).line);
    expect(encoder.isScratch(bytesOf('guest-file-write', { handle: 1, 'buf-b64': 'A'.repeat(80_000) }))).toBe(true);
    encoder.release();
    expect(encoder.isScratch(bytesOf('guest-ping', undefined))).toBe(false);
    expect(encoder.isScratch(bytesOf('guest-file-write', { handle: 1, 'buf-b64': 'A'.repeat(300_000) }))).toBe(false);
  });
});
