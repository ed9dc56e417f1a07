/**
 * Hand-checked facts the schemas cannot tell the generator.
 *
 * Keys name places in the schema: `Type.member` for a struct member, `command.argument`
 * for an argument, `command#returns` for a return value. The generator fails when a key no
 * longer matches anything, so the tables cannot silently go stale.
 */

/**
 * `int` places whose values pass 2^53 in real use (counters, sizes and times that
 * will or can exceed it). They are typed `number | bigint`; every `uint64`/`size` is
 * too, without being listed. Other `int`s (pids, exit codes, handles, counts) stay `number`.
 * Arguments accept `number | bigint` whatever this table says.
 */
export const WIDE_INTEGERS: ReadonlySet<string> = new Set([
  // Nanoseconds since 1970: 2^53 ns is ~104 days, so every real value is larger.
  'guest-get-time#returns',
  'guest-set-time.time',
  'GuestDeviceInfo.driver-date',
  // Byte counts of whole filesystems.
  'GuestFilesystemTrimResult.trimmed',
  'GuestFilesystemTrimResult.minimum',
  'guest-fstrim.minimum',
  // The agent echoes the id exactly; an id sent as a bigint comes back as one.
  'guest-sync#returns',
  'guest-sync-delimited#returns',
  // File offsets reach the file's size.
  'GuestFileSeek.position',
  'guest-file-seek.offset',
]);

/**
 * Since versions that the schema's doc comment gets wrong, checked against QEMU's history.
 * GuestExecCaptureOutput(Mode) say "Since: 8.0", but v8.0.0 still declares `capture-output`
 * as `bool`; the modes were merged after 8.0.0 and first released in 8.1.0.
 */
export const SINCE_CORRECTIONS: Readonly<Record<string, string>> = {
  GuestExecCaptureOutput: '8.1',
  GuestExecCaptureOutputMode: '8.1',
};

/**
 * Whether each command is safe to send again after a transient failure (a timeout, a lost
 * connection), when the first attempt may or may not have run: reviewed by hand, command by
 * command. Only reads qualify. Anything that changes the guest, or the agent's own state,
 * does not: guest-exec starts another process; guest-exec-status reaps the process on the
 * reply that reports its exit, so a retry finds it gone; guest-file-read and -write move the
 * file position; guest-file-open leaks a handle; freezing, thawing, trimming, setting and
 * power commands act again. The generator fails when a command of the schema is missing
 * here (a new command must be reviewed) or an entry matches no command.
 */
export const IDEMPOTENT: Readonly<Record<string, boolean>> = {
  // Reads of guest state: asking twice gives the same kind of answer and changes nothing.
  'guest-fsfreeze-status': true,
  'guest-get-cpustats': true,
  'guest-get-devices': true,
  'guest-get-disks': true,
  'guest-get-diskstats': true,
  'guest-get-fsinfo': true,
  'guest-get-host-name': true,
  'guest-get-load': true,
  'guest-get-memory-block-info': true,
  'guest-get-memory-blocks': true,
  'guest-get-osinfo': true,
  'guest-get-time': true,
  'guest-get-timezone': true,
  'guest-get-users': true,
  'guest-get-vcpus': true,
  'guest-info': true,
  'guest-network-get-interfaces': true,
  'guest-network-get-route': true,
  'guest-ping': true,
  'guest-ssh-get-authorized-keys': true,
  // The agent echoes the id and does nothing else.
  'guest-sync': true,
  'guest-sync-delimited': true,
  // Processes: a second guest-exec starts a second process; guest-exec-status reaps.
  'guest-exec': false,
  'guest-exec-status': false,
  // Files: handles are opened and closed once, reads and writes move the position,
  // a seek may be relative, a flush belongs to a handle that a reconnect has lost.
  'guest-file-open': false,
  'guest-file-close': false,
  'guest-file-read': false,
  'guest-file-write': false,
  'guest-file-seek': false,
  'guest-file-flush': false,
  // Filesystems: a freeze or thaw changes state (and counts); a trim is heavy I/O.
  'guest-fsfreeze-freeze': false,
  'guest-fsfreeze-freeze-list': false,
  'guest-fsfreeze-thaw': false,
  'guest-fstrim': false,
  // Settings, credentials and power.
  'guest-set-memory-blocks': false,
  'guest-set-time': false,
  'guest-set-user-password': false,
  'guest-set-vcpus': false,
  'guest-ssh-add-authorized-keys': false,
  'guest-ssh-remove-authorized-keys': false,
  'guest-shutdown': false,
  'guest-suspend-disk': false,
  'guest-suspend-hybrid': false,
  'guest-suspend-ram': false,
};
