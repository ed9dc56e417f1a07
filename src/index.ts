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
export type { ReadFileOptions } from './helpers/files-read.js';
export type { WriteFileData, WriteFileOptions } from './helpers/files-write.js';
export type { ReadStreamOptions, WriteStreamOptions, GuestFileReadStream, GuestFileWriteStream } from './helpers/file-streams.js';
export type { DownloadOptions, UploadOptions, TransferResult } from './helpers/file-transfers.js';
export type { FreezeOptions, FreezeResult, FrozenContext } from './helpers/freeze.js';
export type { SetUserPasswordOptions } from './helpers/password.js';
export type { ShutdownMode, ShutdownOptions, SuspendKind } from './helpers/power.js';
export type { InfoOptions } from './helpers/capabilities.js';
export type { CallOptions } from './client/call-options.js';
export type { ConnectOptions, ConnectTarget, ReconnectOptions } from './client/connect-options.js';
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
export { QgaError, QgaConnectionError, QgaCommandError, QgaTimeoutError, QgaProtocolError, QgaExecError, isQgaError, type QgaErrorCode } from './errors.js';
export type { ChannelKind, ChannelCapabilities, ChannelLimits, NoReplyEnding } from './channels/channel.js';
export { LibvirtConnection, type LibvirtConnectionOptions, type LibvirtKeepaliveOptions } from './channels/libvirt/libvirt-connection.js';
export type { LibvirtConnectOptions } from './channels/libvirt/libvirt-options.js';
export type { PemSource } from './channels/libvirt/dial.js';
export type { Transport, TransportHandlers } from './transport/transport.js';
export { SocketTransport, type SocketTransportOptions } from './transport/socket-transport.js';
export type { ExecResult, ExecOptions, ExecWaitOptions, SpawnOptions, ExecEncoding, ExecCapture, ExecPollInterval, GuestProcess } from './helpers/exec-types.js';
export * from './generated/index.js';
