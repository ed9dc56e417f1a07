/**
 * Decoders for Windows code pages, by number.
 *
 * Windows programs print in the console's code page (the OEM page: 437, 850, 866, …), in
 * the ANSI page (1252, 1251, …), in UTF-16LE (`cmd /u`, `wmic`) or, after `chcp 65001`,
 * in UTF-8; qemu-ga hands their bytes over untouched. Node's `TextDecoder` is exact for
 * some pages and not others (see `code-page-tables.ts`), so:
 *
 * - 437, 850, 852, 858, 866 and 1252 decode through built-in tables;
 * - 1250 and 1251 through `TextDecoder`, which matches Windows for every byte value
 *   (pinned by test/property/code-pages.property.test.ts, so a Node that changes this
 *   fails the suite rather than a user's output);
 * - other pages Node knows (874, 1253–1258, 932, 936, 949, 950, KOI8, ISO 8859) through
 *   `TextDecoder` as Node decodes them;
 * - anything else needs the caller's own `decode` hook (e.g. iconv-lite).
 * @module
 */
import { CODE_PAGE_HIGH_HALVES, CP858_EURO_BYTE } from './code-page-tables.js';

/** Turns a whole output stream into text. */
export type BytesDecoder = (bytes: Uint8Array) => string;

/** Pages Node's `TextDecoder` decodes, under the label it knows them by. */
const TEXT_DECODER_LABELS: Readonly<Record<number, string>> = Object.freeze({
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1201: 'utf-16be',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  20866: 'koi8-r',
  21866: 'koi8-u',
  28592: 'iso-8859-2',
  28593: 'iso-8859-3',
  28594: 'iso-8859-4',
  28595: 'iso-8859-5',
  28596: 'iso-8859-6',
  28597: 'iso-8859-7',
  28598: 'iso-8859-8',
  28599: 'iso-8859-9',
  28603: 'iso-8859-13',
  28605: 'iso-8859-15',
  54936: 'gb18030',
});

/** The 256 UTF-16 code units of a table-driven page, or undefined for other pages. */
export function codePageTable(page: number): Uint16Array | undefined {
  const high = page === 858 ? CODE_PAGE_HIGH_HALVES[850] : CODE_PAGE_HIGH_HALVES[page];
  if (high === undefined) return undefined;
  const table = new Uint16Array(256);
  for (let i = 0; i < 128; i++) table[i] = i;
  for (let i = 0; i < 128; i++) table[128 + i] = high.charCodeAt(i);
  if (page === 858) table[CP858_EURO_BYTE] = 0x20ac;
  return table;
}

/** Characters converted per `String.fromCharCode` call (stays well below argument limits). */
const CHUNK = 8192;

function tableDecoder(table: Uint16Array): BytesDecoder {
  return (bytes) => {
    // Every table character is in the BMP: one code unit per byte.
    const parts: string[] = [];
    const units = new Uint16Array(Math.min(CHUNK, bytes.length));
    for (let start = 0; start < bytes.length; start += CHUNK) {
      const end = Math.min(start + CHUNK, bytes.length);
      for (let i = start; i < end; i++) units[i - start] = table[bytes[i] as number] as number;
      parts.push(String.fromCharCode(...units.subarray(0, end - start)));
    }
    return parts.join('');
  };
}

/**
 * A decoder for Windows code page `page`, or `undefined` when this Node cannot decode it
 * (then a `decode` hook is the way).
 *
 * @example
 * ```ts
 * codePageDecoder(850)?.(Buffer.from([0x84, 0x94, 0x81])); // 'äöü'
 * ```
 */
export function codePageDecoder(page: number): BytesDecoder | undefined {
  if (page === 65001) return (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (page === 1200) return (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
  // ISO 8859-1: TextDecoder's 'latin1' label means windows-1252 (WHATWG); Buffer's is exact.
  if (page === 28591) return (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const table = codePageTable(page);
  if (table) return tableDecoder(table);
  const label = TEXT_DECODER_LABELS[page];
  if (label === undefined) return undefined;
  try {
    const decoder = new TextDecoder(label);
    return (bytes) => decoder.decode(bytes);
  } catch {
    // A Node built without ICU knows only the Unicode encodings.
    return undefined;
  }
}

/** `cp850` → 850; `undefined` for anything that is not `cp` and digits. */
export function codePageNumber(name: string): number | undefined {
  const match = /^cp(\d{3,5})$/i.exec(name);
  return match ? Number(match[1]) : undefined;
}
