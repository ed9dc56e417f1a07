/**
 * Tells the outside world about one call: the client's `request` / `response` events,
 * `NODE_DEBUG=qga`, and the diagnostics channels. Each costs nothing unless someone
 * listens, since the health-check path makes thousands of calls.
 * @module
 */
import type { EventEmitter } from 'eventemitter3';
import { debuglog } from 'node:util';
import type { QgaChannel } from '../channels/channel.js';
import { requestEndChannel, requestErrorChannel, requestStartChannel, type QgaRequestEndMessage, type QgaRequestErrorMessage } from './diagnostics.js';
import type { QgaClientEvents } from './events.js';

const debug = debuglog('qga');
/** Node reads NODE_DEBUG once, at start-up; asking `debug.enabled` per call costs three calls. */
const debugEnabled = debug.enabled;

/** Byte counts a channel reports for one call, when it knows them. */
export interface CallBytes {
  requestBytes?: number | undefined;
  replyBytes?: number | undefined;
}

/**
 * One call as the diagnostics channels see it: the object published on `request:start` is
 * the one later published on `request:end` or `request:error` (with its outcome added), so
 * a subscriber can tie the two together, as undici does with its request objects.
 */
export type CallTrace = QgaRequestEndMessage & Partial<Pick<QgaRequestErrorMessage, 'error'>>;

/**
 * True when reporting a call would do anything: an event listener, `NODE_DEBUG=qga` or a
 * diagnostics subscriber. Without any, a call skips its reporting entirely (no timing, no
 * async step around it); whoever starts listening sees the calls made from then on.
 */
export function callObserved(client: EventEmitter<QgaClientEvents>): boolean {
  return (
    debugEnabled ||
    client.listenerCount('request') > 0 ||
    client.listenerCount('response') > 0 ||
    requestStartChannel.hasSubscribers ||
    requestEndChannel.hasSubscribers ||
    requestErrorChannel.hasSubscribers
  );
}

/** Reports the start; returns the trace object when a diagnostics channel is subscribed. */
export function reportCallStart(client: EventEmitter<QgaClientEvents>, channel: QgaChannel, name: string): CallTrace | undefined {
  if (client.listenerCount('request') > 0) client.emit('request', { name, command: name });
  if (!requestStartChannel.hasSubscribers && !requestEndChannel.hasSubscribers && !requestErrorChannel.hasSubscribers) return undefined;
  const trace = { command: name, channel: channel.capabilities.kind, target: channel.description } as CallTrace;
  if (requestStartChannel.hasSubscribers) requestStartChannel.publish(trace);
  return trace;
}

/** The byte counts to ask the channel for: only while someone wants them. */
export function callBytesFor(trace: CallTrace | undefined): CallBytes | undefined {
  return trace && requestEndChannel.hasSubscribers ? {} : undefined;
}

export function reportCallEnd(client: EventEmitter<QgaClientEvents>, name: string, started: number, trace: CallTrace | undefined, failure: { error: unknown } | undefined, bytes?: CallBytes): void {
  const duration = performance.now() - started;
  if (client.listenerCount('response') > 0) client.emit('response', failure ? { name, command: name, duration, error: failure.error } : { name, command: name, duration });
  if (debugEnabled) {
    if (failure) debug('%s failed in %d ms: %s', name, duration.toFixed(2), String(failure.error));
    else debug('%s ok in %d ms', name, duration.toFixed(2));
  }
  if (!trace) return;
  trace.duration = duration;
  if (failure) {
    trace.error = failure.error;
    if (requestErrorChannel.hasSubscribers) requestErrorChannel.publish(trace);
  } else {
    if (bytes) Object.assign(trace, bytes);
    if (requestEndChannel.hasSubscribers) requestEndChannel.publish(trace);
  }
}
