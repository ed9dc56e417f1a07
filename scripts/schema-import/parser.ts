/**
 * A character scanner for QAPI schema files (QEMU's `qga/qapi-schema.json`).
 *
 * QAPI looks like JSON but is not: `#` comments anywhere outside strings, `##` doc blocks
 * in front of definitions, single-quoted strings whose only escape is `\\`, no numbers or
 * null, a bare sequence of top-level objects, and duplicate keys are an error. The rules
 * follow QEMU's own `scripts/qapi/parser.py`, so a file it accepts parses the same here.
 */

import { QAPI_KINDS, type QapiExpr, type QapiKind, type QapiObject, type QapiValue } from '../generate/qapi-expr.js';
import { parseDoc, symbolOf } from './doc-comments.js';

export class QapiParseError extends Error {
  override name = 'QapiParseError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
  }
}

/** Parse a whole schema file into its top-level expressions (each with its `line`). */
export function parseQapi(text: string, file = '<schema>'): QapiExpr[] {
  return new Scanner(text, file).parseFile();
}

class Scanner {
  #pos = 0;
  #line = 1;
  #lineStart = 0;

  constructor(
    readonly src: string,
    readonly file: string,
  ) {}

  parseFile(): QapiExpr[] {
    const exprs: QapiExpr[] = [];
    let pendingDoc: { lines: string[]; line: number } | undefined;
    for (;;) {
      this.#skipBlank(false);
      if (this.#pos >= this.src.length) break;
      const ch = this.src[this.#pos];
      if (ch === '#') {
        if (this.src.startsWith('##', this.#pos)) {
          const line = this.#line;
          const lines = this.#readDocBlock();
          // A definition doc block must be followed by its definition; a free-form block
          // (no `@name:` first line) documents nothing and is dropped.
          if (pendingDoc) this.#checkAttachable(pendingDoc, undefined);
          pendingDoc = symbolOf(lines) === undefined ? undefined : { lines, line };
        } else {
          this.#skipLine();
        }
        continue;
      }
      if (ch !== '{') this.#fail(`expected '{' at top level, found ${describe(ch)}`);
      const line = this.#line;
      const expr = this.#readObject();
      const { kind, name } = this.#classify(expr, line);
      const out: QapiExpr = { kind, name, expr, line };
      if (pendingDoc) {
        this.#checkAttachable(pendingDoc, name);
        out.doc = parseDoc(pendingDoc.lines);
        pendingDoc = undefined;
      }
      exprs.push(out);
    }
    if (pendingDoc) this.#checkAttachable(pendingDoc, undefined);
    return exprs;
  }

  #checkAttachable(doc: { lines: string[]; line: number }, name: string | undefined): void {
    const symbol = symbolOf(doc.lines);
    if (name === undefined) {
      throw new QapiParseError(`documentation for '${symbol}' is not followed by its definition`, this.file, doc.line, 1);
    }
    if (symbol !== name) {
      throw new QapiParseError(`definition of '${name}' follows documentation for '${symbol}'`, this.file, doc.line, 1);
    }
  }

  #classify(expr: QapiObject, line: number): { kind: QapiKind; name: string } {
    const kinds = QAPI_KINDS.filter((k) => Object.hasOwn(expr, k));
    if (kinds.length !== 1) {
      const what = kinds.length === 0 ? 'no' : `more than one (${kinds.join(', ')})`;
      throw new QapiParseError(`expression has ${what} definition keyword`, this.file, line, 1);
    }
    const kind = kinds[0]!;
    if (kind === 'pragma') return { kind, name: '' };
    const name = expr[kind];
    if (typeof name !== 'string') throw new QapiParseError(`'${kind}' must be a string`, this.file, line, 1);
    return { kind, name };
  }

  /** Reads `##` … `##`; every line in between must be `#` or start with `# `. */
  #readDocBlock(): string[] {
    const open = this.#restOfLine();
    if (open.trimEnd() !== '##') this.#fail("junk after '##' at start of documentation comment");
    const lines: string[] = [];
    for (;;) {
      this.#skipBlank(false);
      if (this.#pos >= this.src.length || this.src[this.#pos] !== '#') {
        this.#fail("documentation comment must end with '##'");
      }
      const text = this.#restOfLine().trimEnd();
      if (text.startsWith('##')) {
        if (text !== '##') this.#fail("junk after '##' at end of documentation comment");
        return lines;
      }
      if (text !== '#' && !text.startsWith('# ')) this.#fail("missing space after '#' in documentation comment");
      lines.push(text.slice(2));
    }
  }

