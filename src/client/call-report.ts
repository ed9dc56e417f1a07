/**
 * Tells the outside world about one call: the client's `request` / `response` events,
 * `NODE_DEBUG=qga`, and the diagnostics channels. Each costs nothing unless someone
 * listens, since the health-check path makes thousands of calls.
 * @module
 */
import type { EventEmitter } from 'eventemitter3';
import { debuglog } from 'node:util';
import type { QgaChannel } from '../channels/channel.js';
import { requestEndChannel, requestErrorChannel, requestStartChannel } from './diagnostics.js';
import type { QgaClientEvents } from './events.js';

const debug = debuglog('qga');

/** Byte counts a channel reports for one call, when it knows them. */
export interface CallBytes {
  requestBytes?: number | undefined;
  replyBytes?: number | undefined;
}

export function reportCallStart(client: EventEmitter<QgaClientEvents>, channel: QgaChannel, name: string): void {
  if (client.listenerCount('request') > 0) client.emit('request', { name, command: name });
  if (requestStartChannel.hasSubscribers) requestStartChannel.publish({ command: name, channel: channel.capabilities.kind, target: channel.description });
}

/** Whether anyone wants the byte counts of calls (channels then measure them). */
export function wantsCallBytes(): boolean {
  return requestEndChannel.hasSubscribers;
}

export function reportCallEnd(client: EventEmitter<QgaClientEvents>, channel: QgaChannel, name: string, started: number, failure: { error: unknown } | undefined, bytes?: CallBytes): void {
  const duration = performance.now() - started;
  if (client.listenerCount('response') > 0) client.emit('response', failure ? { name, command: name, duration, error: failure.error } : { name, command: name, duration });
  if (debug.enabled) {
    if (failure) debug('%s failed in %d ms: %s', name, duration.toFixed(2), String(failure.error));
    else debug('%s ok in %d ms', name, duration.toFixed(2));
  }
  if (failure) {
    if (requestErrorChannel.hasSubscribers) requestErrorChannel.publish({ command: name, channel: channel.capabilities.kind, target: channel.description, duration, error: failure.error });
  } else if (requestEndChannel.hasSubscribers) {
    requestEndChannel.publish({ command: name, channel: channel.capabilities.kind, target: channel.description, duration, ...bytes });
  }
}
