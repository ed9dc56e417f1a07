/**
 * Fuzzing the RPC connection's decoder: the recorded server messages of real exchanges,
 * mutated and cut anywhere, fed to a connection with calls waiting. Nothing may throw out
 * of the stream's data handler (it would crash the process), every waiting call settles
 * once the stream ends, and every rejection is one of the client's own errors.
 */
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_LIST, CONNECT_SUPPORTS_FEATURE, DOMAIN_AGENT_COMMAND, DOMAIN_LOOKUP_BY_NAME, EventProc, Program } from '../../src/channels/libvirt/procedures.js';
import { LibvirtRemoteError } from '../../src/channels/libvirt/remote-error.js';
import { RpcConnection } from '../../src/channels/libvirt/rpc-connection.js';
import { QgaError } from '../../src/errors.js';
import { CAPTURE_A, CAPTURE_B, CAPTURE_C } from '../fixtures/libvirt-rpc-capture.js';

const serverStream = Buffer.from([...CAPTURE_A.server, ...CAPTURE_B.server, ...CAPTURE_C.server].join(''), 'hex');
const dom = { name: 'qgavm1', uuid: Buffer.alloc(16), id: 1 };

function fakeStream(): Duplex {
  return new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
}

describe('RPC connection fuzz', () => {
  it('mutated recordings: no throw, every call settles with a value or a client error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), async (edits, rawCuts) => {
        const stream = fakeStream();
        const rpc = new RpcConnection(stream, { description: 'fuzz' });
        rpc.onMessage(Program.REMOTE, EventProc.AGENT_LIFECYCLE, () => undefined);
        // Serials 1…12 are waited for; the recording's replies carry serials 0…9.
        const settle = (call: Promise<unknown>) =>
          call.then(
            () => 'ok',
            (error: unknown) => {
              expect(error instanceof QgaError || error instanceof LibvirtRemoteError, String(error)).toBe(true);
              return 'error';
            },
          );
        const calls = Array.from({ length: 3 }, () => [
          settle(rpc.call(AUTH_LIST, undefined)),
          settle(rpc.call(CONNECT_SUPPORTS_FEATURE, 10)),
          settle(rpc.call(DOMAIN_LOOKUP_BY_NAME, 'qgavm1')),
          settle(rpc.call(DOMAIN_AGENT_COMMAND, { dom, command: '{}', timeout: 1 })),
        ]).flat();
        const bytes = Buffer.from(serverStream);
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        let start = 0;
        for (const cut of [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b)) {
          stream.push(bytes.subarray(start, cut));
          start = cut;
        }
        stream.push(bytes.subarray(start));
        stream.push(null);
        const outcomes = await Promise.all(calls);
        expect(outcomes).toHaveLength(12);
        expect(rpc.closed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
