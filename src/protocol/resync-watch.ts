/**
 * Recognising the end of a resynchronisation: everything the agent sends before the
 * reply to our `guest-sync-delimited` is stale, except the one parse error with which
 * the agent answers our own 0xFF.
 */
import { encodeJson } from './json-codec.js';
import type { FramerEvent } from './framer.js';
import { asReply, isStrayByteError } from './reply.js';

/** What one framer event means while a resync waits for its reply. */
export type ResyncVerdict = 'synced' | 'expected' | 'stale';

/** The bytes of a resync request: 0xFF to reset the agent's parser, then the sync. */
export function resyncRequest(syncId: number): Buffer {
  return Buffer.from('\xff' + encodeJson({ execute: 'guest-sync-delimited', arguments: { id: syncId } }) + '\n', 'latin1');
}

/** Judges the events that arrive while one resync (with `syncId`) is in progress. */
export class ResyncWatch {
  readonly #syncId: number;
  #strayErrorSeen = false;

  constructor(syncId: number) {
    this.#syncId = syncId;
  }

  judge(event: FramerEvent): ResyncVerdict {
    if (event.kind !== 'message') return 'stale';
    const reply = asReply(event.value);
    if (reply && reply.return === this.#syncId && reply.id === undefined) return 'synced';
    if (reply && !this.#strayErrorSeen && isStrayByteError(reply)) {
      this.#strayErrorSeen = true;
      return 'expected';
    }
    return 'stale';
  }
}
