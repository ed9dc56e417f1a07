/**
 * One agent command through libvirt: the QEMU program's DOMAIN_AGENT_COMMAND (or, for
 * guest-shutdown, the domain's own shutdown/reboot procedures in guest-agent mode), with
 * the call's timeout, abort and reply limit, and the reply decoded as the direct channel
 * decodes it.
 *
 * Timeout: libvirt takes whole seconds, and 0 means "don't wait", which fails at once and
 * usually without sending anything (measured on libvirt 9.0): the call sends ⌈remaining ms / 1000⌉,
 * at least 1, and the call also has the channel's own timer (in-flight.ts), so the caller
 * hears back on time even when libvirt adds its own sync wait (up to 5 s after an earlier
 * timeout).
 *
 * Replies: libvirt returns the agent's whole object re-serialised (`{"return":…}`); it is
 * parsed with the exact-integer codec, so 64-bit values arrive as `bigint` as on the direct
 * channel. Errors come back as libvirt errors and are mapped in errors.ts.
 * @module
 */
import { QgaCommandError, QgaProtocolError, QgaTimeoutError } from '../../errors.js';
import { decodeJson, encodeJson } from '../../protocol/json-codec.js';
import { decodeLongStringLine } from '../../protocol/long-string-line.js';
import type { ChannelCallOptions, ChannelRequest } from '../channel.js';
import { LIBVIRT_MAX_REQUEST_BYTES } from './capabilities.js';
import { agentError, agentGoneOrSilent } from './errors.js';
import { DOMAIN_AGENT_COMMAND, DOMAIN_REBOOT, DOMAIN_SHUTDOWN_FLAGS, REBOOT_GUEST_AGENT, SHUTDOWN_GUEST_AGENT, type RemoteDomain } from './procedures.js';
import type { InFlight } from '../../protocol/in-flight.js';
import { Flight } from './in-flight.js';
import type { CallHandle, RpcConnection } from './rpc-connection.js';

/** Where a command goes and what comes back is accepted. */
export interface AgentTarget {
  /** The connection's current RPC link (a getter: it changes when the connection reopens). */
  readonly rpc: RpcConnection;
  dom: RemoteDomain;
  /** For messages: `libvirt qemu:///system domain vm1`. */
  description: string;
  maxReplyBytes: number;
}

/**
 * For commands the agent answers only on failure, libvirt's wait ends before the call's
 * own, so "the agent went quiet" (the guest suspended) arrives as libvirt's timeout, which
 * means the command was taken, instead of as the call's timeout.
 */
const NO_REPLY_HEADROOM_MS = 500;

/**
 * Carries `request`, which must be answered by `deadline` (`performance.now()` time; the
 * call's `options.timeout` counts from before it queued). The call is abandoned (its late
 * reply dropped, or handed to `onLateReply`) when the deadline passes, the caller aborts,
 * or the channel closes: `inFlight` times it out with the channel's one timer, and there
 * is no AbortController or listener per call unless the caller passed a signal (profiled:
 * EventTarget work was a third of the client's CPU per guest-ping).
 */
export async function carry(target: AgentTarget, request: ChannelRequest, options: ChannelCallOptions, deadline: number, inFlight: InFlight<Flight>): Promise<unknown> {
  const command = request.execute;
  const remaining = deadline - performance.now();
  if (remaining <= 0) throw new QgaTimeoutError(command, options.timeout);
  const { signal } = options;
  signal?.throwIfAborted();
  // Throws only the request-size refusal; libvirt's own failures come through the promise.
  const flight = new Flight(start(target, request, options, remaining), command, options.timeout, deadline);
  const onAbort = signal ? (): void => flight.end(signal.reason) : undefined;
  if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
  inFlight.begin(flight);
  try {
    const reply = await flight.promise;
    return options.expectReply ? returnValue(command, reply as Buffer | undefined, target) : undefined;
  } catch (error) {
    if (flight.abandoned) throw error;
    if (!options.expectReply && agentGoneOrSilent(error)) return undefined;
    throw agentError(error, command, options.timeout, target);
  } finally {
    flight.settled = true;
    inFlight.end(flight);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
  }
}

/** Sends the request: libvirt's shutdown/reboot procedures, or the agent command. */
function start(target: AgentTarget, request: ChannelRequest, options: ChannelCallOptions, remaining: number): CallHandle<unknown> {
  const { rpc, dom } = target;
  const power = powerProcedure(request);
  if (power) {
    // libvirt sends guest-shutdown itself and waits for QEMU's SHUTDOWN/RESET event, so
    // the call ends when the guest really goes down, not with "agent disappeared".
    return rpc.start(power.procedure, { dom, flags: power.flags });
  }
  const command = commandParts(request);
  let size = 0;
  for (const part of command) size += Buffer.byteLength(part, 'utf8');
  if (size > LIBVIRT_MAX_REQUEST_BYTES) {
    throw new QgaProtocolError(
      `${request.execute}: ${target.description}: a request of ${size} bytes is more than libvirt carries safely (${LIBVIRT_MAX_REQUEST_BYTES}; ` +
        'libvirt garbles agent commands longer than one socket write); nothing was sent',
    );
  }
  const seconds = options.expectReply ? Math.ceil(remaining / 1000) : Math.floor((remaining - NO_REPLY_HEADROOM_MS) / 1000);
  const { onLateReply } = options;
  return rpc.start(DOMAIN_AGENT_COMMAND, { dom, command, commandBytes: size, timeout: Math.max(1, seconds) }, onLateReply && ((late) => onLateReply(returnValue(request.execute, late, target))));
}

