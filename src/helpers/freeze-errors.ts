/**
 * The error `withFrozenFilesystems` rejects with when the thaw could not be done.
 *
 * A guest left frozen is an outage: every writer in it blocks, Linux has no automatic
 * thaw, and the agent even ignores SIGTERM meanwhile. So this error
 * must not read like an ordinary connection error: it says that the guest may still be
 * frozen and how to thaw it, whichever failed first (`fn`, the freeze call or the thaw).
 * @module
 */
import { QgaCommandError, QgaConnectionError, QgaError, QgaProtocolError, QgaTimeoutError } from '../errors.js';

/**
 * What the rejection of `withFrozenFilesystems` carries when the thaw failed, besides its
 * message (which starts `withFrozenFilesystems: THE GUEST MAY STILL BE FROZEN`) and
 * `cause` (the thaw's error). Its class and `code` are those of the thaw's error.
 *
 * @example
 * ```ts
 * try {
 *   await client.withFrozenFilesystems(takeSnapshot);
 * } catch (error) {
 *   const failures = (error as Partial<StillFrozenDetails>).errors;
 *   if (failures) alertOperator(`guest may still be frozen: ${(error as Error).message}`, failures);
 *   throw error;
 * }
 * ```
 */
export interface StillFrozenDetails {
  /** Everything that failed, in order: `fn`'s error (or the freeze call's) first, the thaw's last. */
  readonly errors: readonly unknown[];
}

const HOW_TO_THAW =
  'Every writer in the guest blocks until they are thawed (there is no automatic thaw on Linux). ' +
  "Thaw them with guest-fsfreeze-thaw from a new client (await client.call('guest-fsfreeze-thaw')), " +
  'or from the host: virsh domfsthaw <domain> (libvirt), qm guest cmd <vmid> fsfreeze-thaw (Proxmox VE).';

/**
 * The rejection for a failed thaw: the thaw error's own class and `code` (so code that
 * switches on `code` still works), a message that leads with the warning, `cause` the
 * thaw's error, and `errors` everything that failed (`earlier`, if anything, first).
 */
export function stillFrozenError(thawError: unknown, earlier?: { what: string; error: unknown }): Error & StillFrozenDetails {
  const thaw = messageOf(thawError);
  const before = earlier ? `; before that, ${earlier.what} failed: ${messageOf(earlier.error)}` : '';
  const message = `withFrozenFilesystems: THE GUEST MAY STILL BE FROZEN: the thaw failed (${thaw})${before}. ${HOW_TO_THAW}`;
  const error = sameKind(thawError, message);
  Object.defineProperty(error, 'errors', { value: earlier ? [earlier.error, thawError] : [thawError], enumerable: true, configurable: true });
  return error as Error & StillFrozenDetails;
}

function sameKind(thawError: unknown, message: string): Error {
  const cause = { cause: thawError };
  if (thawError instanceof QgaCommandError) return new QgaCommandError(thawError.command, thawError.errorClass, message, cause);
  if (thawError instanceof QgaTimeoutError) {
    const error = new QgaTimeoutError(thawError.command, thawError.timeout, message);
    Object.defineProperty(error, 'cause', { value: thawError, writable: true, configurable: true });
    return error;
  }
  if (thawError instanceof QgaProtocolError) return new QgaProtocolError(message, cause);
  if (thawError instanceof QgaConnectionError || !(thawError instanceof QgaError)) return new QgaConnectionError(message, cause);
  return new Error(message, cause);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
