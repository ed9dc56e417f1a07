/**
 * Proxmox's answers, turned into the client's errors (pve-http-server `PVE/APIServer/AnyEvent.pm`,
 * qemu-server `PVE/QemuServer/Agent.pm`).
 *
 * pveproxy sends errors as `{"data":null,"message":"…\n"}` (the `message` key since
 * pve-http-server 5.2.0; before it, only the reason phrase carries the text, and it is the
 * message's first line), 401s with an empty body, 595/596 from its proxy hop with an empty
 * body. The agent's own errors come back two ways: 200 `{"result":{"error":…}}` on the 20
 * simple commands (no `check_agent_error` there), 500 `Agent error: <desc>` on the others.
 * @module
 */
import { QgaCommandError, QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../../errors.js';
import { HttpTimeoutError, ResponseTooLargeError, type ProxmoxResponse } from './http.js';
import { CertificateMismatchError } from './tls.js';

/** What an error message needs to say where it happened. */
export interface ErrorContext {
  /** Wire name of the command (or the helper) the request was for. */
  readonly command: string;
  /** E.g. `Proxmox https://pve1:8006 VM 100`. */
  readonly where: string;
  /** The call's timeout, for `QgaTimeoutError`. */
  readonly timeout: number;
}

/** A Proxmox error body, as far as it can be read. */
export interface ProxmoxErrorBody {
  /** The whole message (the reason phrase when the body has none), without the final newline. */
  readonly message: string;
  /** Per-parameter texts of a 400. */
  readonly errors: Readonly<Record<string, string>> | undefined;
}

/** Reads the message of an error reply (JSON, plain text, or only the reason phrase). */
export function errorBody(response: ProxmoxResponse): ProxmoxErrorBody {
  let message: string | undefined;
  let errors: Record<string, string> | undefined;
  if (response.body.length > 0 && response.body.length < 1 << 20) {
    const text = response.body.toString('utf8');
    if (response.contentType.includes('json')) {
      try {
        const parsed = JSON.parse(text) as { message?: unknown; errors?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
        if (typeof parsed.errors === 'object' && parsed.errors !== null) {
          errors = Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k, String(v).trimEnd()]));
        }
      } catch {
        // not JSON after all: the reason phrase stands in
      }
    } else message = text;
  }
  return { message: (message ?? utf8Reason(response.reason)).trimEnd(), errors };
}

/** pveproxy writes the reason phrase as UTF-8 bytes; Node hands them over one character each. */
function utf8Reason(reason: string): string {
  return /[\u0080-\u00ff]/.test(reason) ? Buffer.from(reason, 'latin1').toString('utf8') : reason;
}

/** The kinds of 500 the channel acts on, from qemu-server's pre-checks and QMPClient. */
export type ServerFailure =
  | { kind: 'config-missing'; node: string | undefined }
  | { kind: 'vm-stopped' }
  | { kind: 'agent-not-configured' }
  | { kind: 'agent-not-running' }
  | { kind: 'agent-timeout' }
  | { kind: 'agent-unreachable' }
  | { kind: 'agent-error'; desc: string }
  | { kind: 'other' };

/** Sorts a 500 by its text (qemu-server `PVE/QemuServer/Agent.pm`, `PVE/QMPClient.pm`). */
export function classifyServerError(message: string): ServerFailure {
  let match: RegExpExecArray | null;
  if ((match = /^Configuration file 'nodes\/([^/]+)\/qemu-server\/\d+\.conf' does not exist/.exec(message))) return { kind: 'config-missing', node: match[1] };
  if (/^VM \d+ is not running/.test(message)) return { kind: 'vm-stopped' };
  if (/^No QEMU guest agent configured/.test(message)) return { kind: 'agent-not-configured' };
  if (/^QEMU guest agent is not running/.test(message)) return { kind: 'agent-not-running' };
  if (/qga command '[^']*' failed - got timeout/.test(message)) return { kind: 'agent-timeout' };
  if (/^Agent error: /.test(message)) return { kind: 'agent-error', desc: message.slice('Agent error: '.length) };
  if (/qga command '[^']*' failed - client closed connection|^unable to connect to VM \d+ qga socket/.test(message)) return { kind: 'agent-unreachable' };
  return { kind: 'other' };
}

/** The cause of errors made from a Proxmox reply: its status, text and (for a 500) kind. */
export class ProxmoxReplyError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly kind: ServerFailure['kind'] | undefined,
  ) {
    super(`${status} ${text}`);
    this.name = 'ProxmoxReplyError';
  }
}

