/**
 * The subset of XDR (RFC 4506) that libvirt's remote protocol uses for the procedures this
 * channel speaks: `int`, `unsigned int`, `hyper`, `unsigned hyper`, `string<MAX>`, fixed
 * `opaque[N]`, optional pointers (`T *x`: a 0/1 word then `T`) and variable arrays
 * (`T x<MAX>`: a count then the elements). Everything is big-endian and padded to 4 bytes.
 *
 * Bounds are checked both ways: the writer refuses values the type cannot hold (an
 * out-of-range int, a string above its `MAX`), the reader refuses to read past its end and
 * throws {@link QgaProtocolError} for truncated or impossible input (a count above `MAX`, a
 * length that runs past the payload), so a hostile frame costs at most its own size.
 * @module
 */
import { QgaProtocolError } from '../../errors.js';
import { getInt, getUint, putWord } from './words.js';

const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;
const UINT_MAX = 0xffff_ffff;
const HYPER_MIN = -(1n << 63n);
const HYPER_MAX = (1n << 63n) - 1n;
const UHYPER_MAX = (1n << 64n) - 1n;

/** Bytes of padding after `n` bytes of data. */
export function padding(n: number): number {
  return (4 - (n & 3)) & 3;
}

/** Encoded size of an XDR string holding `byteLength` bytes. */
export function stringSize(byteLength: number): number {
  return 4 + byteLength + padding(byteLength);
}

/**
 * Appends XDR values to a growing buffer. `reserve` leaves room at the front (the RPC
 * header), so a whole frame is built in one buffer without a final copy; a long string
 * grows the buffer once to its exact need.
 */
export class XdrWriter {
  #buf: Buffer;
  #pos: number;

  /**
   * `scratch`, when given, is written into as long as the value fits (the caller reuses it
   * across messages); past it the writer moves to a buffer of its own.
   */
  constructor(reserve = 0, initialSize = 256, scratch?: Buffer) {
    this.#buf = scratch && scratch.length >= reserve + 64 ? scratch : Buffer.allocUnsafe(Math.max(initialSize, reserve + 64));
    this.#pos = reserve;
  }

  /** Bytes written so far, the reserved front included. */
  get length(): number {
    return this.#pos;
  }

