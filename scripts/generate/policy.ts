/**
 * Hand-checked facts the schemas cannot tell the generator.
 *
 * Keys name places in the schema: `Type.member` for a struct member, `command.argument`
 * for an argument, `command#returns` for a return value. The generator fails when a key no
 * longer matches anything, so the tables cannot silently go stale.
 */

/**
 * `int` places whose values pass 2^53 in real use (QAPI-NOTES §11, "will exceed" and the
 * `int` rows of "can exceed"). They are typed `number | bigint`; every `uint64`/`size` is
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
