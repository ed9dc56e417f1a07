/**
 * guest-file-* on a sandbox directory. Guest paths resolve inside the
 * sandbox (`/etc/hostname` → `<sandbox>/etc/hostname`; `..` cannot climb out). Handles
 * count from 1000 and are never reused; like the real agent's, they belong to the agent,
 * not to a connection. Reads report `eof` the POSIX way: a short read already says true.
 * @module
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { HandleTable } from './handle-table.js';
import { genericError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { defineFileClose, defineFileOpen, defineFileRead, defineFileSeek, defineFileWrite, FILE_HANDLE_ARGS, readAt, writeAllAt } from './file-commands.js';
import type { BuiltinContext } from './context.js';
import { strerror } from './errno.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL } = constants;

/** `find_open_flag` (qga/commands-posix.c). */
const OPEN_MODES: Readonly<Record<string, number>> = {
  r: O_RDONLY,
  rb: O_RDONLY,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wb: O_WRONLY | O_CREAT | O_TRUNC,
  a: O_WRONLY | O_CREAT | O_APPEND,
  ab: O_WRONLY | O_CREAT | O_APPEND,
  'r+': O_RDWR,
  'rb+': O_RDWR,
  'r+b': O_RDWR,
  'w+': O_RDWR | O_CREAT | O_TRUNC,
  'wb+': O_RDWR | O_CREAT | O_TRUNC,
  'w+b': O_RDWR | O_CREAT | O_TRUNC,
  'a+': O_RDWR | O_CREAT | O_APPEND,
  'ab+': O_RDWR | O_CREAT | O_APPEND,
  'a+b': O_RDWR | O_CREAT | O_APPEND,
};

/** Where a guest path lives on the host: always inside `sandbox`. */
export function resolveGuestPath(sandbox: string, guestPath: string): string {
  return path.join(sandbox, path.posix.normalize(`/${guestPath}`));
}

export interface OpenFile {
  readonly fh: FileHandle;
  readonly append: boolean;
  position: number;
}

/** The agent's table of open guest files. */
export class FileTable extends HandleTable<OpenFile> {}

async function openFile(hostPath: string, guestPath: string, mode: string): Promise<OpenFile> {
  const flags = OPEN_MODES[mode];
  if (flags === undefined) throw genericError(`invalid file open mode '${mode}'`);
  const fail = (err: unknown): never => {
    throw genericError(`failed to open file '${guestPath}' (mode: '${mode}'): ${strerror(err)}`);
  };
  let fh: FileHandle;
  if (flags & O_CREAT) {
    // safe_open_or_create: create exclusively, then 0666 regardless of umask; else open.
    try {
      fh = await fsp.open(hostPath, flags | O_EXCL, 0o600);
      await fh.chmod(0o666);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') fail(err);
      fh = await fsp.open(hostPath, flags & ~O_CREAT).catch(fail);
    }
  } else {
    fh = await fsp.open(hostPath, flags).catch(fail);
  }
  return { fh, append: (flags & O_APPEND) !== 0, position: 0 };
}

/** Reads `count` bytes at most, without allocating the whole count for a short regular file. */
async function readSome(file: OpenFile, count: number): Promise<Buffer> {
  const stat = await file.fh.stat();
  return readAt(file, stat.isFile() ? Math.min(count, Math.max(0, stat.size - file.position)) : count);
}

/** Register the guest-file-* commands; returns the table so the agent can close it. */
export function registerFileCommands(registry: CommandRegistry, ctx: BuiltinContext): FileTable {
  const table = new FileTable();
  defineFileOpen(registry, table, (guestPath, mode) => openFile(resolveGuestPath(ctx.sandbox, guestPath), guestPath, mode));
  defineFileClose(registry, table, (err) => genericError(`failed to close handle: ${strerror(err)}`));
  defineFileRead(registry, table, async (file, count) => {
    const data = await readSome(file, Number(count)).catch((err: unknown) => {
      throw genericError(`failed to read file: ${strerror(err)}`);
    });
    return { data, eof: BigInt(data.length) < count };
  });
  defineFileWrite(registry, table, async (file, data, count) => {
    try {
      await writeAllAt(file.fh, data, count, file.position);
      file.position = file.append ? (await file.fh.stat()).size : file.position + count;
    } catch (err) {
      throw genericError(`failed to write to file: ${strerror(err)}`);
    }
  });
  defineFileSeek(registry, table, () => genericError('failed to seek file: Invalid argument'));
  registry.define({
    name: 'guest-file-flush',
    args: FILE_HANDLE_ARGS,
    successResponse: true,
    run: (args) => {
      // Writes go straight to the file (no stdio buffer), so there is nothing to flush.
      table.get(args.handle as bigint);
    },
  });
  return table;
}
