/**
 * libvirt's errors, in the client's hierarchy (errors.ts). libvirt's own error travels on
 * as `cause` ({@link LibvirtRemoteError}: `virCode`, `virDomain`), its message is kept.
 *
 * What libvirt 9.0 says and when (code/domain, as observed):
 * - 1/10 `unable to execute QEMU agent command 'X': desc`: the agent's `{"error":…}`, of
 *   which only `desc` survives (113 on libvirt ≥ 11) → `QgaCommandError`, the class guessed
 *   from `desc` (qemu-ga's CommandNotFound texts) or `GenericError`;
 * - 86 "not available for now" (the command's timeout ran out; 112 on libvirt ≥ 11)
 *   → `QgaTimeoutError`; 86 "not connected" (booting guest, no qemu-ga), "disappeared"
 *   (the port closed mid-command), "not available due to an error" (libvirt's channel to
 *   the agent is broken until the agent reconnects) → `QgaConnectionError`;
 * - 68 `cannot acquire state change lock (held by agent=…)`: another libvirt client's agent
 *   command held the domain's agent job for 30 s → `QgaTimeoutError` (nothing was sent to
 *   the agent; retrying later is safe), the message says another client holds the agent;
 * - 39/7 `Unable to encode message payload`: the reply exceeded libvirt's 4 MiB string
 *   limit (the guest already did the work: a read's data is lost) → `QgaProtocolError`;
 *   38/10 a reply line above 10 MiB, 1/0 `cannot parse json` → `QgaProtocolError`;
 * - 42 no domain, 55 not running, 74 no agent channel, 29/88 denied → `QgaConnectionError`.
 * @module
 */
import { QgaCommandError, QgaConnectionError, QgaError, QgaProtocolError, QgaTimeoutError } from '../../errors.js';
import { LibvirtRemoteError, VirErr } from './remote-error.js';

const AGENT_ERROR = /unable to execute QEMU agent command '([^']*)': ([\s\S]*)$/;
/** qemu-ga's texts for QERR_COMMAND_NOT_FOUND and a disabled command (qga/commands.c). */
const COMMAND_NOT_FOUND = /has not been found|has been disabled/;

/** What failed, for messages: `libvirt qemu:///system domain vm1`. */
export interface ErrorContext {
  description: string;
}

/**
 * A failure while opening the connection, authenticating, looking the domain up or
 * registering for events: always `QgaConnectionError` (or the abort reason unchanged).
 */
export function connectError(error: unknown, context: ErrorContext, what: string, signal?: AbortSignal): unknown {
  if (signal?.aborted && error === signal.reason) return error;
  if (error instanceof QgaConnectionError) return error;
  if (error instanceof LibvirtRemoteError) {
    const { virCode } = error;
    const why =
      virCode === VirErr.NO_DOMAIN
        ? 'no such domain'
        : virCode === VirErr.AUTH_FAILED || virCode === VirErr.AUTH_CANCELLED || virCode === VirErr.AUTH_UNAVAILABLE
          ? 'authentication refused'
          : virCode === VirErr.ACCESS_DENIED || virCode === VirErr.OPERATION_DENIED
            ? 'permission denied'
            : `${what} failed`;
    return new QgaConnectionError(`${context.description}: ${why}: ${error.message}`, { cause: error });
  }
  if (error instanceof QgaError) return new QgaConnectionError(`${context.description}: ${what} failed: ${error.message}`, { cause: error });
  return error;
}

