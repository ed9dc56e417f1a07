/** A call as the request queue tracks it, from enqueue to settle. */
import type { QgaConnectionError } from '../errors.js';
import type { Deferred } from './deferred.js';
import type { FramerEvent } from './framer.js';
import type { QueueCallOptions, QueueRequest, ResyncReason } from './request-queue.js';

export type JobKind = 'command' | 'resync';

export interface Job {
  kind: JobKind;
  /** For resync jobs: why it was asked for. */
  resyncReason: ResyncReason | undefined;
  request: QueueRequest;
  options: QueueCallOptions;
  result: Deferred<unknown>;
  settled: boolean;
  /** When the call times out, on the queue's clock (`timers.now()`). */
  deadline: number;
  removeAbortListener: (() => void) | undefined;
  /** The command itself was written (not just a resync before it). */
  sent: boolean;
  /** Set while the job is on the wire: receives framer events and channel loss. */
  onEvent: ((job: Job, event: FramerEvent) => void) | undefined;
  onChannelLost: ((job: Job, error: QgaConnectionError) => void) | undefined;
  /** The `id` of the command on the wire; its reply carries it. */
  replyId: string | undefined;
  /** For commands that answer only on failure: the id of the guest-sync written after it. */
  probeId: number | undefined;
  /**
   * Set while the job is on the wire: ends the wait of #exchange / #resynchronise when the
   * job is settled, whoever settles it (a reply, the timeout, an abort, a lost channel).
   */
  wake: (() => void) | undefined;
}
