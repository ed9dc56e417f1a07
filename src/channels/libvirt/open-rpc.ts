/**
 * Opening one libvirt RPC link, as libvirt's own client does (remote_driver.c
 * doRemoteOpen): dial → AUTH_LIST (mandatory, even for root) → AUTH_POLKIT
 * when offered → ask for keepalive (CONNECT_SUPPORTS_FEATURE 10: libvirtd then PINGs us
 * and we PONG; we PING it when it falls silent) → CONNECT_OPEN. Bounded by the open
 * timeout and the caller's signal; failures are `QgaConnectionError`.
 * @module
 */
import { workSignal } from '../../abortable.js';
import { checkOptions as checkKnownOptions, positive } from '../../check-options.js';
import { QgaConnectionError } from '../../errors.js';
import { authenticate } from './auth.js';
import { dial } from './dial.js';
import { connectError } from './errors.js';
import type { LibvirtConnectionOptions, LibvirtKeepaliveOptions } from './libvirt-connection.js';
import { CONNECT_OPEN, CONNECT_SUPPORTS_FEATURE, Feature } from './procedures.js';
import { RpcConnection } from './rpc-connection.js';
import type { ParsedLibvirtUri } from './uri.js';

const DEFAULT_OPEN_TIMEOUT = 10_000;
const OPTION_KEYS: ReadonlySet<string> = new Set(['uri', 'stream', 'ca', 'cert', 'key', 'timeout', 'keepalive', 'signal']);
const KEEPALIVE_KEYS: ReadonlySet<string> = new Set(['interval', 'count']);
/** libvirt's client defaults (virsh: keepalive_interval 5 s, count 6; the daemon's: 5, 5). */
const DEFAULT_KEEPALIVE = { interval: 5_000, count: 5 };

/** Checks {@link LibvirtConnectionOptions}; throws `TypeError` before anything is opened. */
export function checkOptions(options: LibvirtConnectionOptions): void {
  checkKnownOptions('LibvirtConnection.open', options, OPTION_KEYS);
  const { timeout, keepalive, stream, signal } = options;
  positive('libvirt timeout', timeout, DEFAULT_OPEN_TIMEOUT);
  if (keepalive !== undefined && keepalive !== false) {
    if (typeof keepalive !== 'object' || keepalive === null) throw new TypeError('libvirt keepalive must be false or { interval, count }');
    checkKnownOptions('libvirt keepalive', keepalive, KEEPALIVE_KEYS);
    positive('libvirt keepalive.interval', keepalive.interval, DEFAULT_KEEPALIVE.interval);
    if (keepalive.count !== undefined && !(Number.isInteger(keepalive.count) && keepalive.count > 0)) throw new TypeError('libvirt keepalive.count must be a positive integer');
  }
  if (stream !== undefined && typeof stream !== 'function' && (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function')) {
    throw new TypeError('libvirt stream must be a Duplex or a function returning one');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
}

/** Dial, authenticate, keepalive, CONNECT_OPEN; bounded by the open timeout and the signal. */
export async function openRpc(parsed: ParsedLibvirtUri, options: LibvirtConnectionOptions, signal: AbortSignal | undefined): Promise<RpcConnection> {
  signal?.throwIfAborted();
  const timeout = options.timeout ?? DEFAULT_OPEN_TIMEOUT;
  const description = `libvirt ${parsed.uri}`;
  // One signal and one timer for the whole open (AbortSignal.timeout and .any cost ~20 us
  // each and more per listener; connect time is one of the figures benchmarked).
  const opening = workSignal([signal], timeout, () => new QgaConnectionError(`${description}: no answer from libvirtd within ${timeout} ms`));
  const bounded = opening.signal;
  let rpc: RpcConnection | undefined;
  try {
    const given = options.stream;
    const dialled = given === undefined ? dial(parsed.target, parsed.name, options, bounded) : { stream: typeof given === 'function' ? await given() : given, ready: Promise.resolve() };
    rpc = new RpcConnection(dialled.stream, { description, reuseWriteBuffer: given === undefined });
    // AUTH_LIST goes out with the connect; a failed connect reports itself (ready rejects
    // first, its listener was there before the RPC connection's).
    await Promise.all([dialled.ready, authenticate(rpc, bounded)]);
    const keepalive = options.keepalive === false ? undefined : { ...DEFAULT_KEEPALIVE, ...definedOnly(options.keepalive ?? {}) };
    // Asked together with CONNECT_OPEN, one round trip and one write for both: libvirtd
    // answers the keepalive feature without looking at the connection (daemon/remote.c,
    // remoteDispatchConnectSupportsFeature), so their order does not matter.
    const [supported] = await Promise.all(
      rpc.together((link) => [
        keepalive ? link.call(CONNECT_SUPPORTS_FEATURE, Feature.PROGRAM_KEEPALIVE, { signal: bounded }) : Promise.resolve(undefined),
        link.call(CONNECT_OPEN, { name: parsed.name, flags: 0 }, { signal: bounded }),
      ]),
    );
    if (keepalive && supported === 1) rpc.startKeepalive(keepalive);
    return rpc;
  } catch (error) {
    rpc?.close();
    if (signal?.aborted) throw signal.reason;
    if (bounded.aborted) throw bounded.reason;
    throw connectError(error, { description }, 'opening the connection');
  } finally {
    opening.dispose();
  }
}

function definedOnly(value: LibvirtKeepaliveOptions): { interval?: number; count?: number } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
