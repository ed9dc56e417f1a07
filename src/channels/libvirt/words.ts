/**
 * Big-endian 32-bit words, read and written with plain byte access. Buffer's own
 * `readUInt32BE`/`writeUInt32BE` check their offset and value through a chain of calls per
 * word: profiled on guest-ping through libvirtd, that was ~90 of the ~340 function calls
 * each call made. The callers here check bounds and ranges themselves, once.
 * @module
 */

/** Writes `value` (an int or unsigned int: its low 32 bits) at `offset`; returns the offset after it. */
export function putWord(buf: Uint8Array, offset: number, value: number): number {
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
  return offset + 4;
}

/** The unsigned int at `offset`. */
export function getUint(buf: Uint8Array, offset: number): number {
  return getInt(buf, offset) >>> 0;
}

/** The signed int at `offset`. */
export function getInt(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
}
