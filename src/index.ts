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
 * @module
 */
export { QgaClient, type CallArguments, type CallResult } from './client/qga-client.js';
export type { CallOptions } from './client/call-options.js';
export type { ConnectOptions, ConnectTarget } from './client/connect-options.js';
export type { QgaCommandInfo } from './client/command-info.js';
export type { QgaClientEvents, ConnectEvent, RequestEvent, ResponseEvent, ResyncInfo, ResyncReason } from './client/events.js';
export { QgaError, QgaConnectionError, QgaCommandError, QgaTimeoutError, QgaProtocolError, QgaExecError, isQgaError, type QgaErrorCode } from './errors.js';
export type { Transport, TransportHandlers } from './transport/transport.js';
export { SocketTransport, type SocketTransportOptions } from './transport/socket-transport.js';
export type { ExecResult } from './helpers/exec-types.js';
export * from './generated/index.js';
