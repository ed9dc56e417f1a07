/**
 * Commands that legitimately take longer than the default call timeout. Freezing syncs
 * every filesystem first; trimming walks all free space. A caller's own `timeout` wins.
 */
export const LONG_COMMAND_TIMEOUTS: Readonly<Record<string, number>> = {
  'guest-fsfreeze-freeze': 60_000,
  'guest-fsfreeze-freeze-list': 60_000,
  'guest-fsfreeze-thaw': 60_000,
  'guest-fstrim': 600_000,
};
