/**
 * The serial request queue: one request on the wire at a time, in call order, each with
 * its own timeout and AbortSignal, and resynchronisation with `guest-sync-delimited`
 * whenever the stream may hold something that is not ours.
 *
 * Why one at a time: the agent is a single loop, and over virtio-serial a request written
 * before the previous reply arrived loses replies (AGENT-BEHAVIOUR §1).
 *
 * How replies are matched: every request carries an `id` unique to this queue (the agent
 * echoes it). A reply with another id is stale (an earlier timed-out call, an earlier
 * client) and is dropped. After a timeout, an abort, or anything unmatched, the next job
 * first resynchronises, so a late reply can never reach a later call.
 */
import { QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import { deferred } from './deferred.js';
import { Framer, type FramerEvent } from './framer.js';
import type { Job, JobKind } from './queue-job.js';
import { RequestEncoder } from './request-encoder.js';
import { asReply, commandErrorOf } from './reply.js';
import { resyncRequest, ResyncWatch } from './resync-watch.js';
import { DeadlineTimer } from './deadline-timer.js';
import { systemTimers, type Timers } from './timers.js';

/** Why the queue resynchronised. */
export type ResyncReason = 'connect' | 'reconnect' | 'timeout' | 'abort' | 'unmatched' | 'protocol' | 'requested';

/** Reported after every completed resynchronisation. */
export interface ResyncInfo {
  /** What made the client resynchronise. */
  reason: ResyncReason;
  /** Bytes received and thrown away since the previous resync (stale replies, garbage). */
  bytes: number;
  /** Whole messages thrown away since the previous resync. */
  messages: number;
  /**
   * How long the resync took, in ms: from its first attempt to its completion, attempts
   * given up along the way included (a call waiting behind the resync that timed out).
   */
  duration: number;
}

/** One command to send. */
export interface QueueRequest {
  execute: string;
  arguments?: Record<string, unknown> | undefined;
}

export interface QueueCallOptions {
  timeout: number;
  signal?: AbortSignal | undefined;
  /** False for commands the agent answers only on failure. */
  expectReply: boolean;
  /**
   * Gets the result if the reply arrives after the call timed out or was aborted (it still
   * never reaches a later call). For undoing what the abandoned command did.
   */
  onLateReply?: ((value: unknown) => void) | undefined;
  /** Filled in with the sizes of the request written and the reply read, when given. */
  bytes?: { requestBytes?: number | undefined; replyBytes?: number | undefined } | undefined;
}

export interface RequestQueueOptions {
  write(bytes: Uint8Array): Promise<void>;
  /**
   * A write failed: the channel is gone, though its close may be reported only later. Called
   * after the call being written was failed, so the owner can mark the channel lost (and
   * {@link RequestQueue.suspend} or close the queue) before the next call is written.
   */
  onWriteFailed?: ((error: unknown) => void) | undefined;
  maxReplyBytes: number;
  onResync?: ((info: ResyncInfo) => void) | undefined;
  timers?: Timers | undefined;
}

export class RequestQueue {
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #onWriteFailed: ((error: unknown) => void) | undefined;
  readonly #onResync: ((info: ResyncInfo) => void) | undefined;
  readonly #timers: Timers;
  readonly #deadlines: DeadlineTimer<Job>;
  readonly #framer: Framer;
  readonly #encoder = new RequestEncoder();
  #waiting: Job[] = [];
  #active: Job | undefined;
  #draining = false;
  #closedError: QgaConnectionError | undefined;
  #suspended = false;
  #resyncReason: ResyncReason | undefined = 'connect';
  #discardedBytes = 0;
  #discardedMessages = 0;
  /** When the first attempt of the resync under way began (`timers.now()`). */
  #resyncStartedAt: number | undefined;
  /** Reply id → handler, for abandoned calls whose late result someone wants. */
  readonly #lateHandlers = new Map<string, (value: unknown) => void>();

  constructor(options: RequestQueueOptions) {
    this.#write = (bytes) => options.write(bytes);
    this.#onWriteFailed = options.onWriteFailed;
    this.#onResync = options.onResync;
    this.#timers = options.timers ?? systemTimers;
    this.#deadlines = new DeadlineTimer<Job>(this.#timers, () => this.#jobs(), (job) => this.#expire(job));
    this.#framer = new Framer(options.maxReplyBytes, (event) => {
      try {
        this.#dispatch(event);
      } catch (error) {
        // Whatever a reply contained, it must not throw out of the socket's data handler
        // (that would crash the process): fail the call on the wire instead.
        const active = this.#active;
        this.#needsResync('protocol');
        if (active) this.#settle(active, new QgaProtocolError(`${active.request.execute}: could not handle the agent's reply (${String(error)})`, { cause: error }), true);
      }
    });
  }

  /** Feed bytes read from the channel. */
  receive(chunk: Buffer): void {
    this.#framer.push(chunk);
  }

  /** Number of calls waiting or on the wire. */
  get pending(): number {
    return this.#waiting.length + (this.#active ? 1 : 0);
  }

  /** Send one command; resolves with its `return` value. */
  send(request: QueueRequest, options: QueueCallOptions): Promise<unknown> {
    return this.#enqueue('command', request, options);
  }

  /**
   * Resynchronise now: as a queued job after the calls before it, or (`first`) ahead of
   * them, as a (re)connect must.
   */
  resync(options: { timeout: number; signal?: AbortSignal | undefined; first?: boolean }, reason: ResyncReason = 'requested'): Promise<void> {
    return this.#enqueue('resync', { execute: 'guest-sync-delimited' }, { ...options, expectReply: true }, reason, options.first) as Promise<void>;
  }

  /**
   * The channel was lost but will be reopened: the call on the wire fails with `error`
   * (nobody can tell whether the agent ran it), calls not yet written wait for
   * {@link resume}, and any partial reply is dropped.
   */
  suspend(error: QgaConnectionError): void {
    this.#suspended = true;
    this.#resyncReason = 'reconnect';
    // The resync on the new channel is a new one.
    this.#resyncStartedAt = undefined;
    this.#framer.reset();
    this.#lateHandlers.clear();
    const active = this.#active;
    active?.onChannelLost?.(active, error);
  }

  /** The channel is open again: go on with the waiting calls (resynchronising first). */
  resume(): void {
    this.#suspended = false;
    if (!this.#draining) void this.#drain();
  }

  /**
   * The channel is gone: every waiting and active call rejects with `error`, and so does
   * every later call. A new queue is needed for a new channel.
   */
  close(error: QgaConnectionError): void {
    if (this.#closedError) return;
    this.#closedError = error;
    this.#lateHandlers.clear();
    const active = this.#active;
    active?.onChannelLost?.(active, error);
    for (const job of this.#waiting.splice(0)) this.#settle(job, error, true);
    if (!this.#active || this.#active.settled) this.#deadlines.stop();
  }

  #enqueue(kind: JobKind, request: QueueRequest, options: QueueCallOptions, resyncReason?: ResyncReason, first = false): Promise<unknown> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const job: Job = {
      kind,
      request,
      options,
      resyncReason,
      result: deferred<unknown>(),
      settled: false,
      sent: false,
      deadline: this.#timers.now() + options.timeout,
      removeAbortListener: undefined,
      onEvent: undefined,
      onChannelLost: undefined,
      replyId: undefined,
      probeId: undefined,
      wake: undefined,
    };
    this.#deadlines.add(job.deadline);
    if (signal) {
      const onAbort = (): void => this.#abort(job, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      job.removeAbortListener = () => signal.removeEventListener('abort', onAbort);
    }
    if (first) this.#waiting.unshift(job);
    else this.#waiting.push(job);
    if (!this.#draining && !this.#suspended) void this.#drain();
    return job.result.promise;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (!this.#suspended) {
        const job = this.#waiting.shift();
        if (!job) break;
        if (job.settled) continue;
        this.#active = job;
        try {
          await this.#run(job);
        } catch (error) {
          this.#settle(job, error, true);
        } finally {
          this.#active = undefined;
        }
      }
    } finally {
      this.#draining = false;
      this.#checkIdle();
    }
  }

  #run(job: Job): Promise<void> {
    // Not async on the common path (no resync due): one promise less per call.
    if (this.#resyncReason !== undefined || job.kind === 'resync') return this.#resyncThenSend(job);
    return this.#send(job);
  }

  async #resyncThenSend(job: Job): Promise<void> {
    const reason = this.#resyncReason ?? job.resyncReason ?? 'requested';
    await this.#resynchronise(job, reason);
    if (job.kind === 'resync') {
      this.#settle(job, undefined, false);
      return;
    }
    if (job.settled) return;
    await this.#send(job);
  }

  #send(job: Job): Promise<void> {
    const { execute, arguments: args } = job.request;
    // Only the name is needed from here on. Without this, the arguments (a file chunk's
    // base64, say) live as long as the call and get promoted to the old generation.
    job.request = { execute };
    if (job.options.expectReply) {
      const { id, bytes } = this.#encoder.command(execute, args);
      job.replyId = id;
      if (job.options.bytes) job.options.bytes.requestBytes = bytes.length;
      return this.#exchange(job, bytes);
    }
    // The agent answers this command only on failure: a guest-sync goes with it.
    const { id, probeId, bytes } = this.#encoder.commandWithProbe(execute, args);
    job.replyId = id;
    job.probeId = probeId;
    if (job.options.bytes) job.options.bytes.requestBytes = bytes.length;
    return this.#exchange(job, bytes);
  }

  /**
   * Write `bytes` and wait until the job is settled: by its reply (see #commandEvent), a
   * timeout, an abort or a lost channel. Replies that are not its own are counted as
   * discarded and make the next job resynchronise.
   */
  #exchange(job: Job, bytes: Uint8Array): Promise<void> {
    // One promise per exchange: every way the job ends goes through #settle, which wakes it.
    // The handlers are shared by all jobs (they get the job), not made per call.
    return new Promise<void>((resolve) => {
      job.wake = resolve;
      job.onEvent = this.#commandEvent;
      job.onChannelLost = this.#commandLost;
      job.sent = true;
      const written = this.#write(bytes);
      if (this.#encoder.isScratch(bytes)) written.then(this.#encoder.release, this.#encoder.release);
      written.catch((error: unknown) => this.#writeFailed(job, error));
    });
  }

  /** What the framer saw while a command is on the wire. */
  readonly #commandEvent = (job: Job, event: FramerEvent): void => {
    if (event.kind === 'message') {
      const reply = asReply(event.value);
      if (reply) {
        if (job.options.expectReply) {
          if (reply.id === job.replyId) {
            if (job.options.bytes) job.options.bytes.replyBytes = event.bytes;
            if (reply.error) this.#settle(job, commandErrorOf(job.request.execute, reply), true);
            else this.#settle(job, reply.return, false);
            return;
          }
          if (reply.id === undefined && reply.error) {
            // An id-less error while our request is on the wire is the agent's verdict on
            // that request (it could not parse it: too large, too deep). More such errors
            // may follow, hence the resync.
            this.#needsResync('protocol');
            this.#settle(job, commandErrorOf(job.request.execute, reply), true);
            return;
          }
        } else if (reply.id === job.replyId && reply.error) {
          this.#settle(job, commandErrorOf(job.request.execute, reply), true);
          return;
        } else if (reply.return === job.probeId) {
          this.#settle(job, undefined, false);
          return;
        }
      }
      this.#countDiscarded(event.bytes, 1);
      this.#needsResync('unmatched');
      this.#handOverLate(reply);
    } else if (event.kind === 'invalid') {
      this.#countDiscarded(event.bytes, 1);
      this.#needsResync('protocol');
      this.#settle(job, new QgaProtocolError(`${job.request.execute}: the agent sent a reply that is not valid JSON (${event.error.message})`, { cause: event.error }), true);
    } else if (event.kind === 'oversize') {
      this.#needsResync('protocol');
      this.#settle(job, new QgaProtocolError(`${job.request.execute}: reply larger than maxReplyBytes (${event.limit} bytes); it is being discarded`), true);
    } else {
      this.#countDiscarded(event.bytes, 0);
    }
  };

  /**
   * The call being written fails with the write's error (a command that answers only on
   * failure was not taken either); then the owner learns the channel is gone, before the
   * drain loop writes the next call into it.
   */
  #writeFailed(job: Job, error: unknown): void {
    this.#settle(job, writeFailure(error), true);
    this.#onWriteFailed?.(error);
  }

  /** The channel went away while a command was on the wire. */
  readonly #commandLost = (job: Job, error: QgaConnectionError): void => {
    // A command that answers only on failure was taken if nothing failed before the loss.
    if (job.options.expectReply) this.#settle(job, error, true);
    else this.#settle(job, undefined, false);
  };

  async #resynchronise(job: Job, reason: ResyncReason): Promise<void> {
    // A resync whose waiting call gave up is taken up again by the next call: one resync.
    this.#resyncStartedAt ??= this.#timers.now();
    const syncId = this.#encoder.nextSyncId();
    const watch = new ResyncWatch(syncId);
    let done!: (synced: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (done = resolve));
    // Settled meanwhile (timeout, abort, lost channel): not synchronised.
    job.wake = () => done(false);
    job.onEvent = (_job, event) => {
      const verdict = watch.judge(event);
      if (verdict === 'synced') done(true);
      else if (verdict === 'stale') {
        this.#countDiscarded(event.bytes, event.kind === 'message' || event.kind === 'invalid' ? 1 : 0);
        if (event.kind === 'message') this.#handOverLate(asReply(event.value));
      }
    };
    job.onChannelLost = (_job, error) => this.#settle(job, error, true);
    this.#write(resyncRequest(syncId)).catch((error: unknown) => this.#writeFailed(job, error));
    const synced = await outcome;
    job.wake = undefined;
    job.onEvent = undefined;
    job.onChannelLost = undefined;
    if (!synced) return;
    this.#resyncReason = undefined;
    // The agent answers in order: a reply not in before the sync's never comes.
    this.#lateHandlers.clear();
    const info: ResyncInfo = { reason, bytes: this.#discardedBytes, messages: this.#discardedMessages, duration: this.#timers.now() - this.#resyncStartedAt };
    this.#resyncStartedAt = undefined;
    this.#discardedBytes = 0;
    this.#discardedMessages = 0;
    this.#onResync?.(info);
  }

  #dispatch(event: FramerEvent): void {
    const active = this.#active;
    if (active?.onEvent && !active.settled) {
      active.onEvent(active, event);
      return;
    }
    // Nobody is waiting (or the call on the wire already timed out or was aborted):
    // whatever this is, a late reply or garbage, it is not for anyone.
    if (event.kind === 'message' || event.kind === 'invalid') {
      this.#countDiscarded(event.bytes, 1);
      this.#needsResync('unmatched');
      if (event.kind === 'message') this.#handOverLate(asReply(event.value));
    } else if (event.kind === 'oversize') {
      this.#needsResync('protocol');
    } else {
      this.#countDiscarded(event.bytes, 0);
    }
  }

  #expire(job: Job): void {
    if (job.settled) return;
    if (this.#active === job) {
      this.#needsResync('timeout');
      // A command that replies only on failure was taken and nothing failed: silence is
      // its expected outcome (e.g. `guest-shutdown` with mode `halt`).
      if (!job.options.expectReply && job.sent) {
        this.#settle(job, undefined, false);
        return;
      }
    }
    this.#settle(job, new QgaTimeoutError(job.request.execute, job.options.timeout, job.sent ? undefined : this.#notSent(job)), true);
  }

  /** Why a call that timed out was never written: "no reply" would be wrong. */
  #notSent(job: Job): string {
    const { execute } = job.request;
    const within = `within ${formatMs(job.options.timeout)} ms`;
    if (this.#active === job) {
      return `${execute}: not sent: the resynchronisation before it did not complete ${within} (the agent is still busy, e.g. with a command given up earlier, or does not answer)`;
    }
    if (this.#suspended) return `${execute}: not sent ${within}: it was waiting for the channel to be reopened`;
    return `${execute}: not sent ${within}: it was still waiting behind earlier calls (one call is on the wire at a time)`;
  }

  #abort(job: Job, reason: unknown): void {
    if (job.settled) return;
    if (this.#active === job) this.#needsResync('abort');
    this.#settle(job, reason, true);
  }

  #settle(job: Job, value: unknown, failed: boolean): void {
    if (job.settled) return;
    job.settled = true;
    // Abandoned on the wire: its reply may still come, and someone wants it.
    if (failed && job.sent && job.replyId !== undefined && job.options.onLateReply && this.#active === job && this.#resyncReason !== undefined) {
      this.#rememberLate(job.replyId, job.options.onLateReply);
    }
    job.removeAbortListener?.();
    job.onEvent = undefined;
    job.onChannelLost = undefined;
    if (failed) job.result.reject(value);
    else job.result.resolve(value);
    const wake = job.wake;
    job.wake = undefined;
    wake?.();
    this.#checkIdle();
  }

  /** Every call not yet settled: the one on the wire, then the waiting ones in order. */
  *#jobs(): Generator<Job> {
    if (this.#active && !this.#active.settled) yield this.#active;
    for (const job of this.#waiting) if (!job.settled) yield job;
  }

  /** Lets the timeout timer go once no call is pending (see DeadlineTimer). */
  #checkIdle(): void {
    if (this.#active && !this.#active.settled) return;
    for (const job of this.#waiting) if (!job.settled) return;
    this.#deadlines.idle();
  }

  #rememberLate(replyId: string, handler: (value: unknown) => void): void {
    // Bounded against a run of abandoned calls on an agent that never answers.
    if (this.#lateHandlers.size >= MAX_LATE_HANDLERS) this.#lateHandlers.delete(this.#lateHandlers.keys().next().value!);
    this.#lateHandlers.set(replyId, handler);
  }

  /** A discarded reply that an abandoned call asked to see. Error replies undo nothing. */
  #handOverLate(reply: ReturnType<typeof asReply>): void {
    if (this.#lateHandlers.size === 0 || !reply || typeof reply.id !== 'string' || reply.error) return;
    const handler = this.#lateHandlers.get(reply.id);
    if (!handler) return;
    this.#lateHandlers.delete(reply.id);
    try {
      handler(reply.return);
    } catch {
      // A cleanup hook's failure must not fail the call on the wire or the reader.
    }
  }

  #needsResync(reason: ResyncReason): void {
    this.#resyncReason ??= reason;
  }

  #countDiscarded(bytes: number, messages: number): void {
    this.#discardedBytes += bytes;
    this.#discardedMessages += messages;
  }
}

/** Abandoned calls remembered for their late replies at most. */
const MAX_LATE_HANDLERS = 64;

function writeFailure(error: unknown): QgaConnectionError {
  return error instanceof QgaConnectionError ? error : new QgaConnectionError(`write failed: ${String(error)}`, { cause: error });
}
