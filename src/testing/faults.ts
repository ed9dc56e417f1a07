/**
 * Fault injection: what can go wrong with a reply, chosen per request either from faults a
 * test queued (`agent.injectFault`) or at random with a seeded generator (reproducible:
 * the same seed and the same requests give the same faults). No global state: each agent
 * owns its plan and generator.
 * @module
 */

/**
 * The kinds of fault the simulated agent can inject.
 *
 * @example
 * ```ts
 * const kind: FaultKind = 'drop';
 * agent.injectFault(kind);
 * ```
 */
export type FaultKind = 'delay' | 'drop' | 'duplicate' | 'stale' | 'garbage' | 'split' | 'close' | 'oversize' | 'stall';

/**
 * Every fault kind.
 *
 * @example
 * ```ts
 * for (const kind of FAULT_KINDS) console.log(kind, agent.stats.faultsInjected[kind]);
 * ```
 */
export const FAULT_KINDS: readonly FaultKind[] = ['delay', 'drop', 'duplicate', 'stale', 'garbage', 'split', 'close', 'oversize', 'stall'];

/**
 * Kinds used for random faults when none are given (oversize and stall are opt-in).
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({ faults: { probability: 0.1, kinds: [...DEFAULT_RANDOM_KINDS, 'stall'] } });
 * ```
 */
export const DEFAULT_RANDOM_KINDS: readonly FaultKind[] = ['delay', 'drop', 'duplicate', 'stale', 'garbage', 'split', 'close'];

/**
 * A fault applied to the reply of one request. The command still runs (except for
 * `stall`); only what is written back changes.
 *
 * @example
 * ```ts
 * agent.injectFault({ kind: 'close', afterBytes: 5 });                  // half a reply, then EOF
 * agent.injectFault({ kind: 'garbage', position: 'instead', bytes: '{"ret' });
 * agent.injectFault({ kind: 'stale', afterMs: 50 }, { command: 'guest-sync' });
 * ```
 */
export type Fault =
  /** Hold the reply `ms` (default 100) before writing it; the agent is busy meanwhile. */
  | {
      /** Answer late. */
      kind: 'delay';
      /** How long to hold the reply, in ms. Default 100. */
      ms?: number | undefined;
    }
  /** Write no reply. */
  | {
      /** Never answer this request. */
      kind: 'drop';
    }
  /** Write the reply twice. */
  | {
      /** Answer twice. */
      kind: 'duplicate';
    }
  /**
   * Write the reply later: after the next reply the agent writes, or after `afterMs`. It
   * goes to whichever connection is being served then (like virtio-serial, where a late
   * reply reaches the next client).
   */
  | {
      /** Answer after a later request. */
      kind: 'stale';
      /** Write it after this many ms instead of after the next reply. */
      afterMs?: number | undefined;
    }
  /**
   * Write junk before the reply, or instead of it. Default junk: 16–63 random bytes other
   * than 0xFF and newline, then a newline. Junk always ends a line (a newline is added to
   * `bytes` that lack one), as everything a real agent writes does: the client sees a
   * complete line it cannot parse, and fails that call with `QgaProtocolError`.
   */
  | {
      /** Send junk. */
      kind: 'garbage';
      /** `before` the reply (default) or `instead` of it. */
      position?: 'before' | 'instead' | undefined;
      /** The junk to send (a newline is added when it does not end with one); random bytes when left out. */
      bytes?: string | Uint8Array | undefined;
    }
  /** Write the reply in pieces of `chunkSize` bytes (default: 16 pieces) `pauseMs` apart (default 1). */
  | {
      /** Answer in small writes. */
      kind: 'split';
      /** Bytes per write. Default: the reply's length / 16. */
      chunkSize?: number | undefined;
      /** ms between writes. Default 1. */
      pauseMs?: number | undefined;
    }
  /** Write the first `afterBytes` of the reply (default half), then drop the connection. */
  | {
      /** Hang up mid-reply. */
      kind: 'close';
      /** Bytes of the reply written before hanging up. Default: half of it. */
      afterBytes?: number | undefined;
    }
  /**
   * Instead of the reply, write a valid reply of `bytes` bytes before its newline (default
   * 100 MiB + 1, just over a client's default limit) with the request's id, streamed with
   * backpressure.
   */
  | {
      /** Answer with a huge reply. */
      kind: 'oversize';
      /** Size of that reply in bytes, not counting its newline. Default 100 MiB + 1. */
      bytes?: number | undefined;
    }
  /**
   * Read the request, never run or answer it, and ignore everything else this connection
   * sends; the agent serves the next client once this one closes.
   */
  | {
      /** Go silent on this connection. */
      kind: 'stall';
    };

/**
 * Where `agent.injectFault` applies a fault.
 *
 * @example
 * ```ts
 * agent.injectFault('duplicate', { command: 'guest-exec-status', times: 3 });
 * ```
 */
export interface InjectFaultOptions {
  /** Only requests for this command (default: any request that names a command). */
  command?: string | undefined;
  /** How many matching requests get the fault (default 1; `Infinity` for all). */
  times?: number | undefined;
}

/**
 * Random faults for `SimulatedAgent.start({ faults })`.
 *
 * @example
 * ```ts
 * const agent = await SimulatedAgent.start({
 *   faults: { probability: 0.05, seed: 42, kinds: ['delay', 'drop', { kind: 'garbage', position: 'instead' }] },
 * });
 * ```
 */
export interface RandomFaultOptions {
  /** Chance per request, 0–1. */
  probability: number;
  /** Seed of the generator (default 1). */
  seed?: number | undefined;
  /** Faults to choose from, uniformly (default {@link DEFAULT_RANDOM_KINDS}). */
  kinds?: readonly (FaultKind | Fault)[] | undefined;
  /** Only requests for these commands get random faults (default: all). */
  commands?: readonly string[] | undefined;
}

