/**
 * Faults a real libvirtd does not produce on demand, against the simulated daemon: every
 * one ends in a clear error and never a hang, and the client stays usable where it can.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../../src/channels/libvirt/frame-writer.js';
import { Program, REMOTE_STRING_MAX } from '../../../../src/channels/libvirt/procedures.js';
import { LibvirtConnection, QgaClient, QgaConnectionError, QgaProtocolError } from '../../../../src/index.js';
import { agentReply, FakeLibvirtd, type FakeCall } from '../../../support/fake-libvirtd.js';
import { fakeLibvirtdPerTest } from '../../../support/fake-libvirtd-per-test.js';

let daemon: FakeLibvirtd;
const { connect, track } = fakeLibvirtdPerTest((started) => (daemon = started));

/** The reply frame the fake would send for `call`, with `body` as payload and the header changed by `patch`. */
function reply(call: FakeCall, body: Buffer, patch: Partial<{ program: number; proc: number; serial: number; status: number }> = {}): Buffer {
  const frame = Buffer.concat([encodeMessage({ program: call.header.prog, proc: call.header.proc, type: 1, serial: call.header.serial, ...patch }), body]);
  frame.writeUInt32BE(frame.length, 0);
  return frame;
}

/** An agent reply's XDR body: a present remote_string. */
function agentBody(json: string): Buffer {
  const text = Buffer.from(json);
  const body = Buffer.alloc(8 + text.length + ((4 - (text.length % 4)) % 4));
  body.writeUInt32BE(1, 0);
  body.writeUInt32BE(text.length, 4);
  text.copy(body, 8);
  return body;
}

/** Agent commands after the connect's own guest-ping get `answer`. */
function onCommand(answer: (call: FakeCall) => ReturnType<Parameters<FakeLibvirtd['on']>[2]>): void {
  daemon.on(Program.QEMU, 3, (call) => (call.command === '{"execute":"guest-ping"}' ? agentReply('{"return":{}}') : answer(call)));
}

const hostname = (c: QgaClient) => c.call('guest-get-host-name');

describe('simulated libvirtd: malformed RPC', () => {
  it.each([
    ['length 0', Buffer.from('00000000', 'hex')],
    ['length below the header', Buffer.from('0000001400000000', 'hex')],
    ['length above the maximum', Buffer.from('02000005', 'hex')],
  ])('%s: the call rejects with QgaConnectionError, the client closes with the error', async (_what, bytes) => {
    onCommand(() => ({ raw: bytes }));
    const client = await connect();
    const closed = new Promise<unknown>((resolve) => client.once('close', resolve));
    const error = await hostname(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/malformed message/);
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    expect(client.closed).toBe(true);
  });

  it('a reply under the wrong program fails that call with QgaProtocolError; the next call works', async () => {
    let first = true;
    onCommand((call) => {
      if (!first) return agentReply('{"return":{"host-name":"vm1"}}');
      first = false;
      return { raw: reply(call, Buffer.alloc(4), { program: Program.REMOTE }) };
    });
    const client = await connect();
    await expect(hostname(client)).rejects.toThrow(QgaProtocolError);
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'vm1' });
  });

  it('a reply for a serial nobody waits for is dropped; the real reply still arrives', async () => {
    onCommand((call) => ({
      raw: Buffer.concat([
        reply(call, agentBody('{"return":{"host-name":"stale"}}'), { serial: call.header.serial + 1000 }),
        reply(call, agentBody('{"return":{"host-name":"vm1"}}')),
      ]),
    }));
    const client = await connect();
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'vm1' });
  });

  it('truncated XDR in a reply fails that call only', async () => {
    let first = true;
    onCommand((call) => {
      if (!first) return agentReply('{"return":{"host-name":"vm1"}}');
      first = false;
      // A present string of 100 bytes, of which 10 arrived.
      return { raw: reply(call, Buffer.from('00000001' + '00000064' + '61'.repeat(10) + '0000', 'hex')) };
    });
    const client = await connect();
    await expect(hostname(client)).rejects.toThrow(/truncated XDR/);
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'vm1' });
  });

  it('an error reply whose remote_error is cut short fails the call with QgaProtocolError', async () => {
    onCommand((call) => ({ raw: reply(call, Buffer.from('00000001', 'hex'), { status: 1 }) }));
    const client = await connect();
    await expect(hostname(client)).rejects.toThrow(QgaProtocolError);
    expect(client.closed).toBe(false);
  });
});

