/**
 * The simulated Windows guest's drives, inside the agent's sandbox: `C:\Users\x.txt` lives
 * at `<sandbox>/C/Users/x.txt`. Paths behave as `CreateFileW` takes them: `\` and `/` are
 * the same, case does not matter (an existing entry is found whatever the case; a new one
 * keeps the case given), `\\?\` is stripped, a rooted path (`\x`) is on C:, and a
 * relative one resolves against the service's working directory, `C:\Windows\System32`.
 * UNC paths are not simulated.
 * @module
 */
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import path from 'node:path';

/** Where a relative path lands: the service's working directory. */
export const SYSTEM32 = 'C:\\Windows\\System32';

/** A Windows path that cannot be resolved at all. */
export class WindowsPathError extends Error {
  readonly win32: 'BAD_NETPATH' | 'PATH_NOT_FOUND';

  constructor(win32: 'BAD_NETPATH' | 'PATH_NOT_FOUND') {
    super(win32);
    this.win32 = win32;
  }
}

/** A parsed Windows path: the drive letter (upper case) and its components, `.` and `..` resolved. */
export interface WindowsPath {
  readonly drive: string;
  readonly parts: readonly string[];
}

/** Parse `guestPath` the way the agent's `CreateFileW` would see it. */
export function parseWindowsPath(guestPath: string): WindowsPath {
  let p = guestPath.replace(/\//g, '\\');
  if (p.startsWith('\\\\?\\')) p = p.slice(4);
  if (p.startsWith('\\\\')) throw new WindowsPathError('BAD_NETPATH');
  let drive = 'C';
  let rest: string;
  const lettered = /^([A-Za-z]):(.*)$/.exec(p);
  if (lettered) {
    drive = (lettered[1] as string).toUpperCase();
    rest = lettered[2] as string;
    // `C:foo` is relative to the drive's current directory: System32 on C:.
    if (!rest.startsWith('\\')) rest = drive === 'C' ? `${SYSTEM32.slice(2)}\\${rest}` : `\\${rest}`;
  } else if (p.startsWith('\\')) {
    rest = p;
  } else {
    rest = `${SYSTEM32.slice(2)}\\${p}`;
  }
  const parts: string[] = [];
  for (const part of rest.split('\\')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return { drive, parts };
}

/** `C:\Windows\Temp` for a parsed path. */
export function formatWindowsPath(p: WindowsPath): string {
  return `${p.drive}:\\${p.parts.join('\\')}`;
}

/** The drives of one simulated guest, rooted in a host directory. */
export class WindowsVolume {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /**
   * The host path of `guestPath`: each component matched without case against what
   * exists (synchronously: a test tool, and a directory listing per component); components
   * that do not exist yet keep the given case. Throws {@link WindowsPathError} for a UNC
   * path or a drive that does not exist.
   */
  resolve(guestPath: string): string {
    const { drive, parts } = parseWindowsPath(guestPath);
    let current = path.join(this.root, drive);
    if (!existsSync(current)) throw new WindowsPathError('PATH_NOT_FOUND');
    let exists = true;
    for (const part of parts) {
      if (exists) {
        let entries: string[] | undefined;
        try {
          entries = readdirSync(current);
        } catch {
          entries = undefined;
        }
        const match = entries?.find((e) => e === part) ?? entries?.find((e) => e.toLowerCase() === part.toLowerCase());
        if (match !== undefined) {
          current = path.join(current, match);
          continue;
        }
        exists = false;
      }
      current = path.join(current, part);
    }
    return current;
  }

  /** Same as {@link resolve}, for start-up seeding: creates the drive and the parent directories. */
  async prepare(guestPath: string): Promise<string> {
    const { drive } = parseWindowsPath(guestPath);
    await fsp.mkdir(path.join(this.root, drive), { recursive: true });
    const host = this.resolve(guestPath);
    await fsp.mkdir(path.dirname(host), { recursive: true });
    return host;
  }
}
