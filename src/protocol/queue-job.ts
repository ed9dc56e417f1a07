/**
 * A call as the request queue tracks it, from enqueue to settle: one flat record per call
 * (its options copied in, its promise's resolvers kept), so a call costs one object and
 * one promise rather than an options copy, a deferred and closures per stage.
 * @module
 */
import type { ResyncWatch } from './resync-watch.js';
import type { QueueCallOptions, ResyncReason } from './request-queue.js';

export type JobKind = 'command' | 'resync';

/**
 * Where a job stands on the wire: `queued` (not yet its turn), `resync` (its turn came and
 * the stream is being resynchronised first), `exchange` (its own request is written and
 * its reply awaited).
 */
export type JobPhase = 'queued' | 'resync' | 'exchange';

export interface Job {
  readonly kind: JobKind;
  /** For resync jobs: why it was asked for. */
  readonly resyncReason: ResyncReason | undefined;
  readonly execute: string;
  /**
   * Dropped once written: otherwise the arguments (a file chunk's base64, say) live as
   * long as the call and get promoted to the old generation.
   */
  args: Record<string, unknown> | undefined;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly expectReply: boolean;
  /** Resolve with `undefined`, whatever the reply carries (commands without a result). */
  readonly discardResult: boolean;
  readonly onLateReply: ((value: unknown) => void) | undefined;
  readonly bytes: QueueCallOptions['bytes'];
  /** When the call times out, on the queue's clock (`timers.now()`). */
  readonly deadline: number;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  settled: boolean;
  /** The listener on `signal`, removed when the job settles. */
  onAbort: (() => void) | undefined;
  phase: JobPhase;
  /** The `id` of the command on the wire; its reply carries it. */
  replyId: string | undefined;
  /** For commands that answer only on failure: the id of the guest-sync written after it. */
  probeId: number | undefined;
  /** While resynchronising before the job: judges what arrives. */
  watch: ResyncWatch | undefined;
  /** Why that resync is under way (reported once it completes). */
  syncReason: ResyncReason | undefined;
  /** The resync before the job got its reply; the rest of it runs in a microtask. */
  synced: boolean;
}

/** A fresh job; every field is set here, so all jobs share one object shape. */
export function newJob(kind: JobKind, execute: string, args: Record<string, unknown> | undefined, options: QueueCallOptions, resyncReason: ResyncReason | undefined, deadline: number): Job {
  return {
    kind,
    resyncReason,
    execute,
    args,
    timeout: options.timeout,
    signal: options.signal,
    expectReply: options.expectReply,
    discardResult: options.discardResult === true,
    onLateReply: options.onLateReply,
    bytes: options.bytes,
    deadline,
    resolve: noop,
    reject: noop,
    settled: false,
    onAbort: undefined,
    phase: 'queued',
    replyId: undefined,
    probeId: undefined,
    watch: undefined,
    syncReason: undefined,
    synced: false,
  };
}

function noop(): void {}
