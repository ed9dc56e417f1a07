/**
 * Traces and metrics for a fleet from qga-client's `node:diagnostics_channel` channels,
 * without adding a dependency: spans per call, a duration histogram and error and resync
 * counters. The sinks below are shaped like OpenTelemetry's API (`tracer.startSpan`,
 * `span.setAttribute`, `span.end`, `histogram.record`, `counter.add`), so the real
 * `@opentelemetry/api` objects drop in where the in-memory ones are.
 *
 *   npx tsx examples/telemetry.ts          # 10 simulated guests, one of them hanging
 */
import diagnostics from 'node:diagnostics_channel';
import { QGA_DIAGNOSTICS_CHANNELS, QgaPool, type QgaRequestEndMessage, type QgaRequestErrorMessage, type QgaRequestStartMessage, type QgaResyncMessage } from '../src/index.js';
import { SimulatedAgent } from '../src/testing/index.js';
import { fail, isMain } from './connect.js';

/** The part of an OpenTelemetry `Span` used here. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
/** The part of an OpenTelemetry `Tracer`, `Histogram` and `Counter` used here. */
export interface TelemetrySinks {
  tracer: { startSpan(name: string, options?: { attributes?: Record<string, string | number> }): SpanLike };
  callDuration: { record(value: number, attributes?: Record<string, string>): void };
  callErrors: { add(value: number, attributes?: Record<string, string>): void };
  resyncs: { add(value: number, attributes?: Record<string, string>): void };
}

/** OpenTelemetry's SpanStatusCode.ERROR. */
const SPAN_ERROR = 2;

/**
 * Subscribes the sinks to every client's calls; returns the function that unsubscribes.
 * A call's start and end messages are the same object, so its span is found again by it.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * const meter = metrics.getMeter('qga');
 * const stop = instrumentQga({
 *   tracer: trace.getTracer('qga'),
 *   callDuration: meter.createHistogram('qga.call.duration', { unit: 'ms' }),
 *   callErrors: meter.createCounter('qga.call.errors'),
 *   resyncs: meter.createCounter('qga.resyncs'),
 * });
 * ```
 */
export function instrumentQga(sinks: TelemetrySinks): () => void {
  const spans = new WeakMap<object, SpanLike>();
  const onStart = (message: unknown): void => {
    const { command, channel, target } = message as QgaRequestStartMessage;
    spans.set(message as object, sinks.tracer.startSpan(`qga ${command}`, { attributes: { 'qga.command': command, 'qga.channel': channel, 'qga.target': target } }));
  };
  const onEnd = (message: unknown): void => {
    const { command, channel, duration, requestBytes, replyBytes } = message as QgaRequestEndMessage;
    sinks.callDuration.record(duration, { command, channel, outcome: 'ok' });
    const span = spans.get(message as object);
    if (replyBytes !== undefined) span?.setAttribute('qga.reply_bytes', replyBytes);
    if (requestBytes !== undefined) span?.setAttribute('qga.request_bytes', requestBytes);
    span?.end();
  };
  const onError = (message: unknown): void => {
    const { command, channel, duration, error } = message as QgaRequestErrorMessage;
    const code = (error as { code?: string } | null)?.code ?? 'ERROR';
    sinks.callDuration.record(duration, { command, channel, outcome: 'error' });
    sinks.callErrors.add(1, { command, channel, code });
    const span = spans.get(message as object);
    span?.setStatus({ code: SPAN_ERROR, message: code });
    span?.end();
  };
  const onResync = (message: unknown): void => {
    const { reason, channel } = message as QgaResyncMessage;
    sinks.resyncs.add(1, { reason, channel });
  };
  const subscriptions: [string, (message: unknown) => void][] = [
    [QGA_DIAGNOSTICS_CHANNELS.requestStart, onStart],
    [QGA_DIAGNOSTICS_CHANNELS.requestEnd, onEnd],
    [QGA_DIAGNOSTICS_CHANNELS.requestError, onError],
    [QGA_DIAGNOSTICS_CHANNELS.resync, onResync],
  ];
  for (const [name, listener] of subscriptions) diagnostics.subscribe(name, listener);
  return () => {
    for (const [name, listener] of subscriptions) diagnostics.unsubscribe(name, listener);
  };
}

/** In-memory sinks for this example and for tests: finished spans and summed metrics. */
export function memorySinks(): TelemetrySinks & { spans: { name: string; attributes: Record<string, string | number | boolean>; error?: string | undefined }[]; durations: number[]; errors: Map<string, number>; resyncCount: () => number } {
  const spans: { name: string; attributes: Record<string, string | number | boolean>; error?: string | undefined }[] = [];
  const durations: number[] = [];
  const errors = new Map<string, number>();
  let resyncs = 0;
  return {
    spans,
    durations,
    errors,
    resyncCount: () => resyncs,
    tracer: {
      startSpan(name, options) {
        const span: { name: string; attributes: Record<string, string | number | boolean>; error?: string | undefined } = { name, attributes: { ...options?.attributes } };
        return {
          setAttribute: (key, value) => (span.attributes[key] = value),
          setStatus: (status) => (span.error = status.message),
          end: () => void spans.push(span),
        };
      },
    },
    callDuration: { record: (value) => void durations.push(value) },
    callErrors: { add: (value, attributes) => void errors.set(attributes?.['code'] ?? '?', (errors.get(attributes?.['code'] ?? '?') ?? 0) + value) },
    resyncs: { add: (value) => void (resyncs += value) },
  };
}

if (isMain(import.meta.url)) {
  const agents: SimulatedAgent[] = [];
  const sinks = memorySinks();
  const stop = instrumentQga(sinks);
  try {
    for (let i = 0; i < 10; i++) agents.push(await SimulatedAgent.start({ hostName: `vm-${i}` }));
    agents[3]!.injectFault('drop', { command: 'guest-get-osinfo', times: Infinity });
    await using pool = new QgaPool({ defaults: { timeout: 500 } });
    agents.forEach((agent, i) => pool.add(`vm-${i}`, { path: agent.path }));
    await pool.each(pool.ids(), async (client) => {
      await client.ping();
      return client.guestGetOsinfo();
    });
    const sorted = [...sinks.durations].sort((a, b) => a - b);
    console.log(`${sinks.spans.length} spans, e.g. ${JSON.stringify(sinks.spans[0])}`);
    console.log(`call duration p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`);
    console.log(`errors by code: ${JSON.stringify(Object.fromEntries(sinks.errors))}; resyncs: ${sinks.resyncCount()}`);
  } catch (error) {
    fail(error);
  } finally {
    stop();
    await Promise.all(agents.map((a) => a.stop()));
  }
}
