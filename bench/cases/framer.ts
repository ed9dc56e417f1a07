/**
 * One big reply through the library's Framer, against a bare `JSON.parse` of the same
 * text, for sizes from 1 to 48 MiB (a `guest-file-read` of 48 MiB answers with ~64 MiB of
 * base64; 48 MiB of reply text is the largest exec output reply and then some). The bytes
 * arrive in 64 KiB pieces, as a unix socket delivers them.
 *
 * For contrast, the naive approach many clients take: append each piece to a string and
 * try `JSON.parse` after every piece until it succeeds. It is quadratic, so its sizes are
 * capped to keep the run short.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Framer } from '../../src/protocol/framer.js';
import { fullGc } from '../lib/gc.js';
import { growthExponent, KiB, median, MiB, since } from '../lib/stats.js';
import type { BenchCase, Row, Series } from '../lib/types.js';

const PIECE = 64 * KiB;

/** A `guest-file-read`-shaped reply of about `size` bytes, as the agent sends it (with `\n`). */
function replyOf(size: number): { bytes: Buffer; text: string } {
  const overhead = 80;
  const payload = Math.max(4, Math.floor(((size - overhead) * 3) / 4 / 3) * 3);
  const b64 = randomBytes(payload).toString('base64');
  const text = `{"return": {"count": ${payload}, "buf-b64": "${b64}", "eof": false}, "id": "5f3a9c21-1a2b"}`;
  return { bytes: Buffer.from(text + '\n', 'latin1'), text };
}

function pieces(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  // Fresh buffers, as the socket hands them over (the framer may keep them).
  for (let offset = 0; offset < bytes.length; offset += PIECE) out.push(Buffer.from(bytes.subarray(offset, offset + PIECE)));
  return out;
}

/** The framer's value equals `JSON.parse` of the same text (checked once per size, untimed). */
function checkFramer(chunks: Buffer[], text: string): void {
  let value: unknown;
  const framer = new Framer(100 * MiB, (event) => {
    if (event.kind !== 'message') throw new Error(`framer emitted ${event.kind}`);
    value = event.value;
  });
  for (const chunk of chunks) framer.push(chunk);
  if (!isDeepStrictEqual(value, JSON.parse(text))) throw new Error('the framer decoded a reply differently from JSON.parse');
}

type FileReadReply = { return?: { 'buf-b64'?: string } };

/** What `readFile` does next with a reply: decode its data. Returns the byte count. */
function decodeData(value: unknown): number {
  const data = (value as FileReadReply).return?.['buf-b64'];
  if (typeof data !== 'string') throw new Error('no buf-b64');
  return Buffer.from(data, 'base64').length;
}

/** Time through the framer, and with `thenDecode` also decoding the reply's data. */
function timeFramer(chunks: Buffer[], thenDecode = false): number {
  let received: unknown;
  let count = 0;
  const framer = new Framer(100 * MiB, (event) => {
    if (event.kind !== 'message') throw new Error(`framer emitted ${event.kind}`);
    received = event.value;
    count++;
  });
  const start = performance.now();
  for (const chunk of chunks) framer.push(chunk);
  if (thenDecode) decodeData(received);
  const ms = since(start);
  if (count !== 1) throw new Error(`framer emitted ${count} messages`);
  return ms;
}

function timeParse(text: string, thenDecode = false): number {
  const start = performance.now();
  const value = JSON.parse(text) as { return?: unknown };
  if (thenDecode) decodeData(value);
  const ms = since(start);
  if (!value.return) throw new Error('no return');
  return ms;
}

/** What the raw client does with a finished line: join the chunks, decode, parse once. */
function timeRawFraming(chunks: Buffer[], thenDecode = false): number {
  const start = performance.now();
  const bytes = chunks.reduce((n, c) => n + c.length, 0) - 1;
  const value = JSON.parse(Buffer.concat(chunks, bytes + 1).subarray(0, bytes).toString()) as { return?: unknown };
  if (thenDecode) decodeData(value);
  const ms = since(start);
  if (!value.return) throw new Error('no return');
  return ms;
}