/** A fault with its defaults filled in. */
export type ResolvedFault =
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'stale'; readonly afterMs: number | undefined }
  | { readonly kind: 'garbage'; readonly position: 'before' | 'instead'; readonly bytes: Buffer }
  | { readonly kind: 'split'; readonly chunkSize: number | undefined; readonly pauseMs: number }
  | { readonly kind: 'close'; readonly afterBytes: number | undefined }
  | { readonly kind: 'oversize'; readonly bytes: number }
  | { readonly kind: 'stall' };

/**
 * mulberry32: a small, fast, seeded generator of floats in [0, 1). The agent uses its own
 * instance; it is exported for tests that want the same kind of reproducible randomness.
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * const delay = Math.floor(random() * 100);
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Junk without a line end would be glued to whatever the agent writes next, and the client
 * would wait for the end of that line instead of seeing garbage: end the line.
 */
function endLine(bytes: Buffer): Buffer {
  return bytes.at(-1) === 0x0a ? bytes : Buffer.concat([bytes, Buffer.of(0x0a)]);
}

function checkNonNegative(value: number | undefined, name: string): void {
  if (value !== undefined && !(value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
}

/** Normalise the shorthand and check the numbers. */
export function toFault(fault: Fault | FaultKind): Fault {
  const f: Fault = typeof fault === 'string' ? ({ kind: fault }) : fault;
  if (!FAULT_KINDS.includes(f.kind)) throw new TypeError(`unknown fault kind '${String(f.kind)}'`);
  if (f.kind === 'delay') checkNonNegative(f.ms, 'delay ms');
  if (f.kind === 'stale') checkNonNegative(f.afterMs, 'stale afterMs');
  if (f.kind === 'split') {
    checkNonNegative(f.pauseMs, 'split pauseMs');
    if (f.chunkSize !== undefined && !(f.chunkSize >= 1)) throw new RangeError('split chunkSize must be at least 1');
  }
  if (f.kind === 'close') checkNonNegative(f.afterBytes, 'close afterBytes');
  if (f.kind === 'oversize') checkNonNegative(f.bytes, 'oversize bytes');
  return f;
}

interface Queued {
  readonly fault: Fault;
  readonly command: string | undefined;
  remaining: number;
}

/** Decides which fault, if any, each request gets. */
export class FaultPlan {
  readonly #queue: Queued[] = [];
  readonly #random: () => number;
  readonly #probability: number;
  readonly #kinds: readonly Fault[];
  readonly #commands: ReadonlySet<string> | undefined;

  constructor(options?: RandomFaultOptions) {
    const probability = options?.probability ?? 0;
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`faults.probability must be within 0..1, got ${probability}`);
    this.#probability = probability;
    this.#random = mulberry32(options?.seed ?? 1);
    this.#kinds = (options?.kinds ?? DEFAULT_RANDOM_KINDS).map(toFault);
    if (this.#kinds.length === 0) throw new RangeError('faults.kinds must not be empty');
    this.#commands = options?.commands ? new Set(options.commands) : undefined;
  }

  /** The plan's generator, also used for random garbage. */
  random(): number {
    return this.#random();
  }

  inject(fault: Fault | FaultKind, options: InjectFaultOptions = {}): void {
    const times = options.times ?? 1;
    if (!(times >= 1)) throw new RangeError(`times must be at least 1, got ${times}`);
    this.#queue.push({ fault: toFault(fault), command: options.command, remaining: times });
  }

  clear(): void {
    this.#queue.length = 0;
  }

  /** The fault for a request for `command`: a queued one first, else maybe a random one. */
  pick(command: string): ResolvedFault | undefined {
    const index = this.#queue.findIndex((q) => q.command === undefined || q.command === command);
    const queued = this.#queue[index];
    if (queued) {
      if (--queued.remaining <= 0) this.#queue.splice(index, 1);
      return this.#resolve(queued.fault);
    }
    if (this.#probability === 0 || (this.#commands && !this.#commands.has(command))) return undefined;
    if (this.#random() >= this.#probability) return undefined;
    const fault = this.#kinds[Math.floor(this.#random() * this.#kinds.length)];
    return fault && this.#resolve(fault);
  }

  #resolve(fault: Fault): ResolvedFault {
    switch (fault.kind) {
      case 'delay':
        return { kind: 'delay', ms: fault.ms ?? 100 };
      case 'stale':
        return { kind: 'stale', afterMs: fault.afterMs };
      case 'garbage': {
        const bytes = fault.bytes === undefined ? this.#junk() : endLine(Buffer.from(fault.bytes));
        return { kind: 'garbage', position: fault.position ?? 'before', bytes };
      }
      case 'split':
        return { kind: 'split', chunkSize: fault.chunkSize, pauseMs: fault.pauseMs ?? 1 };
      case 'close':
        return { kind: 'close', afterBytes: fault.afterBytes };
      case 'oversize':
        return { kind: 'oversize', bytes: fault.bytes ?? (100 << 20) + 1 };
      default:
        return fault;
    }
  }

  /** Random bytes that are neither 0xFF nor a newline, ending the line. */
  #junk(): Buffer {
    const length = 16 + Math.floor(this.#random() * 48);
    const bytes = Buffer.alloc(length + 1);
    for (let i = 0; i < length; i++) {
      let b = Math.floor(this.#random() * 255); // 0..254: never 0xFF
      if (b === 0x0a) b = 0x2a;
      bytes[i] = b;
    }
    bytes[length] = 0x0a;
    return bytes;
  }
}
