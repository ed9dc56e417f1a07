/**
 * qga-client: a Promise-based client for the QEMU Guest Agent.
 *
 * @example
 * ```ts
 * import { QgaClient } from 'qga-client';
 * const client = await QgaClient.connect({ path: '/run/vm1/qga.sock' });
 * console.log(await client.exec(['uname', '-a']));
 * await client.close();
 * ```
 * @module qga-client
 */
export { QgaClient, type CallArguments, type CallResult } from './client/qga-client.js';
export type { TransferProgress, FileTransferOptions, GuestFileMode } from './helpers/file-options.js';
export { DEFAULT_READ_FILE_MAX_BYTES, type ReadFileOptions } from './helpers/files-read.js';
export type { WriteFileData, WriteFileOptions } from './helpers/files-write.js';
export type { ReadStreamOptions, WriteStreamOptions, GuestFileReadStream, GuestFileWriteStream } from './helpers/file-streams.js';
export type { DownloadOptions, UploadOptions, TransferResult } from './helpers/file-transfers.js';
export type { FreezeOptions, FreezeResult, FrozenContext } from './helpers/freeze.js';
export type { StillFrozenDetails } from './helpers/freeze-errors.js';
export type { SetUserPasswordOptions } from './helpers/password.js';
export type { ShutdownMode, ShutdownOptions, SuspendKind } from './helpers/power.js';
export type { InfoOptions } from './helpers/capabilities.js';
export type { CallOptions } from './call-options.js';
export type { ConnectOptions, ConnectTarget, ReconnectOptions } from './client/connect-options.js';
export type { RetryOptions, RetryEvent } from './client/retry-policy.js';
export type { ProxmoxOptions } from './channels/proxmox/options.js';
export type { QgaCommandInfo } from './client/command-info.js';
export type { QgaClientEvents, ConnectEvent, ReconnectEvent, RequestEvent, ResponseEvent, ResyncInfo, ResyncReason, ValidationEvent } from './client/events.js';
export {
  validateValue,
  validateReply,
  type ValidateOptions,
  type QgaShapeTable,
  type QgaTypeShape,
  type QgaStructShape,
  type QgaEnumShape,
  type QgaUnionShape,
  type QgaAlternateShape,
} from './client/validate.js';
export {
  QGA_DIAGNOSTICS_CHANNELS,
  type QgaDiagnosticsTarget,
  type QgaRequestStartMessage,
  type QgaRequestEndMessage,
  type QgaRequestErrorMessage,
  type QgaConnectMessage,
  type QgaCloseMessage,
  type QgaResyncMessage,
} from './client/diagnostics.js';
export { QgaPool, type PoolWork, type PoolWorkContext, type EachResults, type SettledResult } from './pool/qga-pool.js';
export type { QgaPoolOptions, UseOptions, EachOptions, EachProgress } from './pool/pool-options.js';
export type { PoolGuestState, PoolGuestStatus } from './pool/guest-entry.js';
export {
  QgaError,
  QgaConnectionError,
  QgaCommandError,
  QgaTimeoutError,
  QgaProtocolError,
  QgaExecError,
  QgaFileBusyError,
  QgaFreezeWindowError,
  isQgaError,
  type QgaErrorCode,
} from './errors.js';
export type { ChannelKind, ChannelCapabilities, ChannelLimits, NoReplyEnding } from './channels/channel.js';
export { LibvirtConnection, type LibvirtConnectionOptions, type LibvirtKeepaliveOptions } from './channels/libvirt/libvirt-connection.js';
export type { LibvirtConnectOptions } from './channels/libvirt/libvirt-options.js';
export type { PemSource } from './channels/libvirt/dial.js';
export type { Transport, TransportHandlers } from './transport/transport.js';
export { SocketTransport, type SocketTransportOptions } from './transport/socket-transport.js';
export type {
  ExecResult,
  ExecOptions,
  ExecWaitOptions,
  SpawnOptions,
  ExecEncoding,
  ExecTextEncoding,
  ExecDecodeHook,
  ExecCapture,
  ExecPollInterval,
  GuestProcess,
  NtStatus,
} from './helpers/exec-types.js';
export type { ShellOptions } from './helpers/shell.js';
export type { ShellKind } from './guest-os/shell-launch.js';
export type { GuestCodePages } from './helpers/guest-os.js';
export type { GuestOs, GuestOsFamily } from './guest-os/detect.js';
export { agentRelease, releaseAtLeast, type AgentRelease } from './guest-os/agent-release.js';
export * from './generated/index.js';
