/**
 * The agent side of the wire: QEMU's streaming JSON lexer and message splitter
 * (`qobject/json-lexer.c`, `qobject/json-streamer.c`), ported byte for byte so that stray
 * bytes, half-sent requests and oversized input give the same error replies, in the same
 * number, as the real agent.
 *
 * - A byte that cannot start or continue a token (0xFE, 0xFF, an ASCII control character
 *   other than tab/CR/LF, ...) yields one `JSON parse error, stray '…'` and drops the
 *   tokens of the current message; the lexer then skips input until a structural
 *   character, a control character or 0xFE/0xFF.
 * - A top-level value is complete when its braces and brackets balance (or go negative);
 *   a bare number or word needs the next byte to be seen.
 * - Limits per message: total token text (64 MiB by default), 2,097,152 tokens, nesting
 *   depth 1024. State lives in the reader, not in a connection: a half request left by one
 *   client corrupts the next client's first request, as on the real agent.
 * @module
 */
import { JsonParseError, parseTokens, type Token, type TokenType } from './json-parser.js';
import type { JValue } from './json-value.js';
import { decodeLossy } from './utf8.js';

/** One thing the reader found: a complete value, or an error to answer. */
export type WireEvent = { readonly kind: 'value'; readonly value: JValue } | { readonly kind: 'error'; readonly desc: string };

/** QEMU's `MAX_TOKEN_SIZE`: 64 MiB of token text per message. */
export const DEFAULT_MAX_REQUEST_BYTES = 64 << 20;
const MAX_TOKEN_COUNT = 2 << 20;
const MAX_NESTING = 1 << 10;

// Lexer states (json-lexer.c), then token results, then the error result.
const START = 0;
const RECOVERY = 1;
const DQ = 2;
const DQ_ESC = 3;
const SQ = 4;
const SQ_ESC = 5;
const ZERO = 6;
const EXP_DIGITS = 7;
const EXP_SIGN = 8;
const EXP_E = 9;
const MANTISSA = 10;
const MANTISSA_DIGITS = 11;
const DIGITS = 12;
const SIGN = 13;
const KEYWORD = 14;
const STATES = 15;
const TOKEN_BASE = 20;
const TOKEN_TYPES: readonly TokenType[] = ['{', '}', '[', ']', ':', ',', 'int', 'float', 'keyword', 'string'];
const tok = (t: TokenType): number => TOKEN_BASE + TOKEN_TYPES.indexOf(t);
const ERROR = 63;
/** The byte is not consumed: it is looked at again in the next state. */
const LOOKAHEAD = 0x80;

const ch = (c: string): number => c.charCodeAt(0);

/** The transition table, built once; like QEMU's, every entry not set is an error. */
const TABLE: Uint8Array = (() => {
  const t = new Uint8Array(STATES * 256).fill(ERROR);
  const set = (state: number, from: number, to: number, next: number): void => {
    for (let c = from; c <= to; c++) t[state * 256 + c] = next;
  };
  const one = (state: number, c: string, next: number): void => set(state, ch(c), ch(c), next);
  const digits = (state: number, next: number): void => set(state, ch('0'), ch('9'), next);
  const terminal = (state: number, token: number): void => set(state, 0, 0xff, token | LOOKAHEAD);

  set(RECOVERY, 0, 0x1f, START | LOOKAHEAD);
  set(RECOVERY, 0x20, 0xfd, RECOVERY);
  set(RECOVERY, 0xfe, 0xff, START | LOOKAHEAD);
  one(RECOVERY, '\t', RECOVERY);
  for (const c of '[]{}:,') one(RECOVERY, c, START | LOOKAHEAD);

  for (const [str, esc, quote] of [[DQ, DQ_ESC, '"'], [SQ, SQ_ESC, "'"]] as const) {
    set(esc, 0x20, 0xfd, str);
    set(str, 0x20, 0xfd, str);
    one(str, '\\', esc);
    one(str, quote, tok('string'));
  }

  terminal(ZERO, tok('int'));
  digits(ZERO, ERROR);
  one(ZERO, '.', MANTISSA);

  terminal(EXP_DIGITS, tok('float'));
  digits(EXP_DIGITS, EXP_DIGITS);
  digits(EXP_SIGN, EXP_DIGITS);
  one(EXP_E, '-', EXP_SIGN);
  one(EXP_E, '+', EXP_SIGN);
  digits(EXP_E, EXP_DIGITS);

  terminal(MANTISSA_DIGITS, tok('float'));
  digits(MANTISSA_DIGITS, MANTISSA_DIGITS);
  one(MANTISSA_DIGITS, 'e', EXP_E);
  one(MANTISSA_DIGITS, 'E', EXP_E);
  digits(MANTISSA, MANTISSA_DIGITS);

  terminal(DIGITS, tok('int'));
  digits(DIGITS, DIGITS);
  one(DIGITS, 'e', EXP_E);
  one(DIGITS, 'E', EXP_E);
  one(DIGITS, '.', MANTISSA);
  one(SIGN, '0', ZERO);
  set(SIGN, ch('1'), ch('9'), DIGITS);

  terminal(KEYWORD, tok('keyword'));
  set(KEYWORD, ch('a'), ch('z'), KEYWORD);

  one(START, '"', DQ);
  one(START, "'", SQ);
  one(START, '0', ZERO);
  set(START, ch('1'), ch('9'), DIGITS);
  one(START, '-', SIGN);
  for (const c of '{}[]:,') one(START, c, tok(c as TokenType));
  set(START, ch('a'), ch('z'), KEYWORD);
  for (const c of ' \t\r\n') one(START, c, START);
  return t;
})();

