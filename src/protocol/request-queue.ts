/**
 * The serial request queue: one request on the wire at a time, in call order, each with
 * its own timeout and AbortSignal, and resynchronisation with `guest-sync-delimited`
 * whenever the stream may hold something that is not ours.
 *
 * Why one at a time: the agent is a single loop, and over virtio-serial a request written
 * before the previous reply arrived loses replies.
 *
 * How replies are matched: every request carries an `id` unique to this queue (the agent
 * echoes it). A reply with another id is stale (an earlier timed-out call, an earlier
 * client) and is dropped. After a timeout, an abort, or anything unmatched, the next job
 * first resynchronises, so a late reply can never reach a later call.
 *
 * How it runs: as a small state machine driven by the framer's events, not as an async
 * loop. A call is one job record and one promise; its turn starts it synchronously (no
 * promise per stage), and when it settles the next job starts a microtask later. That
 * microtask keeps what an awaiting loop had: a call made meanwhile joins the line, and
 * the rest of a chunk being read finds nobody waiting. Short-lived connections and short
 * bursts of calls run this code before V8 has optimised it, where every promise, closure
 * and async frame counts.
 */
import { QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../errors.js';
import { formatMs } from '../format-ms.js';
import { DeadlineTimer } from './deadline-timer.js';
import { Framer, type FramerEvent } from './framer.js';
import { LateReplies } from './late-replies.js';
import { newJob, type Job, type JobKind } from './queue-job.js';
import { RequestEncoder, SHORT_LINE } from './request-encoder.js';
import { asReply, commandErrorOf } from './reply.js';
import { resyncRequest, ResyncWatch } from './resync-watch.js';
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

/** How one command is to be carried (every channel takes the same: `ChannelCallOptions`). */
export interface QueueCallOptions {
  /** ms for the whole call, queueing behind earlier calls of the same client included. */
  timeout: number;
  signal?: AbortSignal | undefined;
  /** False for commands the agent answers only on failure (guest-shutdown, guest-suspend-*). */
  expectReply: boolean;
  /**
   * The command has no result (`hasReturn` false, e.g. guest-ping's `{}`): resolve with
   * `undefined`, whatever the reply carries.
   */
  discardResult?: boolean | undefined;
  /**
   * Gets the result if the reply arrives after the call timed out or was aborted (it still
   * never reaches a later call), for undoing what the abandoned command did. Channels that
   * cannot see late replies ignore it.
   */
  onLateReply?: ((value: unknown) => void) | undefined;
  /**
   * When given, the channel fills in the bytes it wrote and read for this call (only asked
   * for while someone subscribes to the diagnostics channels; channels that cannot tell
   * leave it empty).
   */
  bytes?: { requestBytes?: number | undefined; replyBytes?: number | undefined } | undefined;
}

/** The functions here are called on their own, not as methods of this object: bind them. */
export interface RequestQueueOptions {
  write: (bytes: Uint8Array) => Promise<void>;
  /**
   * Writes a request line as UTF-8 text, when the transport can (see `Transport.writeText`):
   * used for short lines (`SHORT_LINE`), which then need no Buffer; longer ones (file
   * chunks) go as bytes, through the encoder's reused buffer.
   */
  writeText?: ((text: string) => Promise<void>) | undefined;
  /**
   * A write failed: the channel is gone, though its close may be reported only later. Called
   * after the call being written was failed, so the owner can mark the channel lost (and
   * {@link RequestQueue.suspend} or close the queue) before the next call is written.
   */
  onWriteFailed?: ((error: unknown) => void) | undefined;
  maxReplyBytes: number;
  onResync?: ((info: ResyncInfo) => void) | undefined;
  timers?: Timers | undefined;
  /**
   * False when the channel itself keeps the process alive while open (see
   * `Transport.keepsProcessAlive`): the timeout timer then never holds the process.
   */
  holdsProcess?: boolean | undefined;
}

export class RequestQueue {
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #writeText: ((text: string) => Promise<void>) | undefined;
  readonly #onWriteFailed: ((error: unknown) => void) | undefined;
  readonly #onResync: ((info: ResyncInfo) => void) | undefined;
  readonly #timers: Timers;
  readonly #deadlines: DeadlineTimer<Job>;
  readonly #framer: Framer;
  readonly #encoder = new RequestEncoder();
  readonly #late = new LateReplies();
  #waiting: Job[] = [];
  /** The job whose turn it is (resynchronising before it, or its own exchange); unset once it settles. */
  #active: Job | undefined;
  /** A job settled and the next one starts in a microtask (see {@link #next}). */
  #handingOver = false;
  /**
   * Why the queue was closed: the error, or how to make it. Made only when a call is there
   * to reject with it: closing an idle client (the usual end of a short-lived connection)
   * then builds no error and captures no stack trace nobody would see.
   */
  #closedBy: QgaConnectionError | (() => QgaConnectionError) | undefined;
  #suspended = false;
  #resyncReason: ResyncReason | undefined = 'connect';
  #discardedBytes = 0;
  #discardedMessages = 0;
  /** When the first attempt of the resync under way began (`timers.now()`). */
  #resyncStartedAt: number | undefined;

  constructor(options: RequestQueueOptions) {
    this.#write = options.write;
    this.#writeText = options.writeText;
    this.#onWriteFailed = options.onWriteFailed;
    this.#onResync = options.onResync;
    this.#timers = options.timers ?? systemTimers;
    this.#deadlines = new DeadlineTimer<Job>(this.#timers, () => this.#jobs(), (job) => this.#expire(job), options.holdsProcess ?? true);
    this.#framer = new Framer(options.maxReplyBytes, (event) => {
      try {
        this.#dispatch(event);
      } catch (error) {
        // Whatever a reply contained, it must not throw out of the socket's data handler
        // (that would crash the process): fail the call on the wire instead.
        const active = this.#active;
        this.#needsResync('protocol');
        if (active) this.#settle(active, new QgaProtocolError(`${active.execute}: could not handle the agent's reply (${String(error)})`, { cause: error }), true);
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
    return this.#enqueue('command', request.execute, request.arguments, options, undefined, false);
  }

  /**
   * Resynchronise now: as a queued job after the calls before it, or (`first`) ahead of
   * them, as a (re)connect must.
   */
  resync(options: { timeout: number; signal?: AbortSignal | undefined; first?: boolean }, reason: ResyncReason = 'requested'): Promise<void> {
    return this.#enqueue('resync', 'guest-sync-delimited', undefined, { timeout: options.timeout, signal: options.signal, expectReply: true }, reason, options.first === true) as Promise<void>;
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
    this.#late.clear();
    const active = this.#active;
    if (active !== undefined) this.#channelLost(active, error);
  }

  /** The channel is open again: go on with the waiting calls (resynchronising first). */
  resume(): void {
    this.#suspended = false;
    if (this.#active === undefined && !this.#handingOver) this.#startNext();
  }

  /**
   * The channel is gone: every waiting and active call rejects with `error`, and so does
   * every later call. A new queue is needed for a new channel. `error` may be a function
   * that makes it, called at most once and only when some call is to reject with it.
   */
  close(error: QgaConnectionError | (() => QgaConnectionError)): void {
    if (this.#closedBy) return;
    this.#closedBy = error;
    this.#late.clear();
    const active = this.#active;
    if (active !== undefined && !active.settled) this.#channelLost(active, this.#closedError());
    for (const job of this.#waiting.splice(0)) if (!job.settled) this.#settle(job, this.#closedError(), true);
    if (!this.#active || this.#active.settled) this.#deadlines.stop();
  }

  /** The error the queue was closed with, made on first use and then kept (one object for every call). */
  #closedError(): QgaConnectionError {
    const by = this.#closedBy!;
    if (typeof by !== 'function') return by;
    const error = by();
    this.#closedBy = error;
    return error;
  }

  #enqueue(kind: JobKind, execute: string, args: Record<string, unknown> | undefined, options: QueueCallOptions, resyncReason: ResyncReason | undefined, first: boolean): Promise<unknown> {
    if (this.#closedBy) return Promise.reject(this.#closedError());
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const job = newJob(kind, execute, args, options, resyncReason, this.#timers.now() + options.timeout);
    const result = new Promise<unknown>((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    this.#deadlines.add(job.deadline);
    if (signal) {
      job.onAbort = () => this.#abort(job, signal.reason);
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    if (first) this.#waiting.unshift(job);
    else this.#waiting.push(job);
    if (this.#active === undefined && !this.#handingOver && !this.#suspended) this.#startNext();
    return result;
  }

  /** Starts the first waiting job that is still wanted, if the channel may carry it. */
  #startNext(): void {
    while (!this.#suspended) {
      const job = this.#waiting.shift();
      if (!job) break;
      if (job.settled) continue;
      this.#active = job;
      try {
        if (this.#resyncReason !== undefined || job.kind === 'resync') this.#beginResync(job);
        else this.#send(job);
      } catch (error) {
        this.#settle(job, error, true);
      }
      return;
    }
    this.#checkIdle();
  }

  /** The settled job's successor starts here, a microtask after it settled. */
  readonly #next = (): void => {
    this.#handingOver = false;
    if (this.#active === undefined) this.#startNext();
  };

  /** Writes the job's own request; its reply (or its end) comes through {@link #commandEvent}. */
  #send(job: Job): void {
    const { execute, args } = job;
    job.args = undefined;
    let line: string;
    if (job.expectReply) {
      const encoded = this.#encoder.command(execute, args);
      job.replyId = encoded.id;
      line = encoded.line;
    } else {
      // The agent answers this command only on failure: a guest-sync goes with it.
      const encoded = this.#encoder.commandWithProbe(execute, args);
      job.replyId = encoded.id;
      job.probeId = encoded.probeId;
      line = encoded.line;
    }
    job.phase = 'exchange';
    this.#writeLine(job, line).catch((error: unknown) => this.#writeFailed(job, error));
  }

  /** One request line: as text when the transport takes text and the line is short, else as bytes. */
  #writeLine(job: Job, line: string): Promise<void> {
    if (this.#writeText !== undefined && line.length < SHORT_LINE) {
      if (job.bytes) job.bytes.requestBytes = Buffer.byteLength(line);
      return this.#writeText(line);
    }
    const bytes = this.#encoder.bytesOf(line);
    if (job.bytes) job.bytes.requestBytes = bytes.length;
    const written = this.#write(bytes);
    if (this.#encoder.isScratch(bytes)) written.then(this.#encoder.release, this.#encoder.release);
    return written;
  }

  /** What the framer saw while a command is on the wire. */
  #commandEvent(job: Job, event: FramerEvent): void {
    if (event.kind === 'message') {
      const reply = asReply(event.value);
      if (reply) {
        if (job.expectReply) {
          if (reply.id === job.replyId) {
            if (job.bytes) job.bytes.replyBytes = event.bytes;
            if (reply.error) this.#settle(job, commandErrorOf(job.execute, reply), true);
            else this.#settle(job, job.discardResult ? undefined : reply.return, false);
            return;
          }
          if (reply.id === undefined && reply.error) {
            // An id-less error while our request is on the wire is the agent's verdict on
            // that request (it could not parse it: too large, too deep). More such errors
            // may follow, hence the resync.
            this.#needsResync('protocol');
            this.#settle(job, commandErrorOf(job.execute, reply), true);
            return;
          }
        } else if (reply.id === job.replyId && reply.error) {
          this.#settle(job, commandErrorOf(job.execute, reply), true);
          return;
        } else if (reply.return === job.probeId) {
          this.#settle(job, undefined, false);
          return;
        }
      }
      this.#needsResync('unmatched');
      this.#discard(event, reply);
    } else if (event.kind === 'invalid') {
      this.#discard(event);
      this.#needsResync('protocol');
      this.#settle(job, new QgaProtocolError(`${job.execute}: the agent sent a reply that is not valid JSON (${event.error.message})`, { cause: event.error }), true);
    } else if (event.kind === 'oversize') {
      this.#needsResync('protocol');
      this.#settle(job, new QgaProtocolError(`${job.execute}: reply larger than maxReplyBytes (${event.limit} bytes); it is being discarded`), true);
    } else {
      this.#discard(event);
    }
  }

  /**
   * The call being written fails with the write's error (a command that answers only on
   * failure was not taken either); then the owner learns the channel is gone, before the
   * next call is written into it.
   */
  #writeFailed(job: Job, error: unknown): void {
    this.#settle(job, writeFailure(error), true);
    this.#onWriteFailed?.(error);
  }

  /** The channel went away during the job's turn. */
  #channelLost(job: Job, error: QgaConnectionError): void {
    if (job.settled) return;
    // A command that answers only on failure was taken if nothing failed before the loss.
    if (job.phase === 'exchange' && !job.expectReply) this.#settle(job, undefined, false);
    else this.#settle(job, error, true);
  }

  /** 0xFF + guest-sync-delimited before the job; what arrives goes to {@link #resyncEvent}. */
  #beginResync(job: Job): void {
    job.syncReason = this.#resyncReason ?? job.resyncReason ?? 'requested';
    // A resync whose waiting call gave up is taken up again by the next call: one resync.
    this.#resyncStartedAt ??= this.#timers.now();
    const syncId = this.#encoder.nextSyncId();
    job.watch = new ResyncWatch(syncId);
    job.phase = 'resync';
    this.#write(resyncRequest(syncId)).catch((error: unknown) => this.#writeFailed(job, error));
  }

  #resyncEvent(job: Job, event: FramerEvent): void {
    const verdict = job.watch!.judge(event);
    if (verdict === 'synced') {
      // The rest of the chunk is still judged by this resync; the job goes on after it.
      if (!job.synced) void RESOLVED.then(() => this.#resynced(job));
      job.synced = true;
    } else if (verdict === 'stale') {
      this.#discard(event);
    }
  }

  /** The resync before `job` completed: report it, then settle a resync job or send the command. */
  #resynced(job: Job): void {
    job.watch = undefined;
    this.#resyncReason = undefined;
    // The agent answers in order: a reply not in before the sync's never comes.
    this.#late.clear();
    const info: ResyncInfo = { reason: job.syncReason!, bytes: this.#discardedBytes, messages: this.#discardedMessages, duration: this.#timers.now() - this.#resyncStartedAt! };
    this.#resyncStartedAt = undefined;
    this.#discardedBytes = 0;
    this.#discardedMessages = 0;
    this.#onResync?.(info);
    if (job.kind === 'resync') {
      this.#settle(job, undefined, false);
      return;
    }
    if (job.settled) return;
    try {
      this.#send(job);
    } catch (error) {
      this.#settle(job, error, true);
    }
  }

  #dispatch(event: FramerEvent): void {
    const active = this.#active;
    if (active !== undefined && !active.settled) {
      if (active.phase === 'exchange') this.#commandEvent(active, event);
      else this.#resyncEvent(active, event);
      return;
    }
    // Nobody is waiting (or the call on the wire already timed out or was aborted):
    // whatever this is, a late reply or garbage, it is not for anyone.
    if (event.kind === 'oversize') this.#needsResync('protocol');
    else if (event.kind !== 'discarded') this.#needsResync('unmatched');
    this.#discard(event);
  }

  #expire(job: Job): void {
    if (job.settled) return;
    if (this.#active === job) {
      this.#needsResync('timeout');
      // A command that replies only on failure was taken and nothing failed: silence is
      // its expected outcome (e.g. `guest-shutdown` with mode `halt`).
      if (!job.expectReply && job.phase === 'exchange') {
        this.#settle(job, undefined, false);
        return;
      }
    }
    this.#settle(job, new QgaTimeoutError(job.execute, job.timeout, job.phase === 'exchange' ? undefined : this.#notSent(job)), true);
  }

  /** Why a call that timed out was never written: "no reply" would be wrong. */
  #notSent(job: Job): string {
    const { execute } = job;
    const within = `within ${formatMs(job.timeout)} ms`;
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
    const active = this.#active === job;
    // Abandoned on the wire: its reply may still come, and someone wants it.
    if (failed && job.phase === 'exchange' && job.replyId !== undefined && job.onLateReply && active && this.#resyncReason !== undefined) {
      this.#late.remember(job.replyId, job.onLateReply);
    }
    if (job.onAbort) job.signal!.removeEventListener('abort', job.onAbort);
    job.watch = undefined;
    if (active) {
      this.#active = undefined;
      // The next job starts a microtask from now, before the caller's code sees this
      // outcome. With nobody waiting there is nothing to hand over: the next call starts
      // when it is made (a sequential caller's next call, one microtask tick later anyway).
      if (this.#waiting.length > 0) {
        this.#handingOver = true;
        void RESOLVED.then(this.#next);
      }
    }
    if (failed) job.reject(value);
    else job.resolve(value);
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

  #needsResync(reason: ResyncReason): void {
    this.#resyncReason ??= reason;
  }

  /**
   * Something no call takes: its bytes (and whole messages) count towards the next resync's
   * report, and a reply goes to an abandoned call that asked for it. An oversize line is
   * counted once, by the `discarded` event its end or the next 0xFF brings.
   */
  #discard(event: FramerEvent, reply = event.kind === 'message' ? asReply(event.value) : undefined): void {
    if (event.kind === 'oversize') return;
    this.#discardedBytes += event.bytes;
    if (event.kind !== 'discarded') this.#discardedMessages += 1;
    if (reply) this.#late.handOver(reply);
  }
}

/**
 * For running something a microtask later: `RESOLVED.then(fn)` costs a promise reaction,
 * where Node's `queueMicrotask` also builds an AsyncResource and a bound function (4-8x
 * the cost, paid per call).
 */
const RESOLVED: Promise<void> = Promise.resolve();

function writeFailure(error: unknown): QgaConnectionError {
  return error instanceof QgaConnectionError ? error : new QgaConnectionError(`write failed: ${String(error)}`, { cause: error });
}
