/**
 * Turns the agent's byte stream into messages.
 *
 * The agent writes one JSON object per line, pure ASCII, and puts a 0xFF byte right
 * before the reply to `guest-sync-delimited` (qga/main.c:send_response). Every 0xFF
 * therefore ends whatever came before it: the partial line is dropped and the next line
 * is flagged `delimited`.
 *
 * The framer is linear in its input: each chunk is scanned once with `indexOf` for `\n`
 * and 0xFF, the pieces of an unfinished line are kept as references (not re-copied per
 * chunk), and a finished line is joined and parsed exactly once (or, when it is mostly one
 * long string, parsed around that string without joining it, see long-string-line.ts). A line longer than
 * `maxLineBytes` is not kept at all: its bytes are counted and dropped until its end, so
 * memory stays bounded whatever the agent sends.
 */
import { isAscii } from 'node:buffer';
import { decodeJson } from './json-codec.js';
import { decodeLongStringLine } from './long-string-line.js';

const NEWLINE = 0x0a;
const DELIMITER = 0xff;

/** What the framer hands upward. */
export type FramerEvent =
  | { kind: 'message'; value: unknown; delimited: boolean; bytes: number }
  | { kind: 'invalid'; error: Error; delimited: boolean; bytes: number }
  | { kind: 'oversize'; bytes: number; limit: number }
  | { kind: 'discarded'; bytes: number };

export class Framer {
  readonly #maxLineBytes: number;
  readonly #emit: (event: FramerEvent) => void;
  #pieces: Buffer[] = [];
  #pieceBytes = 0;
  /** Bytes of an oversize line dropped so far; -1 when not inside one. */
  #overflowBytes = -1;
  #delimited = false;

  constructor(maxLineBytes: number, emit: (event: FramerEvent) => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#emit = emit;
  }

  /** Bytes currently held for an unfinished line. */
  get bufferedBytes(): number {
    return this.#pieceBytes;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    if (length <= WHOLE_LINE_UP_TO && length <= this.#maxLineBytes && this.#pieceBytes === 0 && this.#overflowBytes < 0 && chunk[length - 1] === NEWLINE && this.#wholeAsciiLine(chunk)) return;
    let start = 0;
    // Each search runs again only once `start` has passed its last hit, so a chunk holding
    // many lines and no 0xFF is still scanned once, not once per line.
    let newline = -2;
    let delimiter = -2;
    while (start < length) {
      if (newline !== -1 && newline < start) newline = chunk.indexOf(NEWLINE, start);
      if (delimiter !== -1 && delimiter < start) delimiter = chunk.indexOf(DELIMITER, start);
      let end: number;
      let isDelimiter: boolean;
      if (newline === -1 && delimiter === -1) {
        this.#append(chunk, start, length);
        return;
      } else if (delimiter === -1 || (newline !== -1 && newline < delimiter)) {
        end = newline;
        isDelimiter = false;
      } else {
        end = delimiter;
        isDelimiter = true;
      }
      if (isDelimiter) {
        this.#append(chunk, start, end);
        this.#resetAtDelimiter();
      } else if (this.#pieceBytes === 0 && this.#overflowBytes < 0 && end - start <= this.#maxLineBytes) {
        // The usual case, a whole reply in one chunk: decoded in place, nothing kept.
        this.#finishInPlace(chunk, start, end);
      } else {
        this.#append(chunk, start, end);
        this.#finishLine();
      }
      start = end + 1;
    }
  }

