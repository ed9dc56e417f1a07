/**
 * What the file commands of every agent profile share, whatever the guest's OS: their
 * argument schemas, the agent's checks of `count` and `whence`, the shape of their
 * replies, and closing a handle. Each profile keeps its own opening, how it reads and
 * writes, and its error texts.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import type { ArgSpec } from '../args.js';
import type { CommandRegistry } from '../dispatch.js';
import { genericError, type SimulatedAgentError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import type { HandleTable } from './handle-table.js';

/** `QGA_READ_COUNT_DEFAULT`. */
export const READ_COUNT_DEFAULT = 4096n;
/** `GUEST_FILE_READ_COUNT_MAX`: keeps the base64 reply under the 64 MiB parser limit. */
export const READ_COUNT_MAX = 48n << 20n;

export const FILE_OPEN_ARGS: ArgSpec = { path: { type: 'str' }, mode: { type: 'str', optional: true } };
export const FILE_HANDLE_ARGS: ArgSpec = { handle: { type: 'int' } };
export const FILE_READ_ARGS: ArgSpec = { handle: { type: 'int' }, count: { type: 'int', optional: true } };
export const FILE_WRITE_ARGS: ArgSpec = { handle: { type: 'int' }, 'buf-b64': { type: 'str' }, count: { type: 'int', optional: true } };
export const FILE_SEEK_ARGS: ArgSpec = {
  handle: { type: 'int' },
  offset: { type: 'int' },
  whence: { type: { alternate: 'GuestFileWhence', int: true, enum: ['set', 'cur', 'end'] } },
};

/** guest-file-read's `count`, checked as the agent does. */
export function readCount(args: Record<string, unknown>): bigint {
  const count = (args.count as bigint | undefined) ?? READ_COUNT_DEFAULT;
  if (count < 0n || count > READ_COUNT_MAX) throw genericError(`value '${count}' is invalid for argument count`);
  return count;
}

/** guest-file-write's data and `count`, checked as the agent does. */
export function writeData(args: Record<string, unknown>): { data: Buffer; count: number } {
  const data = decodeBase64(args['buf-b64'] as string);
  const count = (args.count as bigint | undefined) ?? BigInt(data.length);
  if (count < 0n || count > BigInt(data.length)) throw genericError(`value '${count}' is invalid for argument count`);
  return { data, count: Number(count) };
}

/** guest-file-open: `open` gets the guest path and the mode (`r` when none was given). */
export function defineFileOpen<File extends { readonly fh: FileHandle }>(registry: CommandRegistry, table: HandleTable<File>, open: (path: string, mode: string) => Promise<File>): void {
  registry.define({
    name: 'guest-file-open',
    args: FILE_OPEN_ARGS,
    successResponse: true,
    run: async (args) => table.add(await open(args.path as string, (args.mode as string | undefined) ?? 'r')),
  });
}

/**
 * guest-file-read: `read` gets the checked `count` and says what it read and whether that
 * is the end (each OS's agent decides eof its own way).
 */
export function defineFileRead<File extends { readonly fh: FileHandle }>(registry: CommandRegistry, table: HandleTable<File>, read: (file: File, count: bigint) => Promise<{ data: Buffer; eof: boolean }>): void {
  registry.define({
    name: 'guest-file-read',
    args: FILE_READ_ARGS,
    successResponse: true,
    run: async (args) => {
      const { data, eof } = await read(table.get(args.handle as bigint), readCount(args));
      // An empty read still carries "buf-b64": "" (the output visitor writes NULL as "").
      return { count: data.length, 'buf-b64': data.toString('base64'), eof };
    },
  });
}

/** guest-file-write: `write` gets the decoded data and the checked `count` to write of it. */
export function defineFileWrite<File extends { readonly fh: FileHandle }>(registry: CommandRegistry, table: HandleTable<File>, write: (file: File, data: Buffer, count: number) => Promise<void>): void {
  registry.define({
    name: 'guest-file-write',
    args: FILE_WRITE_ARGS,
    successResponse: true,
    run: async (args) => {
      const { data, count } = writeData(args);
      await write(table.get(args.handle as bigint), data, count);
      return { count, eof: false };
    },
  });
}

/** Writes the first `count` bytes of `data` at `at`, however many writes that takes. */
export async function writeAllAt(fh: FileHandle, data: Buffer, count: number, at: number): Promise<void> {
  let done = 0;
  while (done < count) done += (await fh.write(data, done, count - done, at + done)).bytesWritten;
}

/** guest-file-seek; `invalid()` is the OS's refusal of a position before the start. */
export function defineFileSeek<File extends { readonly fh: FileHandle; position: number }>(registry: CommandRegistry, table: HandleTable<File>, invalid: () => SimulatedAgentError): void {
  registry.define({
    name: 'guest-file-seek',
    args: FILE_SEEK_ARGS,
    successResponse: true,
    run: async (args) => {
      const file = table.get(args.handle as bigint);
      const target = await seekTarget(file, args);
      if (target === undefined) throw invalid();
      file.position = target;
      return { position: target, eof: false };
    },
  });
}

/** Where guest-file-seek lands, or `undefined` for a position the OS refuses. */
async function seekTarget(file: { readonly fh: FileHandle; position: number }, args: Record<string, unknown>): Promise<number | undefined> {
  const whence = args.whence as bigint | string;
  const code = typeof whence === 'string' ? BigInt(['set', 'cur', 'end'].indexOf(whence)) : whence;
  if (code < 0n || code > 2n) throw genericError(`invalid whence code ${code}`);
  const base = code === 0n ? 0 : code === 1n ? file.position : (await file.fh.stat()).size;
  const target = base + Number(args.offset);
  return target < 0 || !Number.isSafeInteger(target) ? undefined : target;
}

/** Reads up to `wanted` bytes at the file's position (fewer at its end) and moves past them. */
export async function readAt(file: { readonly fh: FileHandle; position: number }, wanted: number): Promise<Buffer> {
  const buf = Buffer.alloc(wanted);
  let got = 0;
  while (got < wanted) {
    const { bytesRead } = await file.fh.read(buf, got, wanted - got, file.position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  file.position += got;
  return buf.subarray(0, got);
}

/** guest-file-close: the handle is gone whether or not the OS's close fails. */
export function defineFileClose<File extends { readonly fh: FileHandle }>(registry: CommandRegistry, table: HandleTable<File>, closeFailed: (err: unknown) => SimulatedAgentError): void {
  registry.define({
    name: 'guest-file-close',
    args: FILE_HANDLE_ARGS,
    successResponse: true,
    run: async (args) => {
      const handle = args.handle as bigint;
      const file = table.get(handle);
      table.remove(handle);
      await file.fh.close().catch((err: unknown) => {
        throw closeFailed(err);
      });
    },
  });
}
