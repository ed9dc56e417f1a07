/**
 * The agent's JSON parser (`qobject/json-parser.c`): turns the tokens of one top-level
 * value into a {@link JValue}, with QEMU's error texts ("JSON parse error, expecting
 * value", "invalid keyword 'x'", "duplicate key", ...). Accepts QEMU's extension of
 * single-quoted strings.
 * @module
 */
import type { JValue } from './json-value.js';
import { modUtf8Codepoint } from './utf8.js';

/** Kinds of token the lexer hands to the parser. */
export type TokenType = '{' | '}' | '[' | ']' | ':' | ',' | 'int' | 'float' | 'keyword' | 'string';

/** One token; `text` holds the raw bytes of literals (strings with their quotes). */
export interface Token {
  readonly type: TokenType;
  readonly text?: Buffer | undefined;
}

/** A parse failure; `message` is the `desc` of the agent's error reply. */
export class JsonParseError extends Error {
  override readonly name = 'JsonParseError';
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

class Parser {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  fail(message: string): never {
    throw new JsonParseError(`JSON parse error, ${message}`);
  }

  peek(): Token | undefined {
    return this.tokens[this.#pos];
  }

  pop(): Token | undefined {
    return this.tokens[this.#pos++];
  }

  value(): JValue {
    const token = this.peek();
    if (!token) this.fail('premature EOI');
    switch (token.type) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case 'int':
      case 'float':
        this.pop();
        return literalNumber(token);
      case 'string':
        this.pop();
        return { t: 'str', v: this.string(token.text ?? Buffer.alloc(0)) };
      case 'keyword': {
        this.pop();
        const word = (token.text ?? Buffer.alloc(0)).toString('latin1');
        if (word === 'true' || word === 'false') return { t: 'bool', v: word === 'true' };
        if (word === 'null') return { t: 'null' };
        this.fail(`invalid keyword '${word}'`);
        break;
      }
      default:
        this.fail('expecting value');
    }
  }

  object(): JValue {
    this.pop();
    const dict = new Map<string, JValue>();
    let token = this.peek();
    if (!token) this.fail('premature EOI');
    if (token.type === '}') {
      this.pop();
      return { t: 'dict', v: dict };
    }
    this.pair(dict);
    token = this.pop();
    while (token?.type !== '}') {
      if (!token) this.fail('premature EOI');
      if (token.type !== ',') this.fail('expected separator in dict');
      this.pair(dict);
      token = this.pop();
    }
    return { t: 'dict', v: dict };
  }

  pair(dict: Map<string, JValue>): void {
    const key = this.value();
    if (key.t !== 'str') this.fail('key is not a string in object');
    const colon = this.pop();
    if (!colon) this.fail('premature EOI');
    if (colon.type !== ':') this.fail('missing : in object pair');
    const value = this.value();
    if (dict.has(key.v)) this.fail('duplicate key');
    dict.set(key.v, value);
  }

  array(): JValue {
    this.pop();
    const list: JValue[] = [];
    let token = this.peek();
    if (!token) this.fail('premature EOI');
    if (token.type === ']') {
      this.pop();
      return { t: 'list', v: list };
    }
    list.push(this.value());
    token = this.pop();
    while (token?.type !== ']') {
      if (!token) this.fail('premature EOI');
      if (token.type !== ',') this.fail('expected separator in list');
      list.push(this.value());
      token = this.pop();
    }
    return { t: 'list', v: list };
  }

  /** parse_string: escapes, surrogate pairs, strict (modified) UTF-8. */
  string(raw: Buffer): string {
    const quote = raw[0];
    const end = raw.length - 1; // index of the closing quote
    let out = '';
    const next: [number] = [0];
    let i = 1;
    while (i < end) {
      const c = raw[i] ?? 0;
      if (c !== 0x5c && c < 0x80) {
        let j = i + 1;
        while (j < end && (raw[j] ?? 0) < 0x80 && raw[j] !== 0x5c) j++;
        out += raw.toString('latin1', i, j);
        i = j;
        continue;
      }
      if (c === 0x5c) {
        const begin = i;
        const e = raw[i + 1];
        i += 2;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x27: out += "'"; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            let cp = hex4(raw, i, end);
            i += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && raw[i] === 0x5c && raw[i + 1] === 0x75) {
              const trailing = hex4(raw, i + 2, end);
              if (trailing >= 0xdc00 && trailing <= 0xdfff) {
                cp = 0x10000 + ((cp & 0x3ff) << 10) + (trailing & 0x3ff);
                i += 6;
              } else cp = -1;
            }
            if (!validCodepoint(cp)) {
              this.fail(`${raw.toString('latin1', begin, Math.min(i, end))} is not a valid Unicode character`);
            }
            out += String.fromCodePoint(cp);
            break;
          }
          default:
            this.fail('invalid escape sequence in string');
        }
        continue;
      }
      const cp = modUtf8Codepoint(raw, i, end, next);
      if (cp < 0) this.fail('invalid UTF-8 sequence in string');
      out += String.fromCodePoint(cp);
      i = next[0];
    }
    if (quote !== 0x22 && quote !== 0x27) this.fail('invalid string token');
    return out;
  }
}

function hex4(raw: Buffer, at: number, end: number): number {
  let cp = 0;
  for (let k = 0; k < 4; k++) {
    const d = at + k < end ? parseInt(String.fromCharCode(raw[at + k] ?? 0), 16) : NaN;
    if (Number.isNaN(d)) return -1;
    cp = cp * 16 + d;
  }
  return cp;
}

/** mod_utf8_encode's checks: no surrogates, no noncharacters, within Unicode. */
function validCodepoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  return true;
}

/** int64, else uint64, else a double, like `parse_literal`. */
function literalNumber(token: Token): JValue {
  const text = (token.text ?? Buffer.alloc(0)).toString('latin1');
  if (token.type === 'int') {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= UINT64_MAX) return { t: 'int', v };
  }
  return { t: 'num', v: Number(text) };
}

/**
 * Parse the tokens of one complete top-level value.
 * @throws JsonParseError with the agent's `desc` text.
 */
export function parseTokens(tokens: readonly Token[]): JValue {
  return new Parser(tokens).value();
}
