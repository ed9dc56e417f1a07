/**
 * The only commands a frozen agent runs: `qga/main.c:ga_freeze_allowlist`, the same from
 * QEMU 7.2 to 10.2. Everything else answers `CommandNotFound` until the thaw.
 */
export const FREEZE_ALLOWED_COMMANDS: ReadonlySet<string> = new Set([
  'guest-ping',
  'guest-info',
  'guest-sync',
  'guest-sync-delimited',
  'guest-fsfreeze-status',
  'guest-fsfreeze-thaw',
]);
