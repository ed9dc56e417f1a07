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
 * chunk), and a finished line is joined and parsed exactly once. A line longer than
 * `maxLineBytes` is not kept at all: its bytes are counted and dropped until its end, so
 * memory stays bounded whatever the agent sends.
 */
import { isAscii } from 'node:buffer';
import { decodeJson } from './json-codec.js';

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
    let start = 0;
    const length = chunk.length;
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
      this.#append(chunk, start, end);
      if (isDelimiter) this.#resetAtDelimiter();
      else this.#finishLine();
      start = end + 1;
    }
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
    const line = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, bytes);
    // Emptied in place: one array per framer, not one per line.
    pieces.length = 0;
    // The agent's replies are pure ASCII (AGENT-BEHAVIOUR §1), and for ASCII latin1 decodes
    // to the same string as UTF-8 at a plain copy's cost. Anything else (a hostile or
    // broken peer) is decoded as UTF-8, as before.
    const text = isAscii(line) ? line.toString('latin1') : line.toString('utf8');
    if (text.trim() === '') return;
    try {
      this.#emit({ kind: 'message', value: decodeJson(text), delimited, bytes: bytes + 1 });
    } catch (error) {
      this.#emit({ kind: 'invalid', error: error as Error, delimited, bytes: bytes + 1 });
    }
  }
}
