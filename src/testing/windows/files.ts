/**
 * guest-file-* as qemu-ga for Windows does them (`qga/commands-win32.c`): `CreateFileW`
 * with the mode table that lacks `ab`, `FILE_SHARE_READ` only (a file open for writing
 * elsewhere, or opened here while someone writes it, is a sharing violation), a directory
 * or a wrong-way handle answered `Access is denied.`, `eof` only on a read that returned
 * nothing, `eof: false` from writes and seeks, and every error as an English prefix with
 * the system message in the guest's language. Handles count from 1000 and are never
 * reused, across simulated reboots too.
 * @module
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { genericError, type SimulatedAgentError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { defineFileClose, defineFileOpen, defineFileRead, defineFileSeek, defineFileWrite, FILE_HANDLE_ARGS, readAt, writeAllAt } from '../commands/file-commands.js';
import { HandleTable } from '../commands/handle-table.js';
import type { WindowsMachine } from './machine.js';
import type { Win32Error } from './texts.js';
import { WindowsPathError } from './volume.js';

/**
 * Reads of about 10 MB failed in the field ("Insufficient system resources…"); the
 * simulation fails every read that would return more than this, so a client that reads
 * larger chunks is caught.
 */
export const WINDOWS_READ_FAIL_ABOVE = 8 << 20;

interface ModeSpec {
  readonly read: boolean;
  readonly write: boolean;
  readonly append: boolean;
  /** CREATE_ALWAYS (truncate or create), OPEN_ALWAYS (create), OPEN_EXISTING. */
  readonly disposition: 'create-always' | 'open-always' | 'open-existing';
}

const R: ModeSpec = { read: true, write: false, append: false, disposition: 'open-existing' };
const W: ModeSpec = { read: false, write: true, append: false, disposition: 'create-always' };
const A: ModeSpec = { read: false, write: true, append: true, disposition: 'open-always' };
const RP: ModeSpec = { read: true, write: true, append: false, disposition: 'open-existing' };
const WP: ModeSpec = { read: true, write: true, append: false, disposition: 'create-always' };
const AP: ModeSpec = { read: true, write: true, append: true, disposition: 'open-always' };

/** `guest_file_open_modes` of the Windows build: no `ab`. */
const MODES: Readonly<Record<string, ModeSpec>> = {
  r: R, rb: R, w: W, wb: W, a: A, 'r+': RP, 'rb+': RP, 'r+b': RP, 'w+': WP, 'wb+': WP, 'w+b': WP, 'a+': AP, 'ab+': AP, 'a+b': AP,
};

interface WinOpenFile {
  readonly fh: FileHandle;
  readonly hostPath: string;
  readonly mode: ModeSpec;
  position: number;
}

/** The agent's open files. */
export class WindowsFileTable extends HandleTable<WinOpenFile> {
  /** Open handles on `hostPath`. */
  on(hostPath: string): WinOpenFile[] {
    return this.filter((f) => f.hostPath === hostPath);
  }
}

/** Node's error code → the Win32 error Windows would have given. */
function win32Of(err: unknown): Win32Error {
  if (err instanceof WindowsPathError) return err.win32;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'FILE_NOT_FOUND';
  if (code === 'ENOTDIR') return 'PATH_NOT_FOUND';
  if (code === 'EISDIR' || code === 'EACCES' || code === 'EPERM') return 'ACCESS_DENIED';
  if (code === 'ENOSPC') return 'DISK_FULL';
  return 'INVALID_PARAMETER';
}

/** Register the guest-file-* commands of the Windows build. */
export function registerWindowsFileCommands(registry: CommandRegistry, machine: WindowsMachine): WindowsFileTable {
  const table = new WindowsFileTable();
  /** The agent's English prefix and the system message: a Win32 error by name, or what a Node error means. */
  const fail = (prefix: string, error: unknown): SimulatedAgentError =>
    genericError(`${prefix}: ${machine.message(typeof error === 'string' ? (error as Win32Error) : win32Of(error))}`);

  const open = async (guestPath: string, modeName: string): Promise<WinOpenFile> => {
    const mode = MODES[modeName];
    if (!mode) throw genericError('invalid file open mode');
    const prefix = `failed to open file '${guestPath}'`;
    let hostPath: string;
    try {
      hostPath = machine.volume.resolve(guestPath);
    } catch (err) {
      throw fail(prefix, err);
    }
    const stat = await fsp.stat(hostPath).catch(() => undefined);
    if (stat?.isDirectory()) throw fail(prefix, 'ACCESS_DENIED');
    if (!stat) {
      const parent = await fsp.stat(path.dirname(hostPath)).catch(() => undefined);
      if (!parent?.isDirectory()) throw fail(prefix, 'PATH_NOT_FOUND');
      if (mode.disposition === 'open-existing') throw fail(prefix, 'FILE_NOT_FOUND');
    }
    // FILE_SHARE_READ: nobody else may write while a handle is open, and a handle cannot
    // open for writing while anyone has the file open.
    const others = table.on(hostPath);
    if ((machine.heldOpen.get(hostPath) ?? 0) > 0 || others.some((f) => f.mode.write) || (mode.write && others.length > 0)) {
      throw fail(prefix, 'SHARING_VIOLATION');
    }
    const { O_RDONLY, O_RDWR, O_CREAT, O_TRUNC } = constants;
    const flags = (mode.read && !mode.write ? O_RDONLY : O_RDWR) | (mode.disposition === 'open-existing' ? 0 : O_CREAT) | (mode.disposition === 'create-always' ? O_TRUNC : 0);
    const fh = await fsp.open(hostPath, flags, 0o666).catch((err: unknown) => {
      throw fail(prefix, err);
    });
    return { fh, hostPath, mode, position: 0 };
  };

  defineFileOpen(registry, table, open);
  defineFileClose(registry, table, (err) => fail('failed close handle', err));
  defineFileRead(registry, table, async (file, count) => {
    if (!file.mode.read) throw fail('failed to read file', 'ACCESS_DENIED');
    const size = (await file.fh.stat()).size;
    const wanted = Math.min(Number(count), Math.max(0, size - file.position));
    if (wanted > WINDOWS_READ_FAIL_ABOVE) throw fail('failed to read file', 'NO_SYSTEM_RESOURCES');
    const data = await readAt(file, wanted);
    // ReadFile says nothing about the end: the agent reports eof only for 0 bytes read.
    return { data, eof: data.length === 0 };
  });
  defineFileWrite(registry, table, async (file, data, count) => {
    if (!file.mode.write) throw fail('failed to write to file', 'ACCESS_DENIED');
    const at = file.mode.append ? (await file.fh.stat()).size : file.position;
    await writeAllAt(file.fh, data, count, at);
    file.position = at + count;
  });
  defineFileSeek(registry, table, () => fail('failed to seek file', 'INVALID_PARAMETER'));
  registry.define({
    name: 'guest-file-flush',
    args: FILE_HANDLE_ARGS,
    successResponse: true,
    run: async (args) => {
      // FlushFileBuffers: a real flush to disk.
      await table.get(args.handle as bigint).fh.datasync();
    },
  });
  return table;
}