/** The kind of 500 behind an error made by {@link responseError}, if any. */
export function failureKind(error: unknown): ServerFailure['kind'] | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof ProxmoxReplyError ? cause.kind : undefined;
}

/** What a 403 needs on PVE 9, and what stood for it before (qemu-server 9.0.3 added VM.GuestAgent.*). */
function privilegeHint(message: string): string {
  return /VM\.GuestAgent\./.test(message)
    ? ' (PVE 9 privileges; on PVE 8 and earlier every agent call needs VM.Monitor; VM.GuestAgent.Unrestricted covers them all)'
    : /VM\.Monitor/.test(message)
      ? ' (PVE 8 and earlier: every agent call needs VM.Monitor)'
      : '';
}

/**
 * The error for a non-2xx reply. The channel handles 401 (re-login), the config-missing 500
 * (migration) and 501 "data too large" (smaller requests) before falling back to this.
 */
export function responseError(ctx: ErrorContext, response: ProxmoxResponse): Error {
  const { message, errors } = errorBody(response);
  const { status } = response;
  const { command, where } = ctx;
  const failure = status === 500 ? classifyServerError(message) : undefined;
  const options = { cause: new ProxmoxReplyError(status, message, failure?.kind) };
  if (status === 401) return new QgaConnectionError(`${where}: Proxmox refused the credentials (401 ${message || 'Unauthorized'})`, options);
  if (status === 403) return new QgaCommandError(command, 'PermissionDenied', `Proxmox refused ${command}: ${message}${privilegeHint(message)}`, options);
  if (status === 400) {
    const details = errors ? Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
    return new QgaCommandError(command, 'GenericError', `Proxmox refused the parameters of ${command}: ${message}${details ? ` (${details})` : ''}`, options);
  }
  if (status === 501) return new QgaCommandError(command, 'CommandNotFound', `Proxmox cannot carry ${command}: ${message}`, options);
  if (status === 502 || status === 503 || status === 504) return new QgaConnectionError(`${where}: the API did not answer (${status} ${message}); whether ${command} ran is unknown`, options);
  if (status === 595) return new QgaConnectionError(`${where}: Proxmox's proxy could not reach the VM's node (595 ${message}); whether ${command} ran is unknown`, options);
  if (status === 596) {
    return new QgaTimeoutError(
      command,
      ctx.timeout,
      `${command}: Proxmox's proxy gave up after 30 s without an answer (596 ${message || 'Connection timed out'}); pvedaemon may still complete it: the outcome is unknown`,
      options,
    );
  }
  if (failure) {
    switch (failure.kind) {
      case 'vm-stopped':
      case 'agent-not-configured':
      case 'agent-not-running':
      case 'agent-unreachable':
      case 'config-missing':
        return new QgaConnectionError(`${where}: ${message}`, options);
      case 'agent-timeout': {
        return new QgaTimeoutError(command, ctx.timeout, `${command}: the agent did not answer Proxmox in time (${message})`, options);
      }
      case 'agent-error':
        return new QgaCommandError(command, 'GenericError', failure.desc, options);
      default:
        return new QgaCommandError(command, 'GenericError', `Proxmox failed ${command}: ${message}`, options);
    }
  }
  return new QgaProtocolError(`${where}: unexpected reply to ${command}: ${status} ${message}`, options);
}

/** The error for a request that got no reply: unreachable, TLS refused, timed out, too large. */
export function transportError(ctx: ErrorContext, error: unknown): Error {
  const { command, where } = ctx;
  if (error instanceof HttpTimeoutError) return new QgaTimeoutError(command, ctx.timeout, `${command}: no reply from ${where} within ${ctx.timeout} ms; whether it ran is unknown`);
  if (error instanceof ResponseTooLargeError) return new QgaProtocolError(`${where}: the reply to ${command} is larger than maxReplyBytes (${error.limit} bytes)`, { cause: error });
  if (error instanceof CertificateMismatchError) return new QgaConnectionError(`${where}: TLS refused: ${error.message}`, { cause: error });
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO|HOSTNAME/.test(code)) {
    return new QgaConnectionError(`${where}: TLS refused the server's certificate (${code}: ${text}); pin it with fingerprint, or give the cluster CA as ca`, { cause: error });
  }
  return new QgaConnectionError(`${where}: ${text}`, { cause: error });
}
