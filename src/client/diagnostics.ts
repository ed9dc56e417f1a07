/**
 * `node:diagnostics_channel` channels for fleets: what every client does, in one place,
 * for tracing and metrics without a listener per client (as undici publishes its own).
 * Messages carry names, kinds, targets, durations and sizes, never command arguments or
 * results. Nothing is built or published while a channel has no subscribers. The object a
 * call publishes on `request:start` is the one it later publishes on `request:end` or
 * `request:error`, its outcome added: key a WeakMap on it to tie the two together.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * diagnostics.subscribe('qga-client:request:end', (message) => {
 *   const { command, channel, target, duration } = message as QgaRequestEndMessage;
 *   histogram.record(duration, { command, channel, target });
 * });
 * ```
 * @module
 */
import diagnostics from 'node:diagnostics_channel';
import type { ChannelKind } from '../channels/channel.js';
import type { ResyncReason } from '../protocol/request-queue.js';

/** Names of the channels qga-client publishes on. */
export const QGA_DIAGNOSTICS_CHANNELS = {
  /** A call was made ({@link QgaRequestStartMessage}). */
  requestStart: 'qga-client:request:start',
  /** A call succeeded ({@link QgaRequestEndMessage}). */
  requestEnd: 'qga-client:request:end',
  /** A call failed ({@link QgaRequestErrorMessage}). */
  requestError: 'qga-client:request:error',
  /** A client (re)connected ({@link QgaConnectMessage}). */
  connect: 'qga-client:connect',
  /** A client closed or lost its channel ({@link QgaCloseMessage}). */
  close: 'qga-client:close',
  /** A direct channel resynchronised ({@link QgaResyncMessage}). */
  resync: 'qga-client:resync',
} as const;

/** What every message says about where it happened. */
export interface QgaDiagnosticsTarget {
  /** The channel kind. */
  channel: ChannelKind;
  /** The channel's description, e.g. `unix socket /run/vm1.sock` (names a guest, never data). */
  target: string;
}

/** `qga-client:request:start`: a call was made. */
export interface QgaRequestStartMessage extends QgaDiagnosticsTarget {
  /** Wire name of the command. */
  command: string;
}

/** `qga-client:request:end`: a call succeeded. */
export interface QgaRequestEndMessage extends QgaRequestStartMessage {
  /** ms from the call to its outcome, queueing included. */
  duration: number;
  /** Bytes of the request as written, when the channel knows it. */
  requestBytes?: number | undefined;
  /** Bytes of the reply as read, when the channel knows it. */
  replyBytes?: number | undefined;
}

/** `qga-client:request:error`: a call failed. */
export interface QgaRequestErrorMessage extends QgaRequestStartMessage {
  /** ms from the call to its outcome, queueing included. */
  duration: number;
  /** The error the call rejects with (its message never holds arguments). */
  error: unknown;
}

/** `qga-client:connect`: a client (re)connected. */
export interface QgaConnectMessage extends QgaDiagnosticsTarget {
  /** ms the (re)connect took. */
  duration: number;
  /** Attempts it took. */
  attempts: number;
  /** True after a lost channel. */
  reconnected: boolean;
}

/** `qga-client:close`: a client closed, or lost its channel (`error`). */
export interface QgaCloseMessage extends QgaDiagnosticsTarget {
  /** How the channel was lost; absent when `close()` closed it. */
  error?: Error | undefined;
}

/** `qga-client:resync`: a direct channel resynchronised. */
export interface QgaResyncMessage extends QgaDiagnosticsTarget {
  /** What made the client resynchronise. */
  reason: ResyncReason;
  /** Bytes thrown away. */
  bytes: number;
  /** Whole messages thrown away. */
  messages: number;
  /** ms the resync took. */
  duration: number;
}

// Channels are process-wide by design of node:diagnostics_channel (the same name is the
// same channel everywhere); these are handles to them, not state of ours.
export const requestStartChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.requestStart);
export const requestEndChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.requestEnd);
export const requestErrorChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.requestError);
export const connectChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.connect);
export const closeChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.close);
export const resyncChannel = diagnostics.channel(QGA_DIAGNOSTICS_CHANNELS.resync);
