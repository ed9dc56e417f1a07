/**
 * What the client knows about one QGA command, from the schemas of every supported QEMU
 * release. The generated table `QGA_COMMANDS` holds one of these per command.
 */
export interface QgaCommandInfo {
  /** Wire name, e.g. `guest-exec`. */
  readonly name: string;
  /** Method name on `QgaClient`, e.g. `guestExec`. */
  readonly method: string;
  /** QEMU release that introduced the command (from the schema's `Since:`). */
  readonly since: string;
  /** First saved QEMU release whose schema no longer has the command, if any. */
  readonly removedIn?: string | undefined;
  /** Readable platform condition, e.g. `Linux or Windows`; absent when every build has it. */
  readonly platform?: string | undefined;
  /** False for commands the agent answers only on failure (`guest-shutdown`, `guest-suspend-*`). */
  readonly successResponse: boolean;
  /** True when the command takes an argument object. */
  readonly hasArguments: boolean;
  /** True when at least one argument is required. */
  readonly argumentsRequired: boolean;
  /** True when the command returns a value (otherwise the agent answers `{}` and the call resolves `undefined`). */
  readonly hasReturn: boolean;
  /** Marked deprecated in the schema. */
  readonly deprecated: boolean;
  /** Marked unstable in the schema. */
  readonly unstable: boolean;
  /**
   * Safe to send again after a transient failure, when the first attempt may have run:
   * true only for reads (reviewed by hand; see docs/many-guests.md). The `retry` option
   * retries these and nothing else.
   */
  readonly idempotent: boolean;
}
