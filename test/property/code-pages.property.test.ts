import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePageDecoder, codePageTable } from '../../src/guest-os/code-pages.js';
import { decodeAuto } from '../../src/guest-os/decode-output.js';

interface Reference {
  pages: Record<string, string>;
  undefined: Record<string, number[]>;
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/code-pages.json', import.meta.url), 'utf8')) as Reference;
const PAGES = [437, 850, 852, 866, 1250, 1251, 1252] as const;
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

function hasIconv(): boolean {
  try {
    execFileSync('iconv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('code page decoders, every byte value', () => {
  it.each(PAGES)('cp%i decodes each of the 256 bytes as Windows does', (page) => {
    const decode = codePageDecoder(page);
    expect(decode).toBeDefined();
    const expected = reference.pages[String(page)] as string;
    for (const byte of ALL_BYTES) expect(decode?.(Uint8Array.of(byte)), `byte 0x${byte.toString(16)}`).toBe(expected[byte]);
    expect(decode?.(ALL_BYTES)).toBe(expected);
  });

  it.skipIf(!hasIconv())('the reference agrees with this machine\'s iconv on every defined byte', () => {
    for (const page of PAGES) {
      const undefinedBytes = new Set(reference.undefined[String(page)]);
      const defined = ALL_BYTES.filter((b) => !undefinedBytes.has(b));
      const viaIconv = execFileSync('iconv', ['-f', `CP${page}`, '-t', 'UTF-16LE'], { input: defined }).toString('utf16le');
      const expected = [...defined].map((b) => (reference.pages[String(page)] as string)[b]).join('');
      expect(viaIconv, `cp${page}`).toBe(expected);
    }
  });

  it('cp858 is cp850 with the euro sign at 0xD5', () => {
    const t850 = codePageTable(850) as Uint16Array;
    const t858 = codePageTable(858) as Uint16Array;
    for (const byte of ALL_BYTES) expect(t858[byte]).toBe(byte === 0xd5 ? 0x20ac : t850[byte]);
  });

  it.each(PAGES)('cp%i: any byte string decodes to the concatenation of its bytes, across chunk boundaries', (page) => {
    const decode = codePageDecoder(page) as (b: Uint8Array) => string;
    const expected = reference.pages[String(page)] as string;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
        expect(decode(bytes)).toBe([...bytes].map((b) => expected[b]).join(''));
      }),
      { numRuns: 50 },
    );
  });

  it('unknown pages have no decoder (a decode hook is the way)', () => {
    expect(codePageDecoder(737)).toBeUndefined();
    expect(codePageDecoder(65001)?.(Buffer.from('ä', 'utf8'))).toBe('ä');
  });
});

describe("encoding 'auto'", () => {
  const cp850 = codePageDecoder(850);

  it('keeps valid UTF-8, drops BOMs, reads NUL-at-odd-offset text as UTF-16LE, else the fallback page', () => {
    expect(decodeAuto(Buffer.from('grüße\r\n'), cp850)).toBe('grüße\r\n');
    expect(decodeAuto(Buffer.from('\uFEFFhi', 'utf8'), cp850)).toBe('hi');
    expect(decodeAuto(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')]), cp850)).toBe('hé');
    expect(decodeAuto(Buffer.from('Привет мир\r\n', 'utf16le'), cp850)).toBe('Привет мир\r\n');
    expect(decodeAuto(Buffer.from([0x84, 0x94, 0x81, 0x0d, 0x0a]), cp850)).toBe('äöü\r\n');
    expect(decodeAuto(Buffer.from([0x84]), undefined)).toBe('\uFFFD');
  });

  it('any UTF-8 text (without NUL) comes back as itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0') && !s.startsWith('\uFEFF')), (text) => {
        expect(decodeAuto(Buffer.from(text, 'utf8'), cp850)).toBe(text);
      }),
    );
  });

  it('any UTF-16LE text with an ASCII character and no NUL comes back as itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.constantFrom(' ', '\r\n', '1', 'a'), (text, ascii) => {
        const full = `${text}${ascii}`;
        fc.pre(!full.includes('\0') && !full.startsWith('\uFEFF') && !full.startsWith('\uFFFE'));
        expect(decodeAuto(Buffer.from(full, 'utf16le'), cp850)).toBe(full);
      }),
    );
  });
});
