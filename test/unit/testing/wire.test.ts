import { beforeEach, describe, expect, test } from 'vitest';
import { SimulatedAgent } from '../../../src/testing/index.js';
import { formatDouble, qdictOrder, quoteString, writeJson } from '../../../src/testing/json-writer.js';
import { RequestReader, type WireEvent } from '../../../src/testing/wire.js';
import { RawClient, useSimulatedAgent } from '../../support/raw-client.js';

const STRAY_FF = `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}\n`;

const simulated = useSimulatedAgent();
const connect = (): Promise<RawClient> => simulated.connect();
beforeEach(async () => {
  simulated.agent = await SimulatedAgent.start();
});

/** A new client sends `request` and has its first `replies` lines in. */
async function exchange(request: string | Buffer, replies: number): Promise<RawClient> {
  const c = await connect();
  c.send(request);
  await c.lines(replies);
  return c;
}

async function restartWith(options: Parameters<typeof SimulatedAgent.start>[0]): Promise<void> {
  await simulated.agent?.stop();
  simulated.agent = await SimulatedAgent.start(options);
}

describe('replies byte for byte', () => {
  test('guest-ping answers exactly {"return": {}} and a newline', async () => {
    const c = await exchange('{"execute":"guest-ping"}', 1);
    expect(c.text).toBe('{"return": {}}\n');
  });

  test('the request id is echoed after "return" and before "error", as QDict orders them', async () => {
    const c = await exchange('{"execute":"guest-ping","id":"abc"}{"execute":"guest-nope","id":{"z":1,"a":[1,2]}}', 2);
    expect(c.text).toBe(
      '{"return": {}, "id": "abc"}\n' +
        '{"id": {"a": [1, 2], "z": 1}, "error": {"class": "CommandNotFound", "desc": "The command guest-nope has not been found"}}\n',
    );
  });

  test('0xFF then guest-sync-delimited gives one parse error, then 0xFF and the reply', async () => {
    const c = await exchange(Buffer.concat([Buffer.from([0xff]), Buffer.from('{"execute":"guest-sync-delimited","arguments":{"id":7}}\n')]), 2);
    expect(c.received).toEqual(Buffer.concat([Buffer.from(STRAY_FF), Buffer.from([0xff]), Buffer.from('{"return": 7}\n')]));
  });

  test('without the leading 0xFF, guest-sync-delimited still puts 0xFF before its reply', async () => {
    const c = await exchange('{"execute":"guest-sync-delimited","arguments":{"id":8}}', 1);
    expect(c.text).toBe('\xff{"return": 8}\n');
  });

  test('a control byte gives a stray error naming it, and the parser recovers', async () => {
    const c = await exchange('\x01{"execute":"guest-ping"}', 2);
    expect(c.text).toBe(`{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\u0001'"}}\n{"return": {}}\n`);
  });

  test('each 0xFE/0xFF byte gives its own error line', async () => {
    const c = await exchange(Buffer.from([0xff, 0xfe, 0xff]), 3);
    expect(c.text.split('\n').slice(0, 3).map((l) => JSON.parse(l).error.desc)).toEqual([
      "JSON parse error, stray '\uFFFD'",
      "JSON parse error, stray '\uFFFD'",
      "JSON parse error, stray '\uFFFD'",
    ]);
  });

  test('integers beyond 2^53 are echoed exactly', async () => {
    const c = await exchange('{"execute":"guest-sync","arguments":{"id":9007199254740993}}', 1);
    expect(c.text).toBe('{"return": 9007199254740993}\n');
  });

  test('guest-get-time is nanoseconds written as a bare integer ending in 000', async () => {
    const c = await connect();
    const before = BigInt(Date.now()) * 1_000_000n;
    c.send('{"execute":"guest-get-time"}');
    await c.lines(1);
    const m = /^\{"return": (\d+)\}\n$/.exec(c.text);
    expect(m).not.toBeNull();
    const ns = BigInt(m![1]!);
    expect(ns % 1000n).toBe(0n);
    expect(ns).toBeGreaterThanOrEqual(before - 1_000_000n);
    expect(ns).toBeGreaterThan(2n ** 53n);
  });

  test('replies are pure ASCII: non-ASCII is escaped as upper-case \\uXXXX with surrogate pairs', async () => {
    await restartWith({ hostName: 'gäst-😀\u007f' });
    const c = await exchange('{"execute":"guest-get-host-name"}', 1);
    expect(c.text).toBe('{"return": {"host-name": "g\\u00E4st-\\uD83D\\uDE00\\u007F"}}\n');
    expect([...c.received].every((b) => b < 0x80)).toBe(true);
  });

  test('request members other than execute/arguments/id are refused with the real texts', async () => {
    const c = await connect();
    expect(await c.call({ execute: 'guest-ping', foo: 1 })).toEqual({
      error: { class: 'GenericError', desc: "QMP input member 'foo' is unexpected" },
    });
    expect(await c.call({ 'exec-oob': 'guest-ping' })).toEqual({
      error: { class: 'GenericError', desc: "QMP input member 'exec-oob' is unexpected" },
    });
    expect(await c.call({ arguments: {} })).toEqual({ error: { class: 'GenericError', desc: "QMP input lacks member 'execute'" } });
    expect(await c.call([1])).toEqual({ error: { class: 'GenericError', desc: 'QMP input must be a JSON object' } });
  });

  test('argument errors use the input visitor texts', async () => {
    const c = await connect();
    const desc = async (req: unknown): Promise<string> => (await c.call(req)).error.desc;
    expect(await desc({ execute: 'guest-ping', arguments: { foo: 1 } })).toBe("Parameter 'foo' is unexpected");
    expect(await desc({ execute: 'guest-sync', arguments: {} })).toBe("Parameter 'id' is missing");
    expect(await desc({ execute: 'guest-sync', arguments: { id: 1.5 } })).toBe("Invalid parameter type for 'id', expected: integer");
    expect(await desc({ execute: 'guest-sync', arguments: { id: 'x' } })).toBe("Invalid parameter type for 'id', expected: integer");
    expect((await c.callRaw('{"execute":"guest-sync","arguments":{"id":9223372036854775808}}')).error.desc).toBe(
      "Invalid parameter type for 'id', expected: integer",
    );
    expect(await desc({ execute: 'guest-exec', arguments: { path: 'x', arg: [1] } })).toBe(
      "Invalid parameter type for 'arg[0]', expected: string",
    );
    expect(await desc({ execute: 'guest-file-seek', arguments: { handle: 1, offset: 0, whence: 'middle' } })).toBe(
      "Parameter 'whence' does not accept value 'middle'",
    );
  });

  test('an unknown word is an invalid keyword', async () => {
    const c = await exchange('hello\n', 1);
    expect(c.text).toBe(`{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword 'hello'"}}\n`);
  });

  test('single-quoted strings are accepted, like QEMU', async () => {
    const c = await exchange("{'execute':'guest-sync','arguments':{'id':5}}", 1);
    expect(c.text).toBe('{"return": 5}\n');
  });
});