  #readValue(): QapiValue {
    this.#skipBlank(true);
    const ch = this.src[this.#pos];
    if (ch === '{') return this.#readObject();
    if (ch === '[') return this.#readArray();
    if (ch === "'") return this.#readString();
    for (const word of ['true', 'false'] as const) {
      if (this.src.startsWith(word, this.#pos) && !/[\w-]/.test(this.src[this.#pos + word.length] ?? '')) {
        this.#pos += word.length;
        return word === 'true';
      }
    }
    return this.#fail(`expected a value, found ${describe(ch)}`);
  }

  #readObject(): QapiObject {
    this.#expect('{');
    const obj = Object.create(null) as QapiObject;
    this.#skipBlank(true);
    if (this.#eat('}')) return obj;
    for (;;) {
      this.#skipBlank(true);
      if (this.src[this.#pos] !== "'") this.#fail(`expected a string key, found ${describe(this.src[this.#pos])}`);
      const keyLine = this.#line;
      const keyCol = this.#pos - this.#lineStart + 1;
      const key = this.#readString();
      if (Object.hasOwn(obj, key)) throw new QapiParseError(`duplicate key '${key}'`, this.file, keyLine, keyCol);
      this.#skipBlank(true);
      this.#expect(':');
      obj[key] = this.#readValue();
      this.#skipBlank(true);
      if (this.#eat('}')) return obj;
      this.#expect(',');
    }
  }

  #readArray(): QapiValue[] {
    this.#expect('[');
    const items: QapiValue[] = [];
    this.#skipBlank(true);
    if (this.#eat(']')) return items;
    for (;;) {
      items.push(this.#readValue());
      this.#skipBlank(true);
      if (this.#eat(']')) return items;
      this.#expect(',');
    }
  }

  /** `'…'`: printable ASCII only, and `\\` is the only escape (as in QEMU's parser). */
  #readString(): string {
    this.#expect("'");
    let out = '';
    for (;;) {
      const ch = this.src[this.#pos];
      if (ch === undefined || ch === '\n') this.#fail('missing terminating "\'"');
      this.#pos++;
      if (ch === "'") return out;
      if (ch === '\\') {
        const next = this.src[this.#pos];
        if (next !== '\\') this.#fail(`unknown escape \\${next ?? ''}`);
        this.#pos++;
        out += '\\';
        continue;
      }
      const code = ch.charCodeAt(0);
      if (code < 32 || code >= 127) this.#fail('funny character in string');
      out += ch;
    }
  }

  /** Skips whitespace, and `#` comments too when `comments` (inside an expression). */
  #skipBlank(comments: boolean): void {
    while (this.#pos < this.src.length) {
      const ch = this.src[this.#pos];
      if (ch === '\n') {
        this.#pos++;
        this.#line++;
        this.#lineStart = this.#pos;
      } else if (ch === ' ' || ch === '\t' || ch === '\r') {
        this.#pos++;
      } else if (ch === '#' && comments) {
        this.#skipLine();
      } else {
        return;
      }
    }
  }

  #skipLine(): void {
    this.#restOfLine();
  }

  /** Returns the text up to the end of the line and moves past the newline. */
  #restOfLine(): string {
    const end = this.src.indexOf('\n', this.#pos);
    const stop = end === -1 ? this.src.length : end;
    const text = this.src.slice(this.#pos, stop);
    this.#pos = stop;
    return text;
  }

  #eat(ch: string): boolean {
    if (this.src[this.#pos] !== ch) return false;
    this.#pos++;
    return true;
  }

  #expect(ch: string): void {
    if (!this.#eat(ch)) this.#fail(`expected '${ch}', found ${describe(this.src[this.#pos])}`);
  }

  #fail(message: string): never {
    throw new QapiParseError(message, this.file, this.#line, this.#pos - this.#lineStart + 1);
  }
}

function describe(ch: string | undefined): string {
  return ch === undefined ? 'end of file' : JSON.stringify(ch);
}
