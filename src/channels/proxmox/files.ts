/**
 * Guest files through Proxmox's file-read and file-write (qemu-server 9.2 `PVE/API2/Qemu/Agent.pm`):
 * no handles, each with a limit that must never truncate silently.
 *
 * Reading: qemu-server 9.1.5 added `count`, `offset` and `decode`; with them a file is read
 * in pieces, as base64 (`decode=0`: compact, and no byte-string decoding). Older servers
 * refuse those parameters with a 400, which is the probe: they return at most 16 MiB from
 * the start, so a larger file fails naming that limit instead of arriving short.
 *
 * Writing: file-write takes at most 61,440 bytes and always opens the file `wb`, so a
 * larger file cannot be sent in pieces through it. Up to that size one file-write does it
 * (privilege FileWrite only). Beyond it the data is staged next to the target through exec
 * (`/bin/sh -c 'cat >> "$1"'` with input-data, at most 65,536 bytes a call, POSIX guests,
 * privilege Unrestricted) and renamed over the target at the end, so the target never
 * holds a short file: it has the old content until the rename, the new one after.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { ChannelFileAccess, ChannelFileCallOptions, ChannelFileChunk, ChannelFileWriter } from '../channel.js';
import { QgaCommandError, QgaProtocolError } from '../../errors.js';
import { decodeConcatenatedBase64, fitInJson, fromByteString, toByteString } from './encoding.js';
import { PROXMOX_LIMITS } from './endpoints.js';
import { errorBody } from './errors.js';
import type { ProxmoxExec } from './exec.js';
import { BodyTooLargeError, type CallContext, type ProxmoxRequester } from './requester.js';

/** Runs `fn` in the channel's turn, with a call context for `command`. */
export type InTurn = <T>(command: string, options: ChannelFileCallOptions, fn: (ctx: CallContext) => Promise<T>) => Promise<T>;

const MiB = 1024 * 1024;

/** A whole-file read (before qemu-server 9.1.5) may take up to pveproxy's 30 s. */
const WHOLE_READ_TIMEOUT = 30_000;

/** Room for everything in an exec body besides the input data (command, paths, keys). */
const EXEC_BODY_OVERHEAD = 512;

/** File access for one Proxmox channel. */
export class ProxmoxFiles implements ChannelFileAccess {
  readonly #inTurn: InTurn;
  readonly #requester: ProxmoxRequester;
  readonly #exec: ProxmoxExec;
  /** Whether file-read takes count/offset/decode (qemu-server 9.1.5+); unknown until tried. */
  #ranges: boolean | undefined;

  constructor(inTurn: InTurn, requester: ProxmoxRequester, exec: ProxmoxExec) {
    this.#inTurn = inTurn;
    this.#requester = requester;
    this.#exec = exec;
  }

  read(path: string, position: { offset: number; count: number }, options: ChannelFileCallOptions): Promise<ChannelFileChunk> {
    const count = Math.max(1, Math.min(position.count, PROXMOX_LIMITS.fileRead));
    return this.#inTurn('file-read', options, async (ctx) => {
      if (this.#ranges !== false) {
        const response = await this.#requester.agentResponse(ctx, {
          method: 'GET',
          path: 'file-read',
          params: { file: path, offset: position.offset, count, decode: false },
          idempotent: true,
        });
        const refused = response.status === 400 ? errorBody(response).errors : undefined;
        if (!(refused && ('count' in refused || 'offset' in refused || 'decode' in refused))) {
          this.#ranges = true;
          const reply = readReply(ctx, this.#requester.data(ctx, response));
          return checked(ctx, decodeConcatenatedBase64(reply.content, ctx.command), reply);
        }
        // Before qemu-server 9.1.5: the file only whole, from the start.
        this.#ranges = false;
      }
      if (position.offset !== 0) throw new QgaProtocolError(`${ctx.command}: this Proxmox reads files only from the start`);
      // One request for up to 16 MiB that cannot be split: it gets what Proxmox's proxy allows.
      const whole = { ...ctx, timeout: Math.max(ctx.timeout, WHOLE_READ_TIMEOUT), deadline: Math.max(ctx.deadline, performance.now() + WHOLE_READ_TIMEOUT) };
      const reply = readReply(whole, await this.#requester.agent(whole, { method: 'GET', path: 'file-read', params: { file: path }, idempotent: true }));
      if (reply.truncated) {
        throw new QgaCommandError(
          ctx.command,
          'GenericError',
          `${path} is ${PROXMOX_LIMITS.fileRead / MiB} MiB or larger, more than this Proxmox's file-read returns (qemu-server 9.1.5 added count and offset to read on); nothing was returned`,
        );
      }
      return checked(ctx, fromByteString(reply.content, ctx.command), { ...reply, truncated: false });
    });
  }

  openWrite(path: string, options: { append: boolean }): ChannelFileWriter {
    return new ProxmoxFileWriter(path, options.append, this.#inTurn, this.#requester, this.#exec);
  }
}