describe('parser state belongs to the agent', () => {
  test('a half request left by one client corrupts the next until 0xFF', async () => {
    const a = await connect();
    a.send('{"execute":"guest-pi');
    await new Promise((r) => setTimeout(r, 50));
    await a.close();

    const b = await connect();
    b.send('{"execute":"guest-ping","id":"fresh"}');
    // The same six error replies as the real agent, and no answer.
    await b.lines(6);
    expect(b.text.split('\n').slice(0, 6).map((l) => JSON.parse(l).error.desc)).toEqual([
      "JSON parse error, stray '-p'",
      'JSON parse error, expecting value',
      'QMP input must be a JSON object',
      'JSON parse error, expecting value',
      'QMP input must be a JSON object',
      'JSON parse error, expecting value',
    ]);
    expect(await b.quietFor(50)).toBe(true);
    await b.close();

    const c = await connect();
    c.send('{"execute":"guest-pi');
    await c.close();
    const d = await exchange(Buffer.concat([Buffer.from([0xff]), Buffer.from('{"execute":"guest-ping","id":"fresh"}')]), 2);
    expect(d.text).toBe(`{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\"guest-pi\\uFFFD'"}}\n{"return": {}, "id": "fresh"}\n`);
  });
});

describe('bounded input', () => {
  test('an endless string hits the token size limit, then the agent resynchronises', async () => {
    await restartWith({ maxRequestBytes: 1000 });
    const c = await exchange(`{"execute":"guest-file-write","arguments":{"buf-b64":"${'A'.repeat(5000)}"}}`, 4);
    // As observed on qemu-ga with a 65 MiB string: four error replies.
    expect(c.text.split('\n').slice(0, 4).map((l) => JSON.parse(l).error.desc)).toEqual([
      'JSON token size limit exceeded',
      "JSON parse error, stray 'A'",
      'JSON parse error, expecting value',
      'JSON parse error, expecting value',
    ]);
    expect(await c.call({ execute: 'guest-ping' })).toEqual({ return: {} });
  });

  test('many small tokens hit the same limit on their total size', () => {
    const reader = new RequestReader({ maxRequestBytes: 100 });
    const events: WireEvent[] = [];
    reader.feed(Buffer.from(`[${'1,'.repeat(200)}1]`), (e) => events.push(e));
    expect(events[0]).toEqual({ kind: 'error', desc: 'JSON token size limit exceeded' });
  });

  test('nesting deeper than 1024 is refused', () => {
    const reader = new RequestReader();
    const events: WireEvent[] = [];
    reader.feed(Buffer.from('['.repeat(1100)), (e) => events.push(e));
    expect(events[0]).toEqual({ kind: 'error', desc: 'JSON nesting depth limit exceeded' });
  });
});

describe('JSON writer', () => {
  test('orders members like a QDict', () => {
    expect(qdictOrder(['return', 'id'])).toEqual(['return', 'id']);
    expect(qdictOrder(['error', 'id'])).toEqual(['id', 'error']);
    expect(qdictOrder(['count', 'buf-b64', 'eof'])).toEqual(['count', 'buf-b64', 'eof']);
    expect(qdictOrder(['class', 'desc'])).toEqual(['class', 'desc']);
  });

  test('writes floats like %.17g and bigints exactly', () => {
    expect(formatDouble(1.5)).toBe('1.5');
    expect(formatDouble(0.1)).toBe('0.10000000000000001');
    expect(formatDouble(1e21)).toBe('1e+21');
    expect(formatDouble(1e-5)).toBe('1.0000000000000001e-05');
    expect(writeJson({ a: 2n ** 64n, b: 1700000000.25, c: undefined, d: null, e: [true, false] })).toBe(
      '{"d": null, "e": [true, false], "a": 18446744073709551616, "b": 1700000000.25}',
    );
  });

  test('escapes like quoted_str', () => {
    expect(quoteString('a"b\\c\n\t\b\f\r/\u0000é\uFDD0\uD800')).toBe('"a\\"b\\\\c\\n\\t\\b\\f\\r/\\u0000\\u00E9\\uFFFD\\uFFFD"');
  });
});
