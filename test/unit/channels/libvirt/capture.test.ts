/**
 * The recorded exchanges with a real libvirtd 9.0.0 (test/fixtures/libvirt-rpc-capture.ts),
 * byte for byte: what virsh and a hand-written client sent is exactly what this client's
 * encoder produces for the same calls, and every server message decodes to what libvirtd
 * meant.
 */
import { describe, expect, it } from 'vitest';
import { agentError } from '../../../../src/channels/libvirt/errors.js';
import { FrameReader, type FrameHeader } from '../../../../src/channels/libvirt/frame-reader.js';
import { encodeCall, encodeMessage } from '../../../../src/channels/libvirt/frame-writer.js';
import {
  AUTH_LIST,
  CONNECT_CLOSE,
  CONNECT_OPEN,
  CONNECT_SUPPORTS_FEATURE,
  DOMAIN_AGENT_COMMAND,
  DOMAIN_LOOKUP_BY_NAME,
  EVENT_REGISTER_ANY,
  formatUuid,
  KeepaliveProc,
  Program,
  readAgentLifecycle,
  readLifecycle,
  readRemoteError,
  type Procedure,
} from '../../../../src/channels/libvirt/procedures.js';
import { LibvirtRemoteError } from '../../../../src/channels/libvirt/remote-error.js';
import { XdrReader } from '../../../../src/channels/libvirt/xdr.js';
import { QgaCommandError } from '../../../../src/errors.js';
import { CAPTURE_A, CAPTURE_B, CAPTURE_C } from '../../../fixtures/libvirt-rpc-capture.js';

interface Message {
  header: FrameHeader;
  payload: Buffer;
}

/** The messages of a recorded stream, through the real frame reader, fed in one piece. */
function messages(frames: string[]): Message[] {
  const out: Message[] = [];
  const reader = new FrameReader({ onFrame: (header, payload) => out.push({ header, payload: Buffer.from(payload) }), onError: (e) => { throw e; } });
  reader.push(Buffer.from(frames.join(''), 'hex'));
  expect(out).toHaveLength(frames.length);
  return out;
}

const decode = <R>(procedure: Procedure<never, R>, m: Message): R => {
  expect([m.header.prog, m.header.proc, m.header.status]).toEqual([procedure.program, procedure.proc, 0]);
  const r = new XdrReader(m.payload);
  const value = procedure.decode(r);
  expect(r.remaining).toBe(0);
  return value;
};

const qgavm1 = { name: 'qgavm1', uuid: Buffer.from('ff972108a9014cc784a00b7fccb65559', 'hex'), id: 1 };

describe('capture A: virsh qemu-agent-command guest-ping', () => {
  it('every call virsh sent is byte for byte what encodeCall produces', () => {
    const sent = CAPTURE_A.client;
    expect(encodeCall(AUTH_LIST, undefined, 0).toString('hex')).toBe(sent[0]);
    expect(encodeCall(CONNECT_SUPPORTS_FEATURE, 10, 1).toString('hex')).toBe(sent[1]);
    expect(encodeCall(CONNECT_OPEN, { name: 'qemu:///system', flags: 0 }, 2).toString('hex')).toBe(sent[2]);
    expect(encodeCall(CONNECT_SUPPORTS_FEATURE, 14, 3).toString('hex')).toBe(sent[3]);
    expect(encodeCall(CONNECT_SUPPORTS_FEATURE, 15, 4).toString('hex')).toBe(sent[4]);
    expect(encodeCall(DOMAIN_LOOKUP_BY_NAME, 'qgavm1', 6).toString('hex')).toBe(sent[6]);
    expect(encodeCall(DOMAIN_AGENT_COMMAND, { dom: qgavm1, command: '{"execute":"guest-ping"}', timeout: -1 }, 7).toString('hex')).toBe(sent[7]);
    expect(encodeCall(CONNECT_CLOSE, undefined, 9).toString('hex')).toBe(sent[9]);
  });

  it('every reply decodes to what libvirtd answered', () => {
    const got = messages(CAPTURE_A.server);
    expect(got.map((m) => [m.header.type, m.header.serial])).toEqual(Array.from({ length: 10 }, (_, i) => [1, i]));
    expect(decode(AUTH_LIST, got[0]!)).toEqual([0]);
    expect(decode(CONNECT_SUPPORTS_FEATURE, got[1]!)).toBe(1);
    decode(CONNECT_OPEN, got[2]!);
    expect(decode(DOMAIN_LOOKUP_BY_NAME, got[6]!)).toEqual(qgavm1);
    expect(formatUuid(qgavm1.uuid)).toBe('ff972108-a901-4cc7-84a0-0b7fccb65559');
    expect(decode(DOMAIN_AGENT_COMMAND, got[7]!)?.toString()).toBe('{"return":{}}');
    decode(CONNECT_CLOSE, got[9]!);
  });
});

