/**
 * QEMU's "modified UTF-8" decoding (`util/unicode.c:mod_utf8_codepoint`), used both to read
 * request strings and to render the text of a stray token in a parse-error reply. Invalid
 * sequences, surrogates, noncharacters and overlong forms (except `\xC0\x80` for U+0000)
 * are rejected, exactly where the real agent rejects them.
 * @module
 */

const MIN_CP = [0x80, 0x800, 0x10000, 0x200000, 0x4000000] as const;

/**
 * Decode one code point starting at `bytes[start]`. Returns the code point (or -1 when the
 * sequence is invalid) and stores the index after the sequence in `next[0]`.
 */
export function modUtf8Codepoint(bytes: Uint8Array, start: number, end: number, next: [number]): number {
  let p = start;
  let byte = bytes[p++] ?? 0;
  let cp: number;
  if (byte < 0x80) {
    cp = byte;
  } else if (byte >= 0xfe || (byte & 0x40) === 0) {
    cp = -1; // impossible byte or unexpected continuation byte
  } else {
    let len = 0;
    let mask = 0x80;
    for (; byte & mask; mask >>= 1) len++;
    cp = byte & (mask - 1);
    for (let i = 1; i < len; i++) {
      byte = p < end ? (bytes[p] ?? 0) : 0;
      if ((byte & 0xc0) !== 0x80) {
        next[0] = p;
        return -1; // continuation byte missing
      }
      p++;
      cp = cp * 64 + (byte & 0x3f);
    }
    if (cp > 0x10ffff) cp = -1;
    else if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) cp = -1;
    else if (cp >= 0xd800 && cp <= 0xdfff) cp = -1;
    else if (cp < (MIN_CP[len - 2] ?? 0) && !(cp === 0 && len === 2)) cp = -1;
  }
  next[0] = p;
  return cp;
}

/**
 * Bytes as the agent's JSON writer would show them: a C string (ends at the first NUL),
 * every invalid sequence replaced by U+FFFD.
 */
export function decodeLossy(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const end = nul === -1 ? bytes.length : nul;
  let out = '';
  const next: [number] = [0];
  for (let i = 0; i < end; ) {
    const cp = modUtf8Codepoint(bytes, i, end, next);
    out += String.fromCodePoint(cp < 0 ? 0xfffd : cp);
    i = next[0];
  }
  return out;
}
