/**
 * guest-file-* on a sandbox directory (AGENT-BEHAVIOUR §6). Guest paths resolve inside the
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
import { decodeBase64 } from './base64.js';
import type { BuiltinContext } from './context.js';
import { strerror } from './errno.js';

/** `QGA_READ_COUNT_DEFAULT`. */
const READ_COUNT_DEFAULT = 4096n;
/** `GUEST_FILE_READ_COUNT_MAX`: keeps the base64 reply under the 64 MiB parser limit. */
const READ_COUNT_MAX = 48n << 20n;

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

async function readAt(file: OpenFile, count: number): Promise<Buffer> {
  const stat = await file.fh.stat();
  // Do not allocate the whole count for a short regular file.
  const size = stat.isFile() ? Math.min(count, Math.max(0, stat.size - file.position)) : count;
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const { bytesRead } = await file.fh.read(buf, got, size - got, file.position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  file.position += got;
  return buf.subarray(0, got);
}

/** Register the guest-file-* commands; returns the table so the agent can close it. */
export function registerFileCommands(registry: CommandRegistry, ctx: BuiltinContext): FileTable {
  const table = new FileTable();
  registry.define({
    name: 'guest-file-open',
    args: { path: { type: 'str' }, mode: { type: 'str', optional: true } },
    successResponse: true,
    run: async (args) => {
      const guestPath = args.path as string;
      const file = await openFile(resolveGuestPath(ctx.sandbox, guestPath), guestPath, (args.mode as string | undefined) ?? 'r');
      return table.add(file);
    },
  });
  registry.define({
    name: 'guest-file-close',
    args: { handle: { type: 'int' } },
    successResponse: true,
    run: async (args) => {
      const handle = args.handle as bigint;
      const file = table.get(handle);
      table.remove(handle);
      await file.fh.close().catch((err: unknown) => {
        throw genericError(`failed to close handle: ${strerror(err)}`);
      });
    },
  });
  registry.define({
    name: 'guest-file-read',
    args: { handle: { type: 'int' }, count: { type: 'int', optional: true } },
    successResponse: true,
    run: async (args) => {
      const file = table.get(args.handle as bigint);
      const count = (args.count as bigint | undefined) ?? READ_COUNT_DEFAULT;
      if (count < 0n || count > READ_COUNT_MAX) throw genericError(`value '${count}' is invalid for argument count`);
      const data = await readAt(file, Number(count)).catch((err: unknown) => {
        throw genericError(`failed to read file: ${strerror(err)}`);
      });
      // An empty read still carries "buf-b64": "" (the output visitor writes NULL as "").
      return { count: data.length, 'buf-b64': data.toString('base64'), eof: BigInt(data.length) < count };
    },
  });
  registry.define({
    name: 'guest-file-write',
    args: { handle: { type: 'int' }, 'buf-b64': { type: 'str' }, count: { type: 'int', optional: true } },
    successResponse: true,
    run: async (args) => {
      const file = table.get(args.handle as bigint);
      const data = decodeBase64(args['buf-b64'] as string);
      const count = (args.count as bigint | undefined) ?? BigInt(data.length);
      if (count < 0n || count > BigInt(data.length)) throw genericError(`value '${count}' is invalid for argument count`);
      try {
        let done = 0;
        const n = Number(count);
        while (done < n) {
          const { bytesWritten } = await file.fh.write(data, done, n - done, file.position + done);
          done += bytesWritten;
        }
        file.position = file.append ? (await file.fh.stat()).size : file.position + n;
      } catch (err) {
        throw genericError(`failed to write to file: ${strerror(err)}`);
      }
      return { count: Number(count), eof: false };
    },
  });
  registry.define({
    name: 'guest-file-seek',
    args: {
      handle: { type: 'int' },
      offset: { type: 'int' },
      whence: { type: { alternate: 'GuestFileWhence', int: true, enum: ['set', 'cur', 'end'] } },
    },
    successResponse: true,
    run: async (args) => {
      const file = table.get(args.handle as bigint);
      const whence = args.whence as bigint | string;
      const code = typeof whence === 'string' ? BigInt(['set', 'cur', 'end'].indexOf(whence)) : whence;
      if (code < 0n || code > 2n) throw genericError(`invalid whence code ${code}`);
      const base = code === 0n ? 0 : code === 1n ? file.position : (await file.fh.stat()).size;
      const target = base + Number(args.offset);
      if (target < 0 || !Number.isSafeInteger(target)) throw genericError('failed to seek file: Invalid argument');
      file.position = target;
      return { position: target, eof: false };
    },
  });
  registry.define({
    name: 'guest-file-flush',
    args: { handle: { type: 'int' } },
    successResponse: true,
    run: (args) => {
      // Writes go straight to the file (no stdio buffer), so there is nothing to flush.
      table.get(args.handle as bigint);
    },
  });
  return table;
}