interface ReadReply {
  content: string;
  bytesRead: number;
  truncated: boolean;
}

function readReply(ctx: CallContext, data: unknown): ReadReply {
  const d = data as { content?: unknown; 'bytes-read'?: unknown; truncated?: unknown } | null;
  if (typeof d?.content !== 'string' || typeof d['bytes-read'] !== 'number') throw new QgaProtocolError(`${ctx.command}: Proxmox's reply has no content`);
  return { content: d.content, bytesRead: d['bytes-read'], truncated: d.truncated === 1 || d.truncated === true };
}

/** `truncated` is set whenever EOF was not seen, so its absence is the end of the file. */
function checked(ctx: CallContext, data: Buffer, reply: ReadReply): ChannelFileChunk {
  if (data.length !== reply.bytesRead) throw new QgaProtocolError(`${ctx.command}: Proxmox says it read ${reply.bytesRead} bytes but sent ${data.length}`);
  return { data, eof: !reply.truncated };
}

/** One write: held back while it fits one request, staged through exec beyond. */
class ProxmoxFileWriter implements ChannelFileWriter {
  readonly #path: string;
  readonly #append: boolean;
  readonly #inTurn: InTurn;
  readonly #requester: ProxmoxRequester;
  readonly #exec: ProxmoxExec;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #total = 0;
  /** The staging file, once created (the data no longer fits one request). */
  #staging: string | undefined;
  #aborting: Promise<void> | undefined;

  constructor(path: string, append: boolean, inTurn: InTurn, requester: ProxmoxRequester, exec: ProxmoxExec) {
    this.#path = path;
    this.#append = append;
    this.#inTurn = inTurn;
    this.#requester = requester;
    this.#exec = exec;
  }