  /**
   * The usual chunk, one short reply: read as one latin1 string, whose `indexOf` and
   * regular expressions are V8's own, instead of two Buffer searches (each four calls into
   * Node). Taken only when the chunk is exactly one ASCII line (no 0xFF); false leaves
   * the chunk to the general path.
   */
  #wholeAsciiLine(chunk: Buffer): boolean {
    const text = chunk.toString('latin1');
    if (text.indexOf('\n') !== text.length - 1 || NOT_ASCII.test(text)) return false;
    const delimited = this.#delimited;
    this.#delimited = false;
    if (text.length > 1) this.#emitLine(text.slice(0, -1), text.length - 1, delimited);
    return true;
  }

  /** Drop any partial line (e.g. when the channel is reopened). */
  reset(): void {
    this.#dropPartialLine();
    this.#delimited = false;
  }

  #append(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const size = end - start;
    if (this.#overflowBytes >= 0) {
      this.#overflowBytes += size;
      return;
    }
    if (this.#pieceBytes + size > this.#maxLineBytes) {
      // Report at once, not at the line's end: a hostile agent may never end it.
      this.#overflowBytes = this.#pieceBytes + size;
      this.#pieces = [];
      this.#pieceBytes = 0;
      this.#emit({ kind: 'oversize', bytes: this.#overflowBytes, limit: this.#maxLineBytes });
      return;
    }
    // Keep a view, not a copy: the transport hands us a fresh chunk each time.
    this.#pieces.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    this.#pieceBytes += size;
  }

  #resetAtDelimiter(): void {
    this.#dropPartialLine();
    this.#delimited = true;
  }

  #dropPartialLine(): void {
    const dropped = this.#pieceBytes + Math.max(this.#overflowBytes, 0);
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#overflowBytes = -1;
    if (dropped > 0) this.#emit({ kind: 'discarded', bytes: dropped });
  }

  #finishLine(): void {
    const delimited = this.#delimited;
    this.#delimited = false;
    if (this.#overflowBytes >= 0) {
      const bytes = this.#overflowBytes + 1;
      this.#overflowBytes = -1;
      this.#emit({ kind: 'discarded', bytes });
      return;
    }
    const pieces = this.#pieces;
    const bytes = this.#pieceBytes;
    this.#pieceBytes = 0;
    if (bytes === 0) return;
    if (bytes >= LONG_LINE_FROM && pieces.length > 1) {
      const long = decodeLongStringLine(pieces, bytes);
      if (long !== undefined) {
        pieces.length = 0;
        this.#emit({ kind: 'message', value: long.value, delimited, bytes: bytes + 1 });
        return;
      }
    }
    const line = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, bytes);
    // Emptied in place: one array per framer, not one per line.
    pieces.length = 0;
    this.#emitLine(decode(line, 0, bytes), bytes, delimited);
  }

  #finishInPlace(chunk: Buffer, start: number, end: number): void {
    const delimited = this.#delimited;
    this.#delimited = false;
    if (end === start) return;
    this.#emitLine(decode(chunk, start, end), end - start, delimited);
  }

  #emitLine(text: string, bytes: number, delimited: boolean): void {
    if (text.trim() === '') return;
    try {
      this.#emit({ kind: 'message', value: decodeJson(text), delimited, bytes: bytes + 1 });
    } catch (error) {
      this.#emit({ kind: 'invalid', error: error as Error, delimited, bytes: bytes + 1 });
    }
  }
}

/**
 * Lines from this size on, arriving in several chunks, try the long-string path first
 * (see long-string-line.ts): below it, joining and parsing is as fast.
 */
const LONG_LINE_FROM = 256 * 1024;

/** Chunks up to this size that hold exactly one line take the short path (see `#wholeAsciiLine`). */
const WHOLE_LINE_UP_TO = 4 * 1024;
/** A latin1 string holds chars up to 0xff: any from 0x80 on is a byte outside ASCII. */
const NOT_ASCII = /[\x80-\xff]/;

/** Lines from this size on are checked for ASCII first (see {@link decode}). */
const LATIN1_FROM = 64 * 1024;

/**
 * The text of `line[start, end)`. The agent's replies are pure ASCII,
 * and for ASCII latin1 decodes to the same string as UTF-8 at a plain copy's cost, which
 * matters for multi-megabyte replies; anything else (a hostile or broken peer) is decoded
 * as UTF-8. Short lines go to UTF-8 directly: its ASCII path is as fast there, without
 * the check.
 */
function decode(line: Buffer, start: number, end: number): string {
  if (end - start < LATIN1_FROM) return line.toString('utf8', start, end);
  const view = start === 0 && end === line.length ? line : line.subarray(start, end);
  return isAscii(view) ? view.toString('latin1') : view.toString('utf8');
}