/** How one agent command failed, in the client's terms. */
export function agentError(error: unknown, command: string, timeout: number, context: ErrorContext): unknown {
  if (!(error instanceof LibvirtRemoteError)) return error;
  const { virCode, message } = error;
  const cause = { cause: error };
  const where = context.description;
  const agent = AGENT_ERROR.exec(message);
  if (agent && (virCode === VirErr.INTERNAL_ERROR || virCode === VirErr.AGENT_COMMAND_FAILED)) {
    const desc = agent[2]!;
    return new QgaCommandError(command, COMMAND_NOT_FOUND.test(desc) ? 'CommandNotFound' : 'GenericError', desc, cause);
  }
  switch (virCode) {
    case VirErr.AGENT_COMMAND_TIMEOUT:
      return new QgaTimeoutError(command, timeout, `${command}: ${where}: the agent did not answer within ${timeout} ms (${message})`, cause);
    case VirErr.AGENT_UNRESPONSIVE:
      return unresponsive(error, command, timeout, where);
    case VirErr.OPERATION_TIMEOUT:
      return new QgaTimeoutError(
        command,
        timeout,
        `${command}: ${where}: another client holds this domain's guest agent (libvirt runs one agent command per domain ` +
          `at a time and gave up waiting after 30 s; nothing was sent, retry later): ${message}`,
        cause,
      );
    case VirErr.RPC:
      if (/encode message payload/.test(message)) {
        return new QgaProtocolError(
          `${command}: ${where}: the agent's reply exceeded libvirt's 4 MiB message limit and libvirt dropped it; ` +
            `the guest carried the command out (a guest-file-read's data is lost, the file position moved): ${message}`,
          cause,
        );
      }
      if (/decode message payload/.test(message)) return new QgaProtocolError(`${command}: ${where}: libvirt refused the request as too large: ${message}`, cause);
      return new QgaConnectionError(`${command}: ${where}: ${message}`, cause);
    case VirErr.SYSTEM_ERROR:
    case VirErr.INTERNAL_ERROR:
      if (virCode === VirErr.SYSTEM_ERROR || /parse json|agent response|reply/i.test(message)) {
        return new QgaProtocolError(`${command}: ${where}: libvirt could not use the agent's reply: ${message}`, cause);
      }
      return new QgaCommandError(command, 'GenericError', message, cause);
    case VirErr.NO_DOMAIN:
      return new QgaConnectionError(`${command}: ${where}: the domain no longer exists: ${message}`, cause);
    case VirErr.OPERATION_INVALID:
    case VirErr.ARGUMENT_UNSUPPORTED:
    case VirErr.OPERATION_DENIED:
    case VirErr.ACCESS_DENIED:
      return new QgaConnectionError(`${command}: ${where}: ${message}`, cause);
    default:
      return new QgaCommandError(command, 'GenericError', message, cause);
  }
}

/** The four faces of 86 (qemu_agent.c, libvirt 9.0). */
function unresponsive(error: LibvirtRemoteError, command: string, timeout: number, where: string): QgaError {
  const { message } = error;
  const cause = { cause: error };
  if (/not available for now/.test(message)) {
    return new QgaTimeoutError(command, timeout, `${command}: ${where}: the agent did not answer in time (${message})`, cause);
  }
  if (/not connected/.test(message)) {
    return new QgaConnectionError(`${command}: ${where}: the guest agent is not connected (the guest is still booting, or qemu-ga is not running): ${message}`, cause);
  }
  if (/disappeared/.test(message)) {
    return new QgaConnectionError(`${command}: ${where}: the guest agent went away during the command, which may or may not have run: ${message}`, cause);
  }
  if (/due to an error/.test(message)) {
    return new QgaConnectionError(
      `${command}: ${where}: libvirt's channel to this domain's agent is broken by an earlier unusable reply; ` +
        `it recovers when the agent reconnects (qemu-ga restart, guest reboot): ${message}`,
      cause,
    );
  }
  return new QgaConnectionError(`${command}: ${where}: ${message}`, cause);
}

/** True for libvirt's "the agent went away" and "did not answer in time" (86, 112). */
export function agentGoneOrSilent(error: unknown): boolean {
  if (!(error instanceof LibvirtRemoteError)) return false;
  if (error.virCode === VirErr.AGENT_COMMAND_TIMEOUT) return true;
  return error.virCode === VirErr.AGENT_UNRESPONSIVE && /disappeared|not available for now/.test(error.message);
}

/** True for "QEMU guest agent is not connected" (86). */
export function agentNotConnected(error: unknown): boolean {
  return error instanceof LibvirtRemoteError && error.virCode === VirErr.AGENT_UNRESPONSIVE && /not connected/.test(error.message);
}

/**
 * True when libvirt no longer knows the domain a call named (42): it was undefined, or
 * destroyed and re-created under a new UUID. `error` is libvirt's or one of ours with it as
 * `cause`.
 */
export function domainGone(error: unknown): boolean {
  const remote = error instanceof QgaError ? error.cause : error;
  return remote instanceof LibvirtRemoteError && remote.virCode === VirErr.NO_DOMAIN;
}
