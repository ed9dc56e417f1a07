/**
 * Splits libvirt's RPC byte stream into messages.
 *
 * Every message is a 4-byte big-endian length that counts itself, a 24-byte header
 * (prog, vers, proc, type, serial, status) and an XDR payload (libvirt
 * `src/rpc/virnetprotocol.x`, `virnetmessage.c`). libvirt itself refuses a length above
 * `VIR_NET_MESSAGE_MAX` (32 MiB since libvirt 5.x; observed on 9.0: 33,554,436 accepted,
 * one more byte and the connection is reset) and so does this reader: a length of 0, one
 * shorter than the header, or one above the maximum is a protocol error, after which the
 * reader ignores everything (the stream cannot be re-synchronised: the connection must go).
 *
 * Memory: at most one message is held (chunks of it are gathered and joined once, so a
 * long message costs one copy, not one per chunk); bytes after it are handled at once.
 * The reader never throws: errors go to `onError`, once.
 * @module
 */
import { QgaProtocolError } from '../../errors.js';
import { getInt, getUint } from './words.js';

/** Length word + header. */
export const HEADER_BYTES = 28;
/**
 * A message up to this size that spans chunks gets its buffer as soon as its length is
 * known, and each chunk is copied in as it arrives: the copy (and, on a VM, the page
 * faults of fresh memory: ~4 ms for a 1.4 MB reply, profiled) happen while the rest is
 * still on its way, not all at the end. Larger ones (only a hostile or broken peer sends
 * them to this client) are gathered and joined, so memory follows what really arrived.
 */
const FILL_IN_PLACE_UP_TO = 8 * 1024 * 1024;
/** libvirt's `VIR_NET_MESSAGE_MAX` (32 MiB, excluding the length word) + the length word. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024 + 4;

/** Message types (`virNetMessageType`). */
export const MessageType = { CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3, CALL_WITH_FDS: 4, REPLY_WITH_FDS: 5, STREAM_HOLE: 6 } as const;
/** Message status (`virNetMessageStatus`). */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

/** The 24-byte header after the length word. */
export interface FrameHeader {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

export interface FrameReaderOptions {
  /** A whole message: its header and its payload (a view into the bytes received). */
  onFrame: (header: FrameHeader, payload: Buffer) => void;
  /** The stream is broken (bad length); called once, after which input is ignored. */
  onError: (error: QgaProtocolError) => void;
  /** Largest message accepted, length word included. Default {@link MAX_FRAME_BYTES}. */
  maxFrameBytes?: number | undefined;
}

export class FrameReader {
  readonly #onFrame: FrameReaderOptions['onFrame'];
  readonly #onError: FrameReaderOptions['onError'];
  readonly #max: number;
  /** Chunks of the message being gathered, and their total size. */
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** The message's own buffer, filled in place (see FILL_IN_PLACE_UP_TO). */
  #frame: Buffer | undefined;
  /** Length of the message being gathered; 0 while its length word is incomplete. */
  #expected = 0;
  #failed = false;

  constructor(options: FrameReaderOptions) {
    this.#onFrame = options.onFrame;
    this.#onError = options.onError;
    this.#max = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.#partBytes;
  }

  /** True after a protocol error. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Feed bytes as they arrive, in any split. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (!this.#failed && offset < chunk.length) {
      if (this.#partBytes === 0) {
        // Fast path: whole messages straight from the chunk, without gathering.
        if (chunk.length - offset < 4) {
          this.#keep(chunk.subarray(offset));
          return;
        }
        const length = getUint(chunk, offset);
        if (!this.#check(length)) return;
        if (chunk.length - offset >= length) {
          this.#emit(chunk.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        this.#expected = length;
        this.#keep(chunk.subarray(offset));
        this.#fillInPlace();
        return;
      }
      offset = this.#gather(chunk, offset);
    }
  }

  /** Drops a partial message (the connection is being replaced). */
  reset(): void {
    this.#parts = [];
    this.#partBytes = 0;
    this.#expected = 0;
    this.#frame = undefined;
  }

  /** Adds to a message already begun; returns the offset of the first byte not used. */
  #gather(chunk: Buffer, offset: number): number {
    if (this.#expected === 0) {
      // The length word itself was split: take just enough to complete it.
      const take = Math.min(4 - this.#partBytes, chunk.length - offset);
      this.#keep(chunk.subarray(offset, offset + take));
      offset += take;
      if (this.#partBytes < 4) return offset;
      const head = Buffer.concat(this.#parts, this.#partBytes);
      const length = getUint(head, 0);
      this.#parts = [head];
      if (!this.#check(length)) return chunk.length;
      this.#expected = length;
      this.#fillInPlace();
    }
    const take = Math.min(this.#expected - this.#partBytes, chunk.length - offset);
    if (this.#frame) {
      chunk.copy(this.#frame, this.#partBytes, offset, offset + take);
      this.#partBytes += take;
    } else this.#keep(chunk.subarray(offset, offset + take));
    offset += take;
    if (this.#partBytes === this.#expected) {
      const frame = this.#frame ?? (this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#partBytes));
      this.reset();
      this.#emit(frame);
    }
    return offset;
  }

  /** Moves what was gathered into the message's own buffer, when it is small enough. */
  #fillInPlace(): void {
    if (this.#expected > FILL_IN_PLACE_UP_TO) return;
    const frame = Buffer.allocUnsafe(this.#expected);
    let at = 0;
    for (const part of this.#parts) at += part.copy(frame, at);
    this.#frame = frame;
    this.#parts = [];
  }

  #keep(part: Buffer): void {
    if (part.length === 0) return;
    this.#parts.push(part);
    this.#partBytes += part.length;
  }

  #check(length: number): boolean {
    if (length >= HEADER_BYTES && length <= this.#max) return true;
    this.#failed = true;
    this.reset();
    const why = length === 0 ? 'a length of 0' : length < HEADER_BYTES ? `a length of ${length}, shorter than the ${HEADER_BYTES}-byte header` : `a length of ${length}, above the maximum of ${this.#max}`;
    this.#onError(new QgaProtocolError(`libvirt RPC: malformed message with ${why}; the connection is dropped`));
    return false;
  }

  #emit(frame: Buffer): void {
    const header: FrameHeader = {
      prog: getUint(frame, 4),
      vers: getUint(frame, 8),
      proc: getInt(frame, 12),
      type: getInt(frame, 16),
      serial: getUint(frame, 20),
      status: getInt(frame, 24),
    };
    this.#onFrame(header, frame.subarray(HEADER_BYTES));
  }
}