function timeNaive(chunks: Buffer[]): number {
  const start = performance.now();
  let buffered = '';
  let parsed: unknown;
  for (const chunk of chunks) {
    buffered += chunk.toString('utf8');
    try {
      parsed = JSON.parse(buffered);
      buffered = '';
    } catch {
      // not complete yet
    }
  }
  const ms = since(start);
  if (parsed === undefined) throw new Error('naive parse never completed');
  return ms;
}

export const framerCase: BenchCase = {
  name: 'framer',
  title: 'One big reply through the framer vs JSON.parse',
  needsAgent: false,
  run(ctx) {
    const sizes = ctx.smoke ? [1, 2] : [1, 2, 4, 8, 16, 32, 48];
    const naiveMax = ctx.smoke ? 1 : 8;
    const rounds = ctx.smoke ? 1 : 5;
    const rows: Row[] = [];
    const framerSeries: Series = { name: 'Framer (library)', xLabel: 'MiB', yLabel: 'ms', points: [] };
    const parseSeries: Series = { name: 'JSON.parse alone', xLabel: 'MiB', yLabel: 'ms', points: [] };
    const rawSeries: Series = { name: 'raw client framing', xLabel: 'MiB', yLabel: 'ms', points: [] };
    const naiveSeries: Series = { name: 'naive re-parse per chunk', xLabel: 'MiB', yLabel: 'ms', points: [] };
    for (const mib of sizes) {
      const { bytes, text } = replyOf(mib * MiB);
      const chunks = pieces(bytes);
      const framer: number[] = [];
      const parse: number[] = [];
      const rawFraming: number[] = [];
      const framerDecoded: number[] = [];
      const parseDecoded: number[] = [];
      const rawDecoded: number[] = [];
      // Warm-up: both paths compiled and the string shapes seen once.
      checkFramer(chunks, text);
      timeFramer(chunks);
      timeParse(text);
      for (let round = 0; round < rounds; round++) {
        fullGc();
        if (round % 2 === 0) framer.push(timeFramer(chunks));
        fullGc();
        parse.push(timeParse(text));
        fullGc();
        rawFraming.push(timeRawFraming(chunks));
        fullGc();
        if (round % 2 === 1) framer.push(timeFramer(chunks));
      }
      framerSeries.points.push({ x: mib, y: median(framer) });
      parseSeries.points.push({ x: mib, y: median(parse) });
      rawSeries.points.push({ x: mib, y: median(rawFraming) });
      const isLargest = mib === sizes[sizes.length - 1];
      if (isLargest) {
        // The reply as readFile uses it: the data decoded to bytes. A string the framer left
        // as a rope is joined here, so this row shows what the lazy join saves end to end.
        for (let round = 0; round < rounds; round++) {
          fullGc();
          if (round % 2 === 0) framerDecoded.push(timeFramer(chunks, true));
          fullGc();
          parseDecoded.push(timeParse(text, true));
          fullGc();
          rawDecoded.push(timeRawFraming(chunks, true));
          fullGc();
          if (round % 2 === 1) framerDecoded.push(timeFramer(chunks, true));
        }
      }
      rows.push({
        name: `one ${mib} MiB reply`,
        unit: 'ms',
        direction: 'lower',
        library: framer,
        raw: parse,
        rawLabel: 'JSON.parse',
        ...(isLargest ? { goal: { on: 'ratio' as const, op: '<=' as const, value: 1.5 } } : { note: 'series' }),
      });
      if (isLargest) {
        rows.push({
          name: `one ${mib} MiB reply, against the raw client's framing (join, decode, parse once)`,
          unit: 'ms',
          direction: 'lower',
          library: framer,
          raw: rawFraming,
          note: 'informational',
        });
        rows.push({
          name: `one ${mib} MiB reply and its data decoded to bytes (what readFile does)`,
          unit: 'ms',
          direction: 'lower',
          library: framerDecoded,
          raw: parseDecoded,
          rawLabel: 'JSON.parse + decode',
          note: 'informational',
        });
        rows.push({
          name: `one ${mib} MiB reply and its data decoded to bytes, against the raw client's framing + decode`,
          unit: 'ms',
          direction: 'lower',
          library: framerDecoded,
          raw: rawDecoded,
          note: 'informational',
        });
      }
      if (mib <= naiveMax) {
        fullGc();
        naiveSeries.points.push({ x: mib, y: timeNaive(chunks) });
      }
      ctx.log(`  ${mib} MiB: framer ${median(framer).toFixed(1)} ms, raw framing ${median(rawFraming).toFixed(1)} ms, JSON.parse ${median(parse).toFixed(1)} ms`);
    }
    // Where memory comes from moves the cost per MiB in steps, for JSON.parse too: up to
    // ~8 MiB the framer's decoded pieces stay in V8's young generation (16 MiB semi-space,
    // memory the process reuses) and are promoted into fresh old-space pages beyond; from
    // 32 MiB every large allocation is fresh pages. So the framer's growth is judged against
    // JSON.parse's (a linear-time baseline) over the same sizes in the same run, where every
    // size is past the young-generation step; the whole range is printed beside it.
    const within = (series: Series, from: number, to: number): { x: number; y: number }[] => series.points.filter((p) => p.x >= from && p.x <= to);
    const largest = sizes[sizes.length - 1]!;
    const ranges: { from: number; to: number; goal: boolean; note?: string }[] =
      largest >= 48
        ? [
            { from: 16, to: largest, goal: true },
            { from: 1, to: 8, goal: false },
            { from: 1, to: largest, goal: false, note: 'informational: includes the young-generation step at 8→16 MiB' },
          ]
        : [{ from: sizes[0]!, to: largest, goal: true }];
    for (const range of ranges) {
      rows.push({
        name: `growth exponent ${range.from}–${range.to} MiB (1 = linear)${range.goal ? ', against JSON.parse\'s in the same run' : ''}`,
        unit: '',
        direction: 'lower',
        library: [growthExponent(within(framerSeries, range.from, range.to))],
        raw: [growthExponent(within(parseSeries, range.from, range.to))],
        rawLabel: 'JSON.parse',
        // The ratio of the two exponents: at most 1.2, the framer grows no faster than JSON.parse.
        ...(range.goal ? { goal: { on: 'ratio' as const, op: '<=' as const, value: 1.2 } } : { note: range.note ?? 'informational' }),
      });
    }
    if (naiveSeries.points.length > 1) {
      rows.push({
        name: `naive re-parse per chunk: growth exponent ${naiveSeries.points[0]!.x}–${naiveMax} MiB`,
        unit: '',
        direction: 'lower',
        library: [growthExponent(naiveSeries.points)],
        note: 'contrast (quadratic)',
      });
    }
    return Promise.resolve({
      rows,
      series: [framerSeries, rawSeries, parseSeries, naiveSeries],
      notes: [
        `Bytes arrive in ${PIECE / KiB} KiB pieces; ${rounds} timed runs per size after one warm-up, a full GC before each.`,
        `The naive approach is run once per size up to ${naiveMax} MiB only: it is quadratic.`,
        'Growth exponent: slope of log(time) against log(size) (1 = linear, 2 = quadratic). The framer\'s cost per MiB steps up once between 8 and 16 MiB, where its decoded pieces no longer fit V8\'s young generation (16 MiB semi-space by default); with --max-semi-space-size=64 the step moves past 48 MiB.',
        'A reply that is mostly one long string is parsed around it: the string is decoded chunk by chunk and left as a rope that is joined when first read whole, so the framer copies the payload once where join + decode + JSON.parse copy it three times. The "decoded to bytes" row includes that join.',
        'Into memory the process reuses a copy costs < 0.1 ms/MiB; into fresh pages ~2.8 ms/MiB on this VM (page faults), and glibc maps every allocation of 32 MiB or more fresh, so absolute times move with what malloc hands back.',
      ],
    });
  },
};