  /** The written bytes (a view, not a copy). */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Makes room for `n` more bytes. */
  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }

  int(value: number): this {
    if (!Number.isInteger(value) || value < INT_MIN || value > INT_MAX) throw new RangeError(`XDR int out of range: ${value}`);
    this.#ensure(4);
    this.#pos = putWord(this.#buf, this.#pos, value);
    return this;
  }

  uint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > UINT_MAX) throw new RangeError(`XDR unsigned int out of range: ${value}`);
    this.#ensure(4);
    this.#pos = putWord(this.#buf, this.#pos, value);
    return this;
  }

  hyper(value: bigint): this {
    if (value < HYPER_MIN || value > HYPER_MAX) throw new RangeError(`XDR hyper out of range: ${value}`);
    this.#ensure(8);
    this.#pos = this.#buf.writeBigInt64BE(value, this.#pos);
    return this;
  }

  uhyper(value: bigint): this {
    if (value < 0n || value > UHYPER_MAX) throw new RangeError(`XDR unsigned hyper out of range: ${value}`);
    this.#ensure(8);
    this.#pos = this.#buf.writeBigUInt64BE(value, this.#pos);
    return this;
  }

  bool(value: boolean): this {
    // Always 0 or 1: libvirt's C decoder would accept any non-zero word, other XDR
    // decoders do not (go-libvirt's `01 00 00 00`).
    return this.uint(value ? 1 : 0);
  }

  /** `string<max>`: UTF-8 for a JS string, the bytes as they are for a Buffer. */
  string(value: string | Uint8Array, max: number): this {
    const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
    if (size > max) throw new RangeError(`XDR string of ${size} bytes exceeds its limit of ${max}`);
    this.#ensure(stringSize(size));
    this.#pos = putWord(this.#buf, this.#pos, size);
    if (typeof value === 'string') this.#buf.write(value, this.#pos, size, 'utf8');
    else this.#buf.set(value, this.#pos);
    this.#pos += size;
    this.#zeros(padding(size));
    return this;
  }

  /**
   * One `string<max>` made of `parts` written one after the other, so a long piece (a
   * guest-file-write's base64 data) is copied once, into the message, and never joined
   * into a larger JS string first.
   */
  stringParts(parts: readonly string[], max: number, knownSize?: number): this {
    // A caller that already measured the parts (a long base64 chunk) saves a second pass.
    let size = knownSize ?? 0;
    if (knownSize === undefined) for (const part of parts) size += Buffer.byteLength(part, 'utf8');
    if (size > max) throw new RangeError(`XDR string of ${size} bytes exceeds its limit of ${max}`);
    this.#ensure(stringSize(size));
    this.#pos = putWord(this.#buf, this.#pos, size);
    for (const part of parts) this.#pos += this.#buf.write(part, this.#pos, 'utf8');
    this.#zeros(padding(size));
    return this;
  }

  /** Fixed-length `opaque[n]`: exactly `n` bytes, no length word. */
  opaque(value: Uint8Array, n: number): this {
    if (value.length !== n) throw new RangeError(`XDR opaque[${n}] given ${value.length} bytes`);
    this.#ensure(n + padding(n));
    this.#buf.set(value, this.#pos);
    this.#pos += n;
    this.#zeros(padding(n));
    return this;
  }

  /** `T *x`: absent (`undefined`/`null`) or present, then `T`. */
  optional<T>(value: T | null | undefined, write: (writer: this, value: T) => void): this {
    if (value === undefined || value === null) return this.uint(0);
    this.uint(1);
    write(this, value);
    return this;
  }

  /** Variable-length `T x<max>`. */
  array<T>(items: readonly T[], max: number, write: (writer: this, item: T) => void): this {
    if (items.length > max) throw new RangeError(`XDR array of ${items.length} items exceeds its limit of ${max}`);
    this.uint(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** Overwrites a 32-bit word already written (the frame's length and header). */
  patchUint(offset: number, value: number): void {
    putWord(this.#buf, offset, value);
  }

  #zeros(n: number): void {
    for (let i = 0; i < n; i++) this.#buf[this.#pos++] = 0;
  }
}

/** Reads XDR values from `buf[start, end)`; never reads outside it. */
export class XdrReader {
  readonly #buf: Buffer;
  readonly #end: number;
  #pos: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError('XdrReader: bad bounds');
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  get offset(): number {
    return this.#pos;
  }

  #need(n: number, what: string): void {
    if (n > this.#end - this.#pos) {
      throw new QgaProtocolError(`truncated XDR: ${what} needs ${n} bytes at offset ${this.#pos}, ${this.#end - this.#pos} left`);
    }
  }

  int(): number {
    this.#need(4, 'int');
    const value = getInt(this.#buf, this.#pos);
    this.#pos += 4;
    return value;
  }

  uint(): number {
    this.#need(4, 'unsigned int');
    const value = getUint(this.#buf, this.#pos);
    this.#pos += 4;
    return value;
  }

  hyper(): bigint {
    this.#need(8, 'hyper');
    const value = this.#buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    return value;
  }

  uhyper(): bigint {
    this.#need(8, 'unsigned hyper');
    const value = this.#buf.readBigUInt64BE(this.#pos);
    this.#pos += 8;
    return value;
  }

  bool(): boolean {
    const word = this.uint();
    if (word > 1) throw new QgaProtocolError(`bad XDR bool ${word} at offset ${this.#pos - 4}`);
    return word === 1;
  }

  /** The raw bytes of a `string<max>` / `opaque<max>` (a view into the frame). */
  bytes(max: number): Buffer {
    const size = this.uint();
    if (size > max) throw new QgaProtocolError(`XDR string of ${size} bytes exceeds its limit of ${max}`);
    this.#need(size + padding(size), 'string data');
    const value = this.#buf.subarray(this.#pos, this.#pos + size);
    this.#pos += size + padding(size);
    return value;
  }

  /** A `string<max>` decoded as UTF-8. */
  string(max: number): string {
    const bytes = this.bytes(max);
    return bytes.toString('utf8');
  }

  /** Fixed-length `opaque[n]` (a copy, safe to keep after the frame is gone). */
  opaque(n: number): Buffer {
    this.#need(n + padding(n), `opaque[${n}]`);
    const value = Buffer.from(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n + padding(n);
    return value;
  }

  /** `T *x`: `undefined` when absent. */
  optional<T>(read: (reader: this) => T): T | undefined {
    return this.bool() ? read(this) : undefined;
  }

  /** Variable-length `T x<max>`. */
  array<T>(max: number, read: (reader: this) => T): T[] {
    const count = this.uint();
    if (count > max) throw new QgaProtocolError(`XDR array of ${count} items exceeds its limit of ${max}`);
    // Each element takes at least 4 bytes: a count larger than the rest cannot be real,
    // and is refused before anything is allocated for it.
    this.#need(count * 4, `array of ${count}`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this));
    return items;
  }

  /** Every byte was consumed; trailing garbage means the layout is not what we think. */
  end(what: string): void {
    if (this.#pos !== this.#end) throw new QgaProtocolError(`${what}: ${this.#end - this.#pos} unexpected bytes after the XDR payload`);
  }
}
