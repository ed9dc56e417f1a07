import type { ResyncInfo } from '../protocol/request-queue.js';

export type { ResyncInfo, ResyncReason } from '../protocol/request-queue.js';
import type { ConnectEvent, ReconnectEvent } from '../channels/channel.js';
import type { RetryEvent } from './retry-policy.js';

export type { ConnectEvent, ReconnectEvent } from '../channels/channel.js';

/** Payload of the `request` event. */
export interface RequestEvent {
  /** Wire name of the command, e.g. `guest-ping`. */
  name: string;
  /** The same as `name`, under the field name the errors use. */
  command: string;
}

/** Payload of the `response` event. */
export interface ResponseEvent {
  /** Wire name of the command, e.g. `guest-ping`. */
  name: string;
  /** The same as `name`, under the field name the errors use. */
  command: string;
  /** ms from the call to its outcome (queueing included). */
  duration: number;
  /** The error the call rejected with, if it failed. */
  error?: unknown;
}

/**
 * Payload of the `validation` event (connect option `validate: 'warn'`).
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({ path, validate: 'warn' });
 * client.on('validation', ({ command, problems }) => console.warn(command, problems.join('; ')));
 * ```
 */
export interface ValidationEvent {
  /** Wire name of the command whose reply did not match. */
  command: string;
  /**
   * What did not match, one line each with the path into the reply, e.g.
   * `return[0]['ip-addresses'][1].prefix: expected integer, got "x"` (at most 10).
   */
  problems: string[];
}

/**
 * Events of {@link QgaClient} (an eventemitter3 `EventEmitter`). Arguments never include
 * command arguments, so passwords and file data cannot leak through listeners.
 */
export interface QgaClientEvents {
  /** The channel is open and synchronised (again, after a reconnect). */
  connect: [event: ConnectEvent];
  /** The channel was lost and `reconnect` is on: an attempt to reopen it starts. */
  reconnecting: [event: ReconnectEvent];
  /** The client closed; `error` when the channel was lost rather than closed by `close()`. */
  close: [error?: Error];
  /** A resynchronisation completed; says what was discarded. */
  resync: [info: ResyncInfo];
  /** With the `retry` option: an idempotent call is sent again after a passing failure. */
  retry: [event: RetryEvent];
  /** A call was made. */
  request: [event: RequestEvent];
  /** A call settled. */
  response: [event: ResponseEvent];
  /** With `validate: 'warn'`: a reply did not match its declared type (the call still resolved). */
  validation: [event: ValidationEvent];
}
