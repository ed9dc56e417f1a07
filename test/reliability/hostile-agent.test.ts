/**
 * A hostile or broken agent: each case ends in a clear error or a safe value, never a
 * crash, a hang, or memory that grows with what the agent sends.
 */
import { describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaProtocolError, QgaTimeoutError } from '../../src/index.js';
import { answerSync, startFakeAgent, useFakeAgentAndClient, type FakeConnection, type FakeRequest } from '../support/fake-agent.js';

const opened = useFakeAgentAndClient();

/**
 * An agent that answers `guest-evil` with `evil(request, connection)` and the rest
 * normally, one request after the other as qemu-ga does.
 */
async function hostile(evil: (request: FakeRequest, connection: FakeConnection) => void | Promise<void>, maxReplyBytes = 10 * 1024 * 1024) {
  let busy: Promise<void> = Promise.resolve();
  opened.agent = await startFakeAgent((request, connection) => {
    busy = busy.then(async () => {
      if (request.execute === 'guest-evil') await evil(request, connection);
      else answerSync(request, connection);
    });
  });
  opened.client = await QgaClient.connect({ path: opened.agent.path, maxReplyBytes, timeout: 2000 });
  return opened.client;
}

const evilCall = (c: QgaClient, timeout?: number) => c.call('guest-evil' as 'guest-ping', undefined, timeout ? { timeout } : undefined);
const stillWorks = async (c: QgaClient) => expect(c.call('guest-sync', { id: 4242 })).resolves.toBe(4242);

/** Write `total` bytes of `fill` in 1 MiB pieces, respecting backpressure. */
async function stream(connection: FakeConnection, total: number, fill = 0x61): Promise<void> {
  const piece = Buffer.alloc(1024 * 1024, fill);
  for (let sent = 0; sent < total && !connection.socket.destroyed; sent += piece.length) {
    if (!connection.socket.write(piece)) await new Promise((r) => connection.socket.once('drain', r));
  }
}

describe('hostile agent', () => {
  it('an endless line: QgaProtocolError at maxReplyBytes while memory stays flat', async () => {
    const c = await hostile((_request, connection) => void stream(connection, 100 * 1024 * 1024), 4 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const error = await evilCall(c).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaProtocolError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('a 100 MB reply with our id is refused at the limit and the stream after it is usable', async () => {
    const c = await hostile(async (request, connection) => {
      connection.raw(`{"return": "`);
      await stream(connection, 100 * 1000 * 1000);
      connection.raw(`", "id": ${JSON.stringify(request.id)}}\n`);
    });
    await expect(evilCall(c, 30_000)).rejects.toBeInstanceOf(QgaProtocolError);
    await stillWorks(c);
  });

  it('100 000 levels of nesting is a value, not a stack overflow', async () => {
    const depth = 100_000;
    const c = await hostile((request, connection) => connection.raw(`{"return": ${'['.repeat(depth)}${']'.repeat(depth)}, "id": ${JSON.stringify(request.id)}}\n`));
    const value = await evilCall(c);
    expect(Array.isArray(value)).toBe(true);
    await stillWorks(c);
  });

  it('invalid UTF-8 decodes to replacement characters', async () => {
    const c = await hostile((request, connection) =>
      connection.raw(Buffer.concat([Buffer.from('{"return": "a'), Buffer.of(0xc3, 0x28, 0xed, 0xa0, 0x80), Buffer.from(`", "id": ${JSON.stringify(request.id)}}\n`)])),
    );
    const value = (await evilCall(c)) as unknown as string;
    expect(value.startsWith('a\ufffd(')).toBe(true);
    await stillWorks(c);
  });

  it('__proto__ and constructor in a reply pollute nothing', async () => {
    const c = await hostile((request, connection) =>
      connection.raw(`{"return": {"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}}, "id": ${JSON.stringify(request.id)}}\n`),
    );
    const value = (await evilCall(c)) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(Object.keys(value).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('1e400, -0 and huge integers arrive as safe values', async () => {
    const c = await hostile((request, connection) =>
      connection.raw(`{"return": [1e400, -0, 123456789012345678901234567890, -1e-400], "id": ${JSON.stringify(request.id)}}\n`),
    );
    const value = (await evilCall(c)) as unknown as unknown[];
    expect(value[0]).toBe(Infinity);
    expect(Object.is(value[1], -0)).toBe(true);
    expect(value[2]).toBe(123456789012345678901234567890n);
    expect(value[3]).toBe(-0);
  });

  it('0xFF in odd places (inside a reply, twice, at the end) never misdelivers', async () => {
    const c = await hostile((request, connection) => {
      connection.raw(Buffer.concat([Buffer.from('{"return": "before'), Buffer.of(0xff), Buffer.from('{"return": 1}\n'), Buffer.of(0xff, 0xff)]));
      connection.raw(`{"return": "mine", "id": ${JSON.stringify(request.id)}}\n`);
    });
    // The sentinel dropped the partial line; the id-less `{"return": 1}` is not ours.
    await expect(evilCall(c)).resolves.toBe('mine');
    await stillWorks(c);
  });

  it('a reply that is JSON but not an object, or an object of the wrong shape, is not taken', async () => {
    const c = await hostile((request, connection) => {
      connection.raw(`[1, 2, 3]\n"text"\n{"neither": true, "id": ${JSON.stringify(request.id)}}\n`);
    });
    await expect(evilCall(c, 200)).rejects.toBeInstanceOf(QgaTimeoutError);
    await stillWorks(c);
  });

  it('an error reply with a non-string class and desc still becomes a clear QgaCommandError', async () => {
    const c = await hostile((request, connection) => connection.raw(`{"error": {"class": 7, "desc": {"x": 1}}, "id": ${JSON.stringify(request.id)}}\n`));
    await expect(evilCall(c)).rejects.toBeInstanceOf(QgaCommandError);
  });

  it('a desc holding a huge integer does not crash the data handler', async () => {
    const c = await hostile((request, connection) => connection.raw(`{"error": {"class": "GenericError", "desc": 123456789012345678901234567890}, "id": ${JSON.stringify(request.id)}}\n`));
    const error = (await evilCall(c).catch((e: unknown) => e)) as QgaCommandError;
    expect(error.desc).toBe('123456789012345678901234567890');
    await stillWorks(c);
  });

  it('an error reply whose desc is an object shows that object', async () => {
    const c = await hostile((request, connection) => connection.raw(`{"error": {"class": 7, "desc": {"x": 1}}, "id": ${JSON.stringify(request.id)}}\n`));
    const error = (await evilCall(c).catch((e: unknown) => e)) as QgaCommandError;
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error.errorClass).toBe('GenericError');
    expect(error.desc).toBe('{"x":1}');
  });

  it('a flood of unsolicited replies between calls is discarded and bounded', async () => {
    const c = await hostile((_request, connection) => {
      for (let i = 0; i < 10_000; i++) connection.raw(`{"return": ${i}, "id": "forged-${i}"}\n`);
    });
    await evilCall(c, 200).catch(() => undefined);
    await stillWorks(c);
    await stillWorks(c);
  });
});
