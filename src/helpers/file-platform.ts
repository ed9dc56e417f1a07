/**
 * Guest file opens and reads made fit for a Windows guest (`guest-os/windows-paths.ts`):
 * `ab` becomes `a` (the Windows mode table lacks it), a relative path draws a warning
 * (it would land in `C:\Windows\System32`), a sharing violation becomes
 * {@link QgaFileBusyError}, and reads stay at or below 1 MiB. The guest is only asked
 * what it is when the path or the mode could mean something else there, so a Linux
 * transfer with an absolute path costs nothing extra.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import { QgaCommandError, QgaFileBusyError } from '../errors.js';
import { isRelativeWindowsPath, isSharingViolation, WINDOWS_MAX_READ_CHUNK, windowsOpenMode } from '../guest-os/windows-paths.js';
import type { GuestFileMode } from './file-options.js';
import { guestFamily } from './guest-os.js';

/** The mode to send for `path` on this guest; warns about a relative Windows path. */
export async function fitOpenToGuest(client: QgaClient, path: string, mode: GuestFileMode, timeout: number | undefined): Promise<GuestFileMode> {
  if (path.startsWith('/') && mode !== 'ab') return mode;
  const family = await guestFamily(client, timeout === undefined ? {} : { timeout });
  if (family !== 'windows') return mode;
  if (isRelativeWindowsPath(path)) {
    process.emitWarning(`guest path ${JSON.stringify(path)} is relative: qemu-ga for Windows resolves it against C:\\Windows\\System32; give a full path such as C:\\…`, {
      type: 'QgaWarning',
      code: 'QGA_RELATIVE_WINDOWS_PATH',
    });
  }
  return windowsOpenMode(mode) as GuestFileMode;
}

/** `error`, or a {@link QgaFileBusyError} when it is a Windows sharing violation. */
export function busyFileError(error: unknown, path: string): unknown {
  if (error instanceof QgaCommandError && !(error instanceof QgaFileBusyError) && isSharingViolation(error.desc)) {
    return new QgaFileBusyError(error.command, error.errorClass, error.desc, path);
  }
  return error;
}

/** The largest `count` to ask for: 1 MiB on a Windows guest (~10 MB reads fail there), else unlimited. */
export async function readCapOf(client: QgaClient): Promise<number> {
  return (await guestFamily(client)) === 'windows' ? WINDOWS_MAX_READ_CHUNK : Number.POSITIVE_INFINITY;
}
