/**
 * A caller's `env` on a Windows guest. `guest-exec`'s `env` replaces the whole
 * environment, and a Windows process without `SystemRoot`, `PATH` and their kin cannot
 * load Winsock, .NET or PowerShell ("…failed with error 8009001d"). So on Windows the
 * client merges the caller's variables over the agent's own environment, read once with
 * `cmd.exe /d /u /c set` (UTF-16LE, so no code page is involved). Names are
 * case-insensitive there: `Path` replaces `PATH`.
 * @module
 */

/** The command that prints the agent's environment as UTF-16LE `NAME=value` lines. */
export const WINDOWS_ENV_ARGV: readonly string[] = Object.freeze(['cmd.exe', '/d', '/u', '/c', 'set']);

/** Parse `set`'s output (`NAME=value` per line) into a record. */
export function parseSetOutput(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    // `set` also shows names starting with '=' (per-drive directories) on some builds.
    const eq = line.indexOf('=', 1);
    if (eq <= 0) continue;
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** `base` with `overrides` on top, names compared without case; as `NAME=value` strings. */
export function mergeWindowsEnv(base: Readonly<Record<string, string>>, overrides: Readonly<Record<string, string>>): string[] {
  const merged = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(base)) merged.set(name.toUpperCase(), [name, value]);
  for (const [name, value] of Object.entries(overrides)) merged.set(name.toUpperCase(), [name, value]);
  return [...merged.values()].map(([name, value]) => `${name}=${value}`);
}
