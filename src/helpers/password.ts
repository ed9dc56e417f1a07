/**
 * `setUserPassword`: `guest-set-user-password` without the secret ever leaving the call.
 *
 * The client's events and debug output never carry command arguments; on top of that,
 * every error this helper lets out is checked for the password (plain and base64) and
 * scrubbed, so an agent or OS message that quotes it cannot leak it into logs.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import { CALL_OPTION_KEYS, pickCallOptions, type CallOptions } from '../call-options.js';
import { checkOptions } from '../check-options.js';
import { QgaCommandError } from '../errors.js';
import { guestFamily } from './guest-os.js';
import { checkWireString } from './wire-string.js';

/**
 * Options of `setUserPassword`.
 *
 * @example
 * ```ts
 * await client.setUserPassword('alice', '$6$rounds=5000$salt$hash', { crypted: true, timeout: 10_000 });
 * ```
 */
export interface SetUserPasswordOptions extends CallOptions {
  /**
   * The password is already hashed (a `crypt(3)` string such as `$6$…`) and is stored as
   * is; otherwise the guest hashes it. Default false. Windows guests take plain passwords
   * only: there it is refused before the password leaves the host.
   */
  crypted?: boolean | undefined;
}

const REDACTED = '[password redacted]';
const PASSWORD_KEYS: ReadonlySet<string> = new Set([...CALL_OPTION_KEYS, 'crypted']);

/**
 * Set the password of a guest user account (`chpasswd` on Linux, `NetUserSetInfo` on
 * Windows). The password travels base64-encoded, as the agent requires; it never appears
 * in the client's events, debug output or any error this call rejects with.
 *
 * @example
 * ```ts
 * await setUserPassword(client, 'alice', 'correct horse battery staple');
 * await setUserPassword(client, 'bob', '$6$salt$hash…', { crypted: true });
 * ```
 */
export async function setUserPassword(client: QgaClient, user: string, password: string, options: SetUserPasswordOptions = {}): Promise<void> {
  if (typeof user !== 'string' || user === '') throw new TypeError('setUserPassword: user must be a non-empty string');
  // The agent refuses these too (qmp_guest_set_user_password), but only after the secret
  // crossed the channel.
  if (user.includes(':') || user.includes('\n')) throw new TypeError('setUserPassword: user must not contain ":" or a newline');
  if (typeof password !== 'string') throw new TypeError('setUserPassword: password must be a string');
  checkWireString('setUserPassword', 'user', user);
  // Never in the message: the password itself.
  checkWireString('setUserPassword', 'the password', password, true);
  if (password.includes('\n')) throw new TypeError('setUserPassword: the password must not contain a newline');
  checkOptions('setUserPassword', options, PASSWORD_KEYS);
  const crypted = options.crypted ?? false;
  if (typeof crypted !== 'boolean') throw new TypeError('setUserPassword: crypted must be a boolean');
  const callOptions = pickCallOptions(options);
  if (crypted && (await guestFamily(client, callOptions)) === 'windows') {
    // qemu-ga for Windows refuses it too (`'crypted' must be off on this host` from 9.2,
    // before that "not currently supported"), but only after the hash crossed the channel.
    throw new QgaCommandError('guest-set-user-password', 'GenericError', "'crypted' must be off on this host: Windows guests take plain passwords only (not sent)");
  }
  const encoded = Buffer.from(password, 'utf8').toString('base64');
  try {
    await client.call('guest-set-user-password', { username: user, password: encoded, crypted }, callOptions);
  } catch (error) {
    throw scrub(error, [password, encoded]);
  }
}

/** Replaces every occurrence of the secrets in an error's text fields (and its causes). */
function scrub(error: unknown, secrets: readonly string[], depth = 0): unknown {
  const present = secrets.filter((s) => s.length >= 1);
  if (present.length === 0 || typeof error !== 'object' || error === null || depth > 4) return error;
  const record = error as Record<string, unknown>;
  for (const key of ['message', 'desc', 'stack']) {
    const value = record[key];
    if (typeof value !== 'string') continue;
    let clean = value;
    for (const secret of present) clean = clean.split(secret).join(REDACTED);
    if (clean !== value) Object.defineProperty(error, key, { value: clean, writable: true, configurable: true, enumerable: key !== 'stack' && key !== 'message' });
  }
  if ('cause' in record) scrub(record['cause'], secrets, depth + 1);
  return error;
}