/** Strings from this length on are checked for being JSON-safe as they are (below). */
const LONG_STRING = 1024;
/** What JSON.stringify would escape in a string (or what is not plain ASCII). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/**
 * The request's JSON text, `{"execute":…,"arguments":{…}}` exactly as encodeJson writes
 * it, in pieces: a long argument string that needs no escaping (guest-file-write's
 * base64, ~175 KB a chunk) is its own piece between quotes, written straight into the
 * message instead of being copied into a larger JSON string first (profiled: that copy
 * and its large-object allocation cost ~1.4 ms a chunk).
 */
export function commandParts(request: ChannelRequest): string[] {
  const head = `{"execute":${JSON.stringify(request.execute)}`;
  const args = request.arguments;
  if (args === undefined) return [`${head}}`];
  const parts = [`${head},"arguments":{`];
  let first = true;
  for (const key of Object.keys(args)) {
    const value = args[key];
    let encoded: string[] | undefined;
    if (typeof value === 'string' && value.length >= LONG_STRING && !NEEDS_ESCAPE.test(value)) encoded = ['"', value, '"'];
    else {
      const text = encodeJson(value) as string | undefined;
      // As JSON.stringify does for members: undefined, functions and symbols are left out.
      if (text !== undefined) encoded = [text];
    }
    if (encoded === undefined) continue;
    parts.push(`${first ? '' : ','}${JSON.stringify(key)}:`, ...encoded);
    first = false;
  }
  parts.push('}}');
  return parts;
}

/** guest-shutdown in powerdown (the default) or reboot mode goes through libvirt's own procedures. */
function powerProcedure(request: ChannelRequest): { procedure: typeof DOMAIN_SHUTDOWN_FLAGS; flags: number } | undefined {
  if (request.execute !== 'guest-shutdown') return undefined;
  const mode = request.arguments?.mode;
  if (mode === undefined || mode === 'powerdown') return { procedure: DOMAIN_SHUTDOWN_FLAGS, flags: SHUTDOWN_GUEST_AGENT };
  if (mode === 'reboot') return { procedure: DOMAIN_REBOOT, flags: REBOOT_GUEST_AGENT };
  return undefined;
}

/** Replies from this size on are parsed around their long string (below). */
const LONG_REPLY = 64 * 1024;

/**
 * A long reply (a 1 MiB guest-file-read is 1.4 MB) is one base64 string in a small object:
 * decoding it whole to UTF-8 and parsing it copies the payload into two fresh large V8
 * strings, ~24 ms of page faults per chunk on this VM (profiled). As on the direct channel,
 * the literal is cut out and only the envelope goes through JSON.parse
 * (long-string-line.ts); the literal is one latin1 decode of the reply's bytes, which Node
 * makes an external string for sizes above ~1 MB (malloc'd memory that is reused, instead
 * of V8's large-object pages). Anything unusual falls back to the ordinary parse.
 */
function parseReply(reply: Buffer): unknown {
  if (reply.length >= LONG_REPLY) {
    const fast = decodeLongStringLine([reply], reply.length);
    if (fast) return fast.value;
  }
  return decodeJson(reply.toString('utf8'));
}

/** The `return` member of libvirt's re-serialised reply, within the reply limit. */
function returnValue(command: string, reply: Buffer | undefined, target: AgentTarget): unknown {
  if (reply === undefined) return undefined;
  if (reply.length > target.maxReplyBytes) {
    throw new QgaProtocolError(`${command}: ${target.description}: the reply of ${reply.length} bytes exceeds maxReplyBytes (${target.maxReplyBytes})`);
  }
  let parsed: unknown;
  try {
    parsed = parseReply(reply);
  } catch (error) {
    throw new QgaProtocolError(`${command}: ${target.description}: libvirt returned a reply that is not JSON`, { cause: error });
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    if (Object.hasOwn(parsed, 'return')) return (parsed as { return: unknown }).return;
    const error = (parsed as { error?: { class?: unknown; desc?: unknown } }).error;
    if (typeof error === 'object' && error !== null) {
      throw new QgaCommandError(command, typeof error.class === 'string' ? error.class : 'GenericError', typeof error.desc === 'string' ? error.desc : JSON.stringify(error));
    }
  }
  throw new QgaProtocolError(`${command}: ${target.description}: libvirt returned a reply without "return"`);
}