describe('capture B: errors on the wire, a client PING', () => {
  it('an unknown domain is remote_error 42/10 with libvirt’s message', () => {
    const reply = messages(CAPTURE_B.server)[2]!;
    expect([reply.header.proc, reply.header.status]).toEqual([23, 1]);
    const error = readRemoteError(new XdrReader(reply.payload));
    expect(error).toMatchObject({ code: 42, domain: 10, level: 2, message: "Domain not found: no domain with matching name 'nosuchdom'", int1: -1, int2: -1 });
    expect(error.str1).toBe('Domain not found: %s');
  });

  it('the agent’s error arrives as 1/10 and maps to QgaCommandError with the agent’s desc', () => {
    const reply = messages(CAPTURE_B.server)[4]!;
    const error = new LibvirtRemoteError('DOMAIN_AGENT_COMMAND', readRemoteError(new XdrReader(reply.payload)));
    expect([error.virCode, error.virDomain]).toEqual([1, 10]);
    const mapped = agentError(error, 'guest-pong', 5000, { description: 'libvirt qemu:///system domain qgavm1' });
    expect(mapped).toBeInstanceOf(QgaCommandError);
    expect(mapped).toMatchObject({ command: 'guest-pong', errorClass: 'CommandNotFound', desc: 'The command guest-pong has not been found' });
  });

  it('the client’s keepalive PING and libvirtd’s PONG are empty MESSAGEs with serial 0', () => {
    expect(encodeMessage({ program: Program.KEEPALIVE, proc: KeepaliveProc.PING, type: 2, serial: 0 }).toString('hex')).toBe(CAPTURE_B.client[5]);
    const pong = messages(CAPTURE_B.server)[5]!;
    expect(pong.header).toEqual({ prog: Program.KEEPALIVE, vers: 1, proc: KeepaliveProc.PONG, type: 2, serial: 0, status: 0 });
    expect(pong.payload.length).toBe(0);
  });
});

describe('capture C: events and server keepalive', () => {
  it('registering for agent lifecycle events of all domains is byte for byte libvirt’s', () => {
    expect(encodeCall(EVENT_REGISTER_ANY, { eventId: 18, dom: undefined }, 3).toString('hex')).toBe(CAPTURE_C.client[3]);
    expect(encodeCall(EVENT_REGISTER_ANY, { eventId: 0, dom: undefined }, 4).toString('hex')).toBe(CAPTURE_C.client[4]);
  });

  it('events carry serial 1 and decode to the domain and its state', () => {
    const got = messages(CAPTURE_C.server);
    expect(decode(EVENT_REGISTER_ANY, got[3]!)).toBe(0);
    const events = got.filter((m) => m.header.type === 2 && m.header.prog === Program.REMOTE);
    expect(events.map((m) => [m.header.proc, m.header.serial])).toEqual([[318, 1], [348, 1], [318, 1], [318, 1]]);
    const agent = readAgentLifecycle(new XdrReader(events[1]!.payload));
    expect({ ...agent, dom: { ...agent.dom, uuid: formatUuid(agent.dom.uuid) } }).toEqual({
      callbackId: 0,
      dom: { name: 'qgarpc1', uuid: 'dc8cbb5e-a412-4956-b5f0-b735a07ed9a6', id: 2 },
      state: 2,
      reason: 1,
    });
    expect(readLifecycle(new XdrReader(events[0]!.payload))).toMatchObject({ callbackId: 1, event: 0, detail: 0, dom: { name: 'qgarpc1', id: -1 } });
  });

  it('libvirtd’s keepalive PING is an empty MESSAGE with serial 0', () => {
    const ping = messages(CAPTURE_C.server).find((m) => m.header.prog === Program.KEEPALIVE)!;
    expect(ping.header).toEqual({ prog: Program.KEEPALIVE, vers: 1, proc: KeepaliveProc.PING, type: 2, serial: 0, status: 0 });
  });
});