  /** What one request can take without staging: file-write's limit, or one exec append. */
  get #direct(): number {
    return this.#append ? PROXMOX_LIMITS.execInput : PROXMOX_LIMITS.fileWrite;
  }

  async write(data: Uint8Array, options: ChannelFileCallOptions): Promise<void> {
    if (data.length === 0) return;
    this.#pending.push(Buffer.from(data));
    this.#pendingBytes += data.length;
    this.#total += data.length;
    if (this.#staging === undefined && this.#total <= this.#direct) return;
    await this.#inTurn('file-write', options, (ctx) => this.#stage(ctx, false));
  }

  commit(options: ChannelFileCallOptions): Promise<void> {
    return this.#inTurn('file-write', options, (ctx) => this.#commit(ctx)).catch(async (error: unknown) => {
      // Whatever was staged goes; the target is as it was.
      await this.abort();
      throw error;
    });
  }

  async #commit(ctx: CallContext): Promise<void> {
    if (this.#staging === undefined && this.#total <= this.#direct) {
      const data = this.#take();
      try {
        await this.#writeDirect(ctx, data);
        return;
      } catch (error) {
        // An older Proxmox (64 KiB bodies) refused it before anything ran: stage instead.
        if (!(error instanceof BodyTooLargeError)) throw error;
        this.#pending = [data];
        this.#pendingBytes = data.length;
      }
    }
    await this.#stage(ctx, true);
    const script = this.#append ? 'cat -- "$1" >> "$2" && rm -f -- "$1"' : 'mv -f -- "$1" "$2"';
    await this.#shell(ctx, ['/bin/sh', '-c', script, 'sh', this.#staging!, this.#path], undefined);
    this.#staging = undefined;
  }

  abort(): Promise<void> {
    this.#aborting ??= (async () => {
      this.#pending = [];
      this.#pendingBytes = 0;
      const staging = this.#staging;
      if (staging === undefined) return;
      this.#staging = undefined;
      await this.#inTurn('file-write', { timeout: 30_000 }, (ctx) => this.#shell(ctx, ['/bin/sh', '-c', 'rm -f -- "$1"', 'sh', staging], undefined)).catch(() => undefined);
    })();
    return this.#aborting;
  }

  #take(): Buffer {
    const data = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return data;
  }

  /** One file-write, or (appending) one exec append straight onto the target. */
  async #writeDirect(ctx: CallContext, data: Buffer): Promise<void> {
    if (!this.#append) {
      await this.#requester.agent(ctx, { method: 'POST', path: 'file-write', params: { file: this.#path, content: toByteString(data) }, idempotent: false });
    } else if (data.length > 0) {
      await this.#shell(ctx, ['/bin/sh', '-c', 'cat >> "$1"', 'sh', this.#path], data);
    }
  }

  /**
   * Sends pending data to the staging file in the largest pieces a request holds, keeping
   * back a last piece that is not full (unless `all`) to join the next write.
   */
  async #stage(ctx: CallContext, all: boolean): Promise<void> {
    if (this.#pendingBytes === 0 && this.#staging !== undefined) return;
    const data = this.#take();
    const room = (): number => this.#requester.bodyLimit - EXEC_BODY_OVERHEAD - (this.#path.length + 64) * 6;
    let offset = 0;
    while (offset < data.length || (all && this.#staging === undefined)) {
      const size = fitInJson(data, offset, PROXMOX_LIMITS.execInput, room());
      if (size === 0 && offset < data.length) throw new QgaCommandError(ctx.command, 'GenericError', `${this.#path}: the path is too long to leave room for data in a request`);
      if (!all && offset + size === data.length && size < PROXMOX_LIMITS.execInput) break;
      const first = this.#staging === undefined;
      const staging = this.#staging ?? stagingPath(this.#path);
      try {
        await this.#shell(ctx, ['/bin/sh', '-c', first ? 'cat > "$1"' : 'cat >> "$1"', 'sh', staging], data.subarray(offset, offset + size));
      } catch (error) {
        if (error instanceof BodyTooLargeError) continue; // the limit just dropped to 64 KiB: smaller pieces
        // A refused first piece created nothing; after a timeout it may have: abort() removes it.
        if (first && error instanceof QgaCommandError) throw this.#beyondLimit(error);
        this.#staging = staging;
        throw error;
      }
      this.#staging = staging;
      offset += size;
    }
    if (offset < data.length) {
      this.#pending = [data.subarray(offset)];
      this.#pendingBytes = data.length - offset;
    }
  }

  async #shell(ctx: CallContext, argv: string[], input: Uint8Array | undefined): Promise<void> {
    const outcome = await this.#exec.run(ctx, argv, input);
    if (outcome.exitcode !== 0) {
      const why = outcome.signal !== undefined ? `was killed by signal ${outcome.signal}` : `exited with ${String(outcome.exitcode)}`;
      throw new QgaCommandError(ctx.command, 'GenericError', `${argv.slice(0, 3).join(' ')} ${why} in the guest: ${outcome.stderr.toString('utf8').trim() || '(no output)'}`);
    }
  }

  /** The first staged piece failed: say why a larger file needs exec at all. */
  #beyondLimit(error: QgaCommandError): QgaCommandError {
    const what = this.#append ? 'an append' : 'a write';
    const message =
      `${this.#path}: ${what} of more than ${this.#direct} bytes cannot go through Proxmox's file-write (at most ${PROXMOX_LIMITS.fileWrite} bytes a call, and it always truncates); ` +
      `larger files are written through exec with input-data and /bin/sh (POSIX guests, privilege VM.GuestAgent.Unrestricted on PVE 9), and that failed: ${error.desc}`;
    return new QgaCommandError(error.command, error.errorClass, message, { cause: error });
  }
}

/** A hidden file beside the target, so the final rename stays on one filesystem. */
function stagingPath(target: string): string {
  return posix.join(posix.dirname(target), `.${posix.basename(target)}.qga-${randomBytes(6).toString('hex')}.part`);
}