describe('simulated libvirtd: oversized replies', () => {
  it('a reply above maxReplyBytes is QgaProtocolError; the client stays usable', async () => {
    const big = `{"return":{"host-name":"${'x'.repeat(300_000)}"}}`;
    onCommand(() => agentReply(big));
    const client = await connect({ maxReplyBytes: 100_000 });
    await expect(hostname(client)).rejects.toThrow(/exceeds maxReplyBytes \(100000\)/);
    onCommand(() => agentReply('{"return":{"host-name":"vm1"}}'));
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'vm1' });
  });

  it('a string above libvirt’s 4 MiB limit is refused by the decoder, not decoded', async () => {
    onCommand((call) => {
      const body = Buffer.alloc(8 + 5 * 1024 * 1024, 0x61);
      body.writeUInt32BE(1, 0);
      body.writeUInt32BE(5 * 1024 * 1024, 4);
      return { raw: reply(call, body) };
    });
    const client = await connect();
    await expect(hostname(client)).rejects.toThrow(new RegExp(`exceeds its limit of ${REMOTE_STRING_MAX}`));
    expect(client.closed).toBe(false);
  });
});

describe('simulated libvirtd: keepalive', () => {
  it('answers the daemon’s PINGs with PONGs', async () => {
    await connect();
    daemon.ping();
    daemon.ping();
    await expect.poll(() => daemon.pongs).toBe(2);
  });

  it('a daemon that stops answering is dropped after the unanswered PINGs; the call in flight rejects', async () => {
    onCommand(() => 'silent');
    const client = await connect({ timeout: 60_000 }, { keepalive: { interval: 50, count: 3 } });
    daemon.answerPings = false;
    const started = performance.now();
    const error = await hostname(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/did not answer 3 keepalive pings/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(daemon.pings).toBeGreaterThanOrEqual(3);
  });

  it('a silent but answering daemon keeps the connection: a slow call outlives many keepalive intervals', async () => {
    onCommand(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return agentReply('{"return":{"host-name":"slow"}}');
    });
    const client = await connect({}, { keepalive: { interval: 50, count: 2 } });
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'slow' });
    expect(daemon.pings).toBeGreaterThan(2);
  });
});

describe('simulated libvirtd: the daemon goes away', () => {
  it('mid-call: the call rejects with QgaConnectionError at once', async () => {
    onCommand(() => {
      setTimeout(() => daemon.dropClients(), 20);
      return 'silent';
    });
    const client = await connect({ timeout: 30_000 });
    const started = performance.now();
    await expect(hostname(client)).rejects.toThrow(/the libvirt connection was lost/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('with reconnect, the client reopens its connection and later calls go through', async () => {
    const client = await connect({ reconnect: { retries: 5, delay: 20 } });
    const back = new Promise<unknown>((resolve) => client.once('connect', resolve));
    daemon.dropClients();
    expect(await back).toMatchObject({ channel: 'libvirt', reconnected: true });
    onCommand(() => agentReply('{"return":{"host-name":"again"}}'));
    await expect(hostname(client)).resolves.toEqual({ 'host-name': 'again' });
  });

  it('clients sharing a connection reopen it once between them', async () => {
    const connection = await LibvirtConnection.open({ uri: daemon.uri });
    track(connection);
    const a = await connect({ reconnect: { retries: 5, delay: 20 } }, { connection, uri: undefined });
    const b = await connect({ reconnect: { retries: 5, delay: 20 } }, { domain: 'vm2', connection, uri: undefined });
    const opensBefore = daemon.callsOf(Program.REMOTE, 1).length;
    const backA = new Promise((resolve) => a.once('connect', resolve));
    const backB = new Promise((resolve) => b.once('connect', resolve));
    daemon.dropClients();
    await Promise.all([backA, backB]);
    expect(daemon.callsOf(Program.REMOTE, 1).length - opensBefore).toBe(1);
    await expect(Promise.all([a.ping(), b.ping()])).resolves.toEqual([undefined, undefined]);
  });

  it('a duplex-like stream without cork() works: requests sent together go one write each', async () => {
    const { connect: netConnect } = await import('node:net');
    const { EventEmitter } = await import('node:events');
    const socket = netConnect(daemon.path);
    await new Promise((resolve) => socket.once('connect', resolve));
    const bare = Object.assign(new EventEmitter(), {
      write: (chunk: Buffer, callback?: () => void) => socket.write(chunk, callback),
      destroy: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => bare.emit('data', chunk));
    socket.on('close', () => bare.emit('close'));
    const connection = track(await LibvirtConnection.open({ stream: bare as never }));
    const client = await connect({}, { connection, uri: undefined });
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('a connection over a given stream cannot be reopened: its clients close', async () => {
    const { connect: netConnect } = await import('node:net');
    const socket = netConnect(daemon.path);
    await new Promise((resolve) => socket.once('connect', resolve));
    const connection = await LibvirtConnection.open({ stream: socket });
    track(connection);
    const client = await connect({ reconnect: { retries: 2, delay: 10 } }, { connection, uri: undefined });
    const closed = new Promise<unknown>((resolve) => client.once('close', resolve));
    daemon.dropClients();
    expect(await closed).toBeInstanceOf(QgaConnectionError);
  });
});
