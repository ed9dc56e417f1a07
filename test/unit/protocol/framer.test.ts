import { describe, expect, it } from 'vitest';
import { Framer, type FramerEvent } from '../../../src/protocol/framer.js';

function frame(chunks: (string | Buffer)[], max = 1 << 20): FramerEvent[] {
  const events: FramerEvent[] = [];
  const framer = new Framer(max, (e) => events.push(e));
  for (const c of chunks) framer.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'));
  return events;
}

const values = (events: FramerEvent[]) => events.filter((e) => e.kind === 'message').map((e) => (e as { value: unknown }).value);

describe('Framer', () => {
  it('delivers many replies from one chunk, in order', () => {
    expect(values(frame(['{"return": 1}\n{"return": 2}\n{"return": 3}\n']))).toEqual([{ return: 1 }, { return: 2 }, { return: 3 }]);
  });

  it('joins a reply split at every byte', () => {
    const text = '{"return": {"a": [1, 2, "x\\ny"]}}\n';
    expect(values(frame([...text]))).toEqual([{ return: { a: [1, 2, 'x\ny'] } }]);
  });

  it('0xFF drops the partial line and flags the next message as delimited', () => {
    const events = frame(['{"return": "stale', '\xff{"return": 7}\n']);
    expect(events).toEqual([
      { kind: 'discarded', bytes: 17 },
      { kind: 'message', value: { return: 7 }, delimited: true, bytes: 14 },
    ]);
  });

  it('only the line right after 0xFF is delimited', () => {
    const events = frame(['\xff{"return": 1}\n{"return": 2}\n']).filter((e) => e.kind === 'message');
    expect(events.map((e) => (e as { delimited: boolean }).delimited)).toEqual([true, false]);
  });

  it('reports an unparseable line as invalid and goes on', () => {
    const events = frame(['not json\n{"return": 1}\n']);
    expect(events[0]!.kind).toBe('invalid');
    expect(values(events)).toEqual([{ return: 1 }]);
  });

  it('skips blank lines', () => {
    expect(frame(['\n\r\n  \n{"return": 1}\n']).map((e) => e.kind)).toEqual(['message']);
  });

  it('reports oversize as soon as the limit passes and drops the rest of the line', () => {
    const events: FramerEvent[] = [];
    const framer = new Framer(100, (e) => events.push(e));
    framer.push(Buffer.from('{"return": "' + 'a'.repeat(150)));
    expect(events).toEqual([{ kind: 'oversize', bytes: 162, limit: 100 }]);
    expect(framer.bufferedBytes).toBe(0);
    framer.push(Buffer.from('a'.repeat(10_000)));
    expect(framer.bufferedBytes).toBe(0);
    framer.push(Buffer.from('"}\n{"return": 2}\n'));
    expect(events.slice(1)).toEqual([
      { kind: 'discarded', bytes: 162 + 10_000 + 3 },
      { kind: 'message', value: { return: 2 }, delimited: false, bytes: 14 },
    ]);
  });

  it('a 0xFF inside an oversize line ends it', () => {
    const events = frame(['x'.repeat(200), '\xff{"return": 1}\n'], 100);
    expect(events.map((e) => e.kind)).toEqual(['oversize', 'discarded', 'message']);
  });

  it('does not copy a finished line that arrived in one chunk', () => {
    // Large replies arrive in many chunks; a line in one chunk is parsed from that chunk.
    const events = frame(['{"return": "' + 'z'.repeat(1 << 16) + '"}\n']);
    expect(values(events)).toEqual([{ return: 'z'.repeat(1 << 16) }]);
  });

  it('keeps integers above 2^53 exact as bigint', () => {
    expect(values(frame(['{"return": 1795571060662494001}\n']))).toEqual([{ return: 1795571060662494001n }]);
  });

  it('invalid UTF-8 decodes to replacement characters, never throws', () => {
    const events = frame([Buffer.concat([Buffer.from('{"return": "'), Buffer.of(0xc3, 0x28, 0xfe), Buffer.from('"}\n')])]);
    expect(values(events)).toEqual([{ return: '\ufffd(\ufffd' }]);
  });

  it('bounded memory while a line grows: buffered bytes never exceed the limit', () => {
    const framer = new Framer(4096, () => undefined);
    let max = 0;
    for (let i = 0; i < 1000; i++) {
      framer.push(Buffer.alloc(1000, 0x61));
      max = Math.max(max, framer.bufferedBytes);
    }
    expect(max).toBeLessThanOrEqual(4096);
  });
});