/** Options of a {@link RequestReader}. */
export interface RequestReaderOptions {
  /** Largest total token text of one message (QEMU: 64 MiB). */
  maxRequestBytes?: number | undefined;
}

/** Turns the agent's input byte stream into requests and parse errors. */
export class RequestReader {
  readonly #max: number;
  #state = START;
  #text: Buffer = Buffer.allocUnsafe(64);
  #textLen = 0;
  #tokens: Token[] = [];
  #tokenSize = 0;
  #braces = 0;
  #brackets = 0;
  #emit: (event: WireEvent) => void = () => {};

  constructor(options: RequestReaderOptions = {}) {
    this.#max = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  /** True when the reader holds part of a message (a client stopped in the middle). */
  get midMessage(): boolean {
    return this.#state !== START || this.#tokens.length > 0;
  }

  /** Feed bytes; `emit` is called for each event, in order, before `feed` returns. */
  feed(bytes: Uint8Array, emit: (event: WireEvent) => void): void {
    this.#emit = emit;
    const len = bytes.length;
    let i = 0;
    while (i < len) {
      const state = this.#state;
      if (state === DQ || state === SQ) {
        // Fast path through the body of a string: bytes that keep the state.
        const quote = state === DQ ? 0x22 : 0x27;
        let j = i;
        for (; j < len; j++) {
          const c = bytes[j] ?? 0;
          if (c < 0x20 || c > 0xfd || c === quote || c === 0x5c) break;
        }
        if (j > i) {
          const room = this.#max + 1 - this.#textLen;
          if (j - i >= room) {
            this.#append(bytes.subarray(i, i + room));
            i += room;
            this.#tokenTooBig();
          } else {
            this.#append(bytes.subarray(i, j));
            i = j;
          }
          continue;
        }
      }
      this.#feedByte(bytes[i] ?? 0);
      i++;
    }
  }

  #feedByte(c: number): void {
    let consumed = false;
    while (!consumed) {
      const entry = TABLE[this.#state * 256 + c] ?? ERROR;
      consumed = (entry & LOOKAHEAD) === 0;
      const next = entry & ~LOOKAHEAD;
      if (consumed) this.#appendByte(c);
      if (next === ERROR) {
        this.#error(`JSON parse error, stray '${decodeLossy(this.#text.subarray(0, this.#textLen))}'`);
        this.#clearText();
        this.#state = RECOVERY;
      } else if (next >= TOKEN_BASE) {
        this.#token(TOKEN_TYPES[next - TOKEN_BASE] ?? 'keyword');
        this.#clearText();
        this.#state = START;
      } else {
        if (next === START || next === RECOVERY) this.#clearText();
        this.#state = next;
      }
    }
    if (this.#textLen > this.#max) this.#tokenTooBig();
  }

  /** A single token grew past the limit (json_lexer_feed_char's security check). */
  #tokenTooBig(): void {
    this.#clearText();
    this.#state = START;
    this.#error('JSON token size limit exceeded');
  }

  #appendByte(c: number): void {
    this.#reserve(1);
    this.#text[this.#textLen++] = c;
  }

  #append(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#text.set(bytes, this.#textLen);
    this.#textLen += bytes.length;
  }

  #reserve(n: number): void {
    if (this.#textLen + n <= this.#text.length) return;
    const size = Math.min(Math.max(this.#text.length * 2, this.#textLen + n), this.#max + 1);
    const grown = Buffer.allocUnsafe(size);
    this.#text.copy(grown, 0, 0, this.#textLen);
    this.#text = grown;
  }

  /** json_message_process_token for a complete token. */
  #token(type: TokenType): void {
    if (type === '{') this.#braces++;
    else if (type === '}') this.#braces--;
    else if (type === '[') this.#brackets++;
    else if (type === ']') this.#brackets--;

    const size = this.#textLen;
    if (this.#tokenSize + size + 1 > this.#max) return this.#error('JSON token size limit exceeded');
    if (this.#tokens.length + 1 > MAX_TOKEN_COUNT) return this.#error('JSON token count limit exceeded');
    if (this.#braces + this.#brackets > MAX_NESTING) return this.#error('JSON nesting depth limit exceeded');

    const literal = type === 'int' || type === 'float' || type === 'keyword' || type === 'string';
    if (literal && size > 4096) {
      // Hand a large token's buffer over instead of copying it.
      this.#tokens.push({ type, text: this.#text.subarray(0, size) });
      this.#text = Buffer.allocUnsafe(64);
      this.#textLen = 0;
    } else {
      this.#tokens.push(literal ? { type, text: Buffer.from(this.#text.subarray(0, size)) } : { type });
    }
    this.#tokenSize += size;
    if ((this.#braces > 0 || this.#brackets > 0) && this.#braces >= 0 && this.#brackets >= 0) return;

    const tokens = this.#tokens;
    this.#reset();
    let value: JValue;
    try {
      value = parseTokens(tokens);
    } catch (err) {
      if (err instanceof JsonParseError) return this.#emit({ kind: 'error', desc: err.message });
      throw err;
    }
    this.#emit({ kind: 'value', value });
  }

  #error(desc: string): void {
    this.#reset();
    this.#emit({ kind: 'error', desc });
  }

  #reset(): void {
    this.#tokens = [];
    this.#tokenSize = 0;
    this.#braces = 0;
    this.#brackets = 0;
  }

  #clearText(): void {
    this.#textLen = 0;
    // A large token buffer is not kept once its token is done.
    if (this.#text.length > 1 << 20) this.#text = Buffer.allocUnsafe(64);
  }
}
