/**
 * `encoding: 'auto'`: what a guest program printed, as text, without knowing in advance
 * how it encoded it.
 *
 * In order: a byte-order mark decides (and is dropped); NUL bytes at odd offsets mean
 * UTF-16LE (`cmd /u`, `wmic` and PowerShell's Unicode output carry no BOM, and no UTF-8
 * or code-page text contains NULs); valid UTF-8 is UTF-8 (ASCII included); anything else
 * goes to the fallback, which for a Windows guest is its OEM code page. Each stream is
 * judged on its own.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { BytesDecoder } from './code-pages.js';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * True when `bytes` look like UTF-16LE without a BOM: an even length, at least one NUL
 * at an odd offset (the high byte of an ASCII character: a space, a digit, CRLF), and no
 * NUL code unit (U+0000 never appears in text).
 */
export function looksLikeUtf16le(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes.length % 2 !== 0) return false;
  let highNuls = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    const low = bytes[i] as number;
    const high = bytes[i + 1] as number;
    if (high === 0) {
      if (low === 0) return false;
      highNuls++;
    }
  }
  return highNuls > 0;
}

/**
 * Decode `bytes` if their encoding can be told from the bytes alone; `undefined` when
 * they are none of BOM-marked, UTF-16LE or valid UTF-8 (then the guest's code page
 * decides, see {@link decodeAuto}).
 */
export function decodeSelfDescribing(bytes: Uint8Array): string | undefined {
  const buf = asBuffer(bytes);
  if (buf.length === 0) return '';
  if (buf.length >= 3 && buf[0] === UTF8_BOM[0] && buf[1] === UTF8_BOM[1] && buf[2] === UTF8_BOM[2]) return buf.subarray(3).toString('utf8');
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  if (looksLikeUtf16le(buf)) return buf.toString('utf16le');
  if (isUtf8(buf)) return buf.toString('utf8');
  return undefined;
}

/**
 * The `'auto'` decoding of one stream; `fallback` decodes what is not self-describing
 * (the guest's OEM page), else it is read as UTF-8 with U+FFFD for bad bytes.
 *
 * @example
 * ```ts
 * decodeAuto(Buffer.from([0x84, 0x0d, 0x0a]), codePageDecoder(850)); // 'ä\r\n'
 * ```
 */
export function decodeAuto(bytes: Uint8Array, fallback: BytesDecoder | undefined): string {
  return decodeSelfDescribing(bytes) ?? (fallback ? fallback(bytes) : asBuffer(bytes).toString('utf8'));
}
