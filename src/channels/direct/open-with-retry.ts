import { pause as wait, workSignal } from '../../abortable.js';
import { QgaConnectionError, QgaError, QgaTimeoutError } from '../../errors.js';
import { formatMs } from '../../format-ms.js';
import type { ResyncReason } from '../../protocol/request-queue.js';
import type { Transport, TransportHandlers } from '../../transport/transport.js';
import type { ChannelOptions } from '../channel.js';

export interface OpenChannelSteps {
  transport: Transport;
  options: ChannelOptions;
  signal: AbortSignal | undefined;
  /** Fresh handlers (and a fresh queue behind them) for each opening of the channel. */
  attach(): TransportHandlers & { isOpen(): boolean };
  resync(timeout: number, signal: AbortSignal | undefined, reason: ResyncReason): Promise<void>;
}

/**
 * Resync attempts while waiting for a booting guest start short and grow: an agent that
 * has just come up answers quickly, a slow TCG guest may need seconds per answer.
 */
const FIRST_ATTEMPT_MS = 250;
const MAX_ATTEMPT_MS = 2_000;
/**
 * Pauses after an attempt that failed fast (nothing listening, or a socket that accepts
 * and closes at once, as a proxy or ssh tunnel does when its far end is down). They grow,
 * as `reconnect`'s attempts are spaced out: retrying at once would spin the process and
 * starve its timers, since a failure that fast never waits for the event loop.
 */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

/**
 * Opens the channel and completes the first resynchronisation. With `waitForAgent`,
 * keeps trying until that many ms passed (the whole budget; `connectTimeout` then bounds
 * each attempt): the socket may not exist yet (the VM is starting), may refuse
 * connections (a restarting agent), may accept and drop them (a tunnel whose far end is
 * down), or may accept bytes that no agent reads yet (virtio-serial while the guest boots;
 * those bytes are answered once the agent starts, so the channel is kept open and only
 * the sync is repeated). Without it, one attempt within `connectTimeout`.
 * Returns the number of channel openings it took.
 */
export async function openWithRetry(steps: OpenChannelSteps): Promise<number> {
  const { transport, options, signal } = steps;
  const started = performance.now();
  const waiting = options.waitForAgent > 0;
  const budget = waiting ? options.waitForAgent : options.connectTimeout;
  const remaining = (): number => budget - (performance.now() - started);
  /** One attempt may take this long: the rest of the budget, and never more than connectTimeout. */
  const attemptLimit = (): number => Math.max(1, Math.min(remaining(), options.connectTimeout));
  let openings = 0;
  let syncs = 0;
  let attemptTimeout = FIRST_ATTEMPT_MS;
  let pause = FIRST_PAUSE_MS;
  let lastError: unknown;
  let handlers: ReturnType<OpenChannelSteps['attach']> | undefined;
  const backOff = async (): Promise<void> => {
    const ms = Math.min(pause, Math.max(0, remaining()));
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
    await wait(ms, signal);
  };

  while (remaining() > 0) {
    signal?.throwIfAborted();
    if (!handlers?.isOpen()) {
      handlers = steps.attach();
      openings += 1;
      try {
        await openTransport(transport, handlers, attemptLimit(), signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        lastError = error;
        handlers = undefined;
        if (!waiting) break;
        await backOff();
        continue;
      }
    }
    try {
      const attempt = waiting ? Math.min(attemptTimeout, attemptLimit()) : attemptLimit();
      attemptTimeout = Math.min(attemptTimeout * 2, MAX_ATTEMPT_MS);
      syncs += 1;
      await steps.resync(attempt, signal, 'connect');
      return openings;
    } catch (error) {
      if (signal?.aborted) {
        await transport.close();
        throw signal.reason;
      }
      lastError = error;
      if (!waiting) break;
      // A sync that timed out has waited already, and the channel stays open (a booting
      // guest answers what it finds there). Anything else means the channel failed: open
      // a fresh one, after a pause.
      if (!(error instanceof QgaTimeoutError)) {
        await transport.close();
        handlers = undefined;
        await backOff();
      }
    }
  }
  await transport.close();
  throw failure(transport.description, budget, lastError, waiting ? { openings, syncs } : undefined);
}

/**
 * Opens `transport` within `ms`, or until `signal` aborts. A transport that opens at once
 * (a unix socket) gets no timer: only the caller's signal.
 */
export async function openTransport(transport: Transport, handlers: TransportHandlers, ms: number, signal?: AbortSignal): Promise<void> {
  const bounded = transport.opensAtOnce === true ? undefined : workSignal([signal], Math.ceil(ms));
  try {
    await transport.open(handlers, bounded ? bounded.signal : signal);
  } finally {
    bounded?.dispose();
  }
}

/** The final error; after waiting for the agent it also says what was tried. */
function failure(description: string, budget: number, error: unknown, tried: { openings: number; syncs: number } | undefined): QgaConnectionError {
  const what = tried
    ? ` (waited ${formatMs(budget)} ms: ${tried.openings} channel opening${tried.openings === 1 ? '' : 's'}, ${tried.syncs} sync attempt${tried.syncs === 1 ? '' : 's'})`
    : '';
  if (error instanceof QgaTimeoutError || error === undefined || (error instanceof Error && error.name === 'TimeoutError')) {
    return new QgaConnectionError(
      `${description}: the agent did not answer within ${formatMs(budget)} ms${what}. Is qemu-ga running in the guest? ` +
        'Another client may hold the channel: an agent serves one client at a time.',
      error === undefined ? undefined : { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  if (!tried && error instanceof QgaConnectionError) return error;
  return new QgaConnectionError(`${what ? `${description}: gave up${what}; last error: ` : ''}${error instanceof QgaError ? '' : `${description}: `}${reason}`, {
    cause: error,
  });
}
