/**
 * Decodes a long line whose bulk is one string literal without first joining it into one
 * text.
 *
 * The big replies of the agent are one long base64 string in a small object
 * (`guest-file-read`'s `buf-b64`, `guest-exec-status`'s `out-data`). Joining the socket's
 * chunks, decoding them to one string and handing that to `JSON.parse` copies the payload
 * three times (join, decode, the parser's copy of the literal), each into fresh memory
 * once a reply is tens of MiB. Here the literal is cut out of the pieces and decoded piece
 * by piece, the pieces are joined into one string lazily (a V8 rope, flattened once by
 * whoever reads it whole, e.g. a base64 decode), and only the small rest goes through
 * `JSON.parse`.
 *
 * Correctness is left to `JSON.parse` wherever it can be: the literal is replaced by a
 * random marker, the envelope is parsed normally, and the result is used only if the
 * marker comes back as exactly one whole string value. Anything else (the literal is a
 * key, has escapes, control characters or non-ASCII bytes, the envelope is not JSON)
 * returns `undefined`, and the caller decodes the line the ordinary way.
 */
import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { decodeJson } from './json-codec.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// Raw control characters are not allowed inside a JSON string; `JSON.parse` would reject them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

/** The parsed line, or `undefined` when the fast path does not apply (decode it normally). */
export function decodeLongStringLine(pieces: readonly Buffer[], bytes: number): { value: unknown } | undefined {
  const literal = literalAroundMiddle(pieces, bytes);
  // Worth it only when the literal is the bulk of the line.
  if (literal === undefined || literal.end - literal.start < bytes / 2) return undefined;
  const text = literalText(pieces, literal.start, literal.end);
  if (text === undefined) return undefined;
  const marker = `qga-long-string-${randomBytes(9).toString('hex')}`;
  const envelope = asciiText(pieces, 0, literal.start) + marker + asciiText(pieces, literal.end, bytes);
  let value: unknown;
  try {
    value = decodeJson(envelope);
  } catch {
    return undefined;
  }
  if (value === marker) return { value: text };
  const slot = findMarker(value, marker);
  if (slot === undefined) return undefined;
  slot.holder[slot.key] = text;
  return { value };
}

/** Byte offsets `[start, end)` between the quotes nearest either side of the line's middle. */
function literalAroundMiddle(pieces: readonly Buffer[], bytes: number): { start: number; end: number } | undefined {
  const middle = Math.floor(bytes / 2);
  let index = 0;
  let base = 0;
  while (base + (pieces[index] as Buffer).length <= middle) base += (pieces[index++] as Buffer).length;
  let start = -1;
  for (let i = index, pieceBase = base, from = middle - base; i >= 0; ) {
    const at = (pieces[i] as Buffer).lastIndexOf(QUOTE, from);
    if (at >= 0) {
      start = pieceBase + at + 1;
      break;
    }
    if (--i < 0) break;
    from = (pieces[i] as Buffer).length - 1;
    pieceBase -= (pieces[i] as Buffer).length;
  }
  let end = -1;
  for (let i = index, pieceBase = base, from = middle - base; i < pieces.length; ) {
    const piece = pieces[i] as Buffer;
    const at = piece.indexOf(QUOTE, from);
    if (at >= 0) {
      end = pieceBase + at;
      break;
    }
    pieceBase += piece.length;
    i++;
    from = 0;
  }
  return start < 0 || end < 0 || end < start ? undefined : { start, end };
}

/** The literal's content as a string, if it needs no unescaping and is plain ASCII. */
function literalText(pieces: readonly Buffer[], start: number, end: number): string | undefined {
  const parts: string[] = [];
  for (const view of views(pieces, start, end)) {
    if (view.indexOf(BACKSLASH) >= 0 || !isAscii(view)) return undefined;
    const part = view.toString('latin1');
    if (CONTROL_CHARACTER.test(part)) return undefined;
    parts.push(part);
  }
  return joinLazily(parts);
}

/**
 * Concatenates pairwise, so V8 keeps the result as a balanced rope of the parts (depth
 * log2 of their number) rather than copying them into one string now.
 */
function joinLazily(parts: string[]): string {
  let level = parts;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? (level[i] as string) + (level[i + 1] as string) : (level[i] as string));
    level = next;
  }
  return level[0] ?? '';
}

function asciiText(pieces: readonly Buffer[], start: number, end: number): string {
  const found = views(pieces, start, end);
  const bytes = found.length === 1 ? (found[0] as Buffer) : Buffer.concat(found);
  // The envelope is small; UTF-8 keeps a non-ASCII key or value exactly as the normal path would.
  return bytes.toString('utf8');
}

function views(pieces: readonly Buffer[], start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  let base = 0;
  for (const piece of pieces) {
    const from = Math.max(start - base, 0);
    const to = Math.min(end - base, piece.length);
    if (from < to) out.push(from === 0 && to === piece.length ? piece : piece.subarray(from, to));
    base += piece.length;
    if (base >= end) break;
  }
  return out;
}

type Slot = { holder: Record<string, unknown>; key: string };

/** Where the marker is as a whole string value, if exactly once. */
function findMarker(root: unknown, marker: string): Slot | undefined {
  let found: Slot | undefined;
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const holder = stack.pop();
    if (typeof holder !== 'object' || holder === null) continue;
    const record = holder as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === marker) {
        found = { holder: record, key };
        count++;
      } else if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return count === 1 ? found : undefined;
}
