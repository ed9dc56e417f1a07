/**
 * Text → bytes in a Windows code page, as a console program writes it: what the fake
 * `cmd.exe`, `powershell.exe` and tools of the simulated Windows guest print. Characters
 * the page lacks become `?`, as `WideCharToMultiByte` with the default character does.
 * The tables are the client's decoding tables read backwards, so what the simulation
 * writes is exactly what a real guest would.
 * @module
 */
import { codePageDecoder, codePageTable } from '../../guest-os/code-pages.js';

/** Writes text in one code page. */
export type TextEncoder = (text: string) => Buffer;

const QUESTION = 0x3f;

function singleByteEncoder(decodeByte: (byte: number) => string): TextEncoder {
  const reverse = new Map<string, number>();
  // Later bytes never shadow earlier ones: the first byte for a character wins.
  for (let byte = 255; byte >= 0; byte--) reverse.set(decodeByte(byte), byte);
  return (text) => Buffer.from([...text].map((ch) => reverse.get(ch) ?? QUESTION));
}

function doubleByteEncoder(decoder: (bytes: Uint8Array) => string): TextEncoder {
  const reverse = new Map<string, number[]>();
  const fatal = (bytes: Uint8Array): string | undefined => {
    const text = decoder(bytes);
    return text.length >= 1 && !text.includes('\uFFFD') ? text : undefined;
  };
  for (let b = 0; b < 0x80; b++) reverse.set(String.fromCharCode(b), [b]);
  for (let b = 0x80; b < 0x100; b++) {
    const single = fatal(Uint8Array.of(b));
    if (single !== undefined && [...single].length === 1 && !reverse.has(single)) reverse.set(single, [b]);
  }
  for (let lead = 0x81; lead < 0xff; lead++) {
    for (let trail = 0x40; trail < 0xff; trail++) {
      const text = fatal(Uint8Array.of(lead, trail));
      if (text !== undefined && [...text].length === 1 && !reverse.has(text)) reverse.set(text, [lead, trail]);
    }
  }
  return (text) => Buffer.from([...text].flatMap((ch) => reverse.get(ch) ?? [QUESTION]));
}

const DOUBLE_BYTE_PAGES = new Set([932, 936, 949, 950]);

/** An encoder for `page`; throws for a page the simulation cannot write. */
export function consoleEncoder(page: number): TextEncoder {
  if (page === 65001) return (text) => Buffer.from(text, 'utf8');
  if (page === 1200) return (text) => Buffer.from(text, 'utf16le');
  const table = codePageTable(page);
  if (table) return singleByteEncoder((byte) => String.fromCharCode(table[byte] as number));
  const decoder = codePageDecoder(page);
  if (!decoder) throw new RangeError(`the simulated Windows guest cannot write code page ${page}`);
  if (DOUBLE_BYTE_PAGES.has(page)) return doubleByteEncoder(decoder);
  return singleByteEncoder((byte) => decoder(Uint8Array.of(byte)));
}

/** Encoders built once per agent: building a double-byte one walks 32,000 byte pairs. */
export class ConsoleEncoders {
  readonly #built = new Map<number, TextEncoder>();

  get(page: number): TextEncoder {
    let encoder = this.#built.get(page);
    if (!encoder) {
      encoder = consoleEncoder(page);
      this.#built.set(page, encoder);
    }
    return encoder;
  }
}
