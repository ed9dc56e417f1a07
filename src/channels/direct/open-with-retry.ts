import { setTimeout as sleep } from 'node:timers/promises';
import { QgaConnectionError, QgaError, QgaTimeoutError } from '../../errors.js';
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
const REOPEN_DELAY_MS = 50;

/**
 * Opens the channel and completes the first resynchronisation. With `waitForAgent`,
 * keeps trying until that many ms passed: the socket may not exist yet (the VM is
 * starting), may refuse connections (a restarting agent), or may accept bytes that no
 * agent reads yet (virtio-serial while the guest boots; those bytes are answered once the
 * agent starts, so the channel is kept open and only the sync is repeated).
 * Returns the number of channel openings it took.
 */
export async function openWithRetry(steps: OpenChannelSteps): Promise<number> {
  const { transport, options, signal } = steps;
  const started = performance.now();
  const waiting = options.waitForAgent > 0;
  const budget = waiting ? Math.max(options.waitForAgent, options.connectTimeout) : options.connectTimeout;
  const remaining = (): number => budget - (performance.now() - started);
  let openings = 0;
  let syncs = 0;
  let attemptTimeout = FIRST_ATTEMPT_MS;
  let lastError: unknown;
  let handlers: ReturnType<OpenChannelSteps['attach']> | undefined;

  while (remaining() > 0) {
    signal?.throwIfAborted();
    if (!handlers?.isOpen()) {
      handlers = steps.attach();
      openings += 1;
      try {
        const openSignal = anySignal(signal, AbortSignal.timeout(Math.max(1, Math.ceil(remaining()))));
        await transport.open(handlers, openSignal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        lastError = error;
        handlers = undefined;
        if (!waiting) break;
        await sleep(Math.min(REOPEN_DELAY_MS, Math.max(0, remaining())), undefined, signal ? { signal } : undefined);
        continue;
      }
    }
    try {
      const attempt = waiting ? Math.min(attemptTimeout, remaining()) : remaining();
      attemptTimeout = Math.min(attemptTimeout * 2, MAX_ATTEMPT_MS);
      syncs += 1;
      await steps.resync(Math.max(1, attempt), signal, 'connect');
      return openings;
    } catch (error) {
      if (signal?.aborted) {
        await transport.close();
        throw signal.reason;
      }
      lastError = error;
      if (!waiting) break;
    }
  }
  await transport.close();
  throw failure(transport.description, budget, lastError, waiting ? { openings, syncs } : undefined);
}

/** The final error; after waiting for the agent it also says what was tried. */
function failure(description: string, budget: number, error: unknown, tried: { openings: number; syncs: number } | undefined): QgaConnectionError {
  const what = tried
    ? ` (waited ${budget} ms: ${tried.openings} channel opening${tried.openings === 1 ? '' : 's'}, ${tried.syncs} sync attempt${tried.syncs === 1 ? '' : 's'})`
    : '';
  if (error instanceof QgaTimeoutError || error === undefined || (error instanceof Error && error.name === 'TimeoutError')) {
    return new QgaConnectionError(
      `${description}: the agent did not answer within ${budget} ms${what}. Is qemu-ga running in the guest? ` +
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

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
