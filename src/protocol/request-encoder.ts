/**
 * The bytes a queue writes: each command with an `id` unique to the queue, and the
 * random ids of `guest-sync` / `guest-sync-delimited`.
 *
 * The ids only have to differ from those of stale replies (an earlier connection's, a
 * call given up earlier); nothing is protected by guessing them, since the agent echoes
 * them anyway. So they come from `Math.random`, not from `node:crypto`: a crypto call per
 * connection and per resync was ~15 µs of a short-lived connection's cycle.
 */
import { encodeJson } from './json-codec.js';

/**
 * Request lines shorter than this are short: as bytes they come from Buffer's shared pool
 * anyway, and the queue writes them as text when the transport can.
 */
export const SHORT_LINE = 4 * 1024;
/** The most an encoder keeps for reuse: a 64 KiB file chunk's request fits, with room. */
const SCRATCH_UP_TO = 256 * 1024;

export interface EncodedCommand {
  /** The `id` the reply will carry. */
  id: string;
  /** The request line, newline included; {@link RequestEncoder.bytesOf} turns it into bytes. */
  line: string;
}

export class RequestEncoder {
  // Ids need no escaping in JSON: hex digits, '-' and base-36 digits. 32 random bits tell
  // this queue's ids from another connection's (the sequence alone would repeat them).
  readonly #idPrefix = (Math.floor(Math.random() * 2 ** 32) + 2 ** 32).toString(16).slice(1) + '-';
  #sequence = 0;
  /** Reused request buffer (see bytesOf) and whether the transport still holds it. */
  #scratch: Buffer | undefined;
  #scratchBusy = false;

  /** A command line with a fresh id. */
  command(execute: string, args: Record<string, unknown> | undefined): EncodedCommand {
    const id = this.#nextId();
    return { id, line: commandLine(execute, args, id) };
  }

  /**
   * A command the agent answers only on failure, followed by a `guest-sync` in the same
   * write: the sync's reply tells success from failure (an error with our id comes first).
   * One write, because over virtio-serial writes while a reply is pending lose replies,
   * but one write is read by the agent as one input.
   */
  commandWithProbe(execute: string, args: Record<string, unknown> | undefined): EncodedCommand & { probeId: number } {
    const id = this.#nextId();
    const probeId = this.nextSyncId();
    const probe = encodeJson({ execute: 'guest-sync', arguments: { id: probeId } });
    return { id, probeId, line: commandLine(execute, args, id) + probe + '\n' };
  }

  /** Sync ids are `int` on the wire: stay within Number's safe range. */
  nextSyncId(): number {
    return 1 + Math.floor(Math.random() * (2 ** 47 - 1));
  }

  /** Whether `bytes` is the reused buffer, which the caller must hand back with {@link release}. */
  isScratch(bytes: Uint8Array): boolean {
    return this.#scratch !== undefined && bytes.buffer === this.#scratch.buffer;
  }

  /** The transport has taken the reused buffer's bytes (its write settled): it may be reused. */
  readonly release = (): void => {
    this.#scratchBusy = false;
  };

  #nextId(): string {
    this.#sequence += 1;
    return this.#idPrefix + this.#sequence.toString(36);
  }

  /**
   * The bytes of a request line, for a transport that takes bytes only, or a line too
   * long to go as text (see `RequestQueueOptions.writeText`). A fresh buffer for every
   * request above Buffer's small pool size is a malloc that often comes back as fresh
   * pages from the OS, and on a VM
   * each page fault is costly: a file written in 64 KiB chunks paid ~22 faults per chunk.
   * So mid-sized requests are encoded into one buffer the encoder keeps, reused once the
   * transport has taken the previous request (its write settled, as the Transport
   * contract says); while it is busy, or for larger requests, a fresh buffer is used.
   */
  bytesOf(line: string): Buffer {
    if (line.length < SHORT_LINE || line.length > SCRATCH_UP_TO || this.#scratchBusy) return Buffer.from(line);
    const size = Buffer.byteLength(line);
    if (size > SCRATCH_UP_TO) return Buffer.from(line);
    if (!this.#scratch || this.#scratch.length < size) this.#scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_UP_TO, Math.max(size, 2 * (this.#scratch?.length ?? 0))));
    const written = this.#scratch.write(line, 0, 'utf8');
    this.#scratchBusy = true;
    return this.#scratch.subarray(0, written);
  }
}

/**
 * The same text as encodeJson({ execute, arguments, id }), without building that object
 * and walking it again: the arguments are encoded on their own (bigints included), and
 * the id needs no escaping.
 */
function commandLine(execute: string, args: Record<string, unknown> | undefined, id: string): string {
  const encodedArgs = args ? encodeJson(args) : undefined;
  const head = `{"execute":${JSON.stringify(execute)}`;
  return encodedArgs === undefined ? `${head},"id":"${id}"}\n` : `${head},"arguments":${encodedArgs},"id":"${id}"}\n`;
}
