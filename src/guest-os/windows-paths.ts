/**
 * Guest file paths and open modes as qemu-ga for Windows takes them
 * (`qga/commands-win32.c:qmp_guest_file_open`, `find_open_flag`).
 *
 * The path goes to `CreateFileW` as UTF-16: `C:\x` and `C:/x` both work, so do UNC
 * paths and `\\?\` long paths; a relative path resolves against the service's working
 * directory, which is `C:\Windows\System32` and never changes. The mode table lacks
 * `ab` (it answers a bare `invalid file open mode`), and `r` is binary like `rb`.
 * @module
 */

/** Windows handles reads up to about 1 MiB reliably; ~10 MB reads failed in the field. */
export const WINDOWS_MAX_READ_CHUNK = 1024 * 1024;

/**
 * True when qemu-ga for Windows would resolve `path` against `C:\Windows\System32`: not
 * `X:\…` / `X:/…`, not rooted (`\…`, `/…`), not UNC or `\\?\`. `C:foo` (drive-relative)
 * counts as relative: the service's cwd is on C:.
 */
export function isRelativeWindowsPath(path: string): boolean {
  return !/^[A-Za-z]:[\\/]/.test(path) && !/^[\\/]/.test(path);
}

/** The mode qemu-ga for Windows accepts for `mode`: `ab` becomes `a` (same meaning). */
export function windowsOpenMode(mode: string): string {
  return mode === 'ab' ? 'a' : mode;
}

/**
 * Best effort: true when an agent error text is Windows' sharing violation in English
 * (the texts are in the guest's UI language, so other languages are not recognised and
 * stay plain agent errors).
 */
export function isSharingViolation(desc: string): boolean {
  return desc.includes('being used by another process');
}

/**
 * A freeze mount point in the form VSS takes (`AddToSnapshotSet` through `mbstowcs`):
 * `c:`, `c:/` and `C:\` all become `C:\`; volume GUID paths stay. Returns `undefined`
 * for a non-ASCII path, which the agent's conversion would mangle.
 */
export function windowsMountpoint(mountpoint: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x01-\x7f]*$/.test(mountpoint)) return undefined;
  const drive = /^([A-Za-z]):[\\/]?$/.exec(mountpoint);
  if (drive) return `${(drive[1] as string).toUpperCase()}:\\`;
  return mountpoint.replace(/\//g, '\\');
}
