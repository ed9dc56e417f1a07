/**
 * An error libvirtd reported for one RPC call (`remote_error`), before it is mapped to the
 * client's own hierarchy. It never reaches users on its own: the channel and
 * {@link LibvirtConnection} turn it into a `QgaConnectionError`, `QgaCommandError`,
 * `QgaTimeoutError` or `QgaProtocolError` (errors.ts) and keep it as their `cause`, so
 * libvirt's numbers stay available for logs.
 * @module
 */
import type { RemoteErrorData } from './procedures.js';

/** libvirt error numbers (`virErrorNumber`) this channel tells apart. */
export const VirErr = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  OPERATION_DENIED: 29,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  AUTH_FAILED: 45,
  OPERATION_INVALID: 55,
  OPERATION_TIMEOUT: 68,
  ARGUMENT_UNSUPPORTED: 74,
  AUTH_CANCELLED: 79,
  AGENT_UNRESPONSIVE: 86,
  ACCESS_DENIED: 88,
  AUTH_UNAVAILABLE: 94,
  AGENT_UNSYNCED: 97,
  /** libvirt ≥ 11.x only (not in 9.0). */
  AGENT_COMMAND_TIMEOUT: 112,
  /** libvirt ≥ 11.x only (not in 9.0). */
  AGENT_COMMAND_FAILED: 113,
} as const;

/**
 * libvirt's error for one call: `code` (`virErrorNumber`), `domain` (`virErrorDomain`) and
 * libvirt's own message.
 */
export class LibvirtRemoteError extends Error {
  /** `virErrorNumber`. */
  readonly virCode: number;
  /** `virErrorDomain` (the libvirt subsystem, e.g. 10 QEMU, 7 RPC). */
  readonly virDomain: number;
  /** The procedure that failed. */
  readonly procedure: string;

  constructor(procedure: string, data: RemoteErrorData) {
    super(data.message ?? `libvirt error ${data.code} (domain ${data.domain})`);
    this.name = 'LibvirtRemoteError';
    this.virCode = data.code;
    this.virDomain = data.domain;
    this.procedure = procedure;
  }
}
