/**
 * The agent's main loop: serve one connection at a time (later ones wait, unread, until
 * it closes), read its bytes 4096 at a time into the one agent-wide {@link RequestReader},
 * dispatch each request in order and write its reply before looking at the next — then
 * bend the reply according to the request's fault, if it has one.
 * @module
 */
import type { AgentConnection, InputSink } from './connection.js';
import { commandOf, type DispatchResult, type Dispatcher } from './dispatch.js';
import type { FaultPlan, ResolvedFault } from './faults.js';
import { writeJson } from './json-writer.js';
import type { Timers } from './timers.js';
import type { SimulatedAgentStats } from './types.js';
import type { RequestReader, WireEvent } from './wire.js';

/** `QGA_READ_COUNT_DEFAULT`: the agent reads and parses at most this much per wake-up. */
const READ_SIZE = 4096;
/** Unprocessed input kept per connection before reading pauses. */
const INPUT_HIGH_WATER = 64 * 1024;
/** Piece size when streaming an oversized reply. */
const STREAM_CHUNK = 1 << 20;

/** Buffers a connection's input, pausing it when the agent falls behind. */
class InputQueue implements InputSink {
  readonly #conn: AgentConnection;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #ended = false;
  #ignoring = false;
  #wake: (() => void) | undefined;

  constructor(conn: AgentConnection) {
    this.#conn = conn;
    conn.attach(this);
  }

  data(chunk: Buffer): void {
    if (this.#ignoring) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#bytes >= INPUT_HIGH_WATER) this.#conn.pause();
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async next(): Promise<Buffer | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    const chunk = this.#chunks.shift() as Buffer;
    this.#bytes -= chunk.length;
    if (this.#bytes < INPUT_HIGH_WATER && !this.#ended) this.#conn.resume();
    return chunk;
  }

  discard(): void {
    this.#chunks = [];
    this.#bytes = 0;
  }

  /**
   * Throw away all input from now on and resolve when the client is gone. Reading goes on
   * (and is discarded) because a socket that is not read never sees the peer's EOF.
   */
  async ignoreUntilEnd(): Promise<void> {
    this.#ignoring = true;
    this.discard();
    this.#conn.resume();
    while (!this.#ended) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/** What the loop needs from the agent. */
export interface AgentLoopDeps {
  readonly reader: RequestReader;
  readonly dispatcher: Dispatcher;
  readonly faults: FaultPlan;
  readonly timers: Timers;
  readonly stats: SimulatedAgentStats;
  readonly log: (message: string) => void;
}

type Outcome = 'stall' | 'closed' | undefined;

/** Serves connections one at a time. */
export class AgentLoop {
  readonly #deps: AgentLoopDeps;
  readonly #waiting: AgentConnection[] = [];
  #active: AgentConnection | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** Stale replies to write after the next reply. */
  #staleAfterReply: Buffer[] = [];
  /** Timed stale replies that fell due while nobody was connected. */
  #staleOrphans: Buffer[] = [];
  /** Every write goes through this chain, so timed stale replies never cut into a reply. */
  #writes: Promise<void> = Promise.resolve();
  readonly #done: Promise<void>;

  constructor(deps: AgentLoopDeps) {
    this.#deps = deps;
    this.#done = this.#run();
  }

  /** Queue a new connection; it is served when those before it have closed. */
  accept(conn: AgentConnection): void {
    if (this.#stopped) {
      conn.destroy();
      return;
    }
    this.#deps.stats.connections++;
    this.#waiting.push(conn);
    this.#wake?.();
  }

  /** Drop the connection being served (the guest went away); the next one is served. */
  dropActive(): void {
    this.#active?.destroy();
  }

  /** Drop every connection and end the loop. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#active?.destroy();
    for (const conn of this.#waiting.splice(0)) conn.destroy();
    this.#wake?.();
    // A user handler that never settles must not make stop() hang.
    await Promise.race([this.#done, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const conn = this.#waiting.shift();
      if (!conn) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      this.#active = conn;
      try {
        await this.#serve(conn);
      } catch (err) {
        this.#deps.log(`internal error, dropping the connection: ${err instanceof Error ? err.stack : String(err)}`);
        conn.destroy();
      }
      this.#active = undefined;
    }
  }

  async #serve(conn: AgentConnection): Promise<void> {
    const input = new InputQueue(conn);
    for (const stale of this.#staleOrphans.splice(0)) await this.#writeReply(conn, stale);
    for (;;) {
      const chunk = await input.next();
      if (chunk === null || this.#stopped) break;
      for (let offset = 0; offset < chunk.length; offset += READ_SIZE) {
        const events: WireEvent[] = [];
        this.#deps.reader.feed(chunk.subarray(offset, offset + READ_SIZE), (event) => events.push(event));
        for (const event of events) {
          if (this.#stopped) return;
          const outcome = await this.#handle(conn, event);
          if (outcome === 'closed') {
            input.discard();
            return;
          }
          if (outcome === 'stall') {
            // Hung: answer nothing more until this client goes away.
            await input.ignoreUntilEnd();
            conn.destroy();
            return;
          }
        }
      }
    }
    conn.end();
  }

  async #handle(conn: AgentConnection, event: WireEvent): Promise<Outcome> {
    const stats = this.#deps.stats;
    if (event.kind === 'error') {
      stats.parseErrors++;
      // Parse errors never carry an id: the request was never understood.
      const line = writeJson({ error: { class: 'GenericError', desc: event.desc } });
      await this.#writeReply(conn, Buffer.from(`${line}\n`, 'latin1'));
      return undefined;
    }
    stats.requests++;
    const command = commandOf(event.value);
    let fault: ResolvedFault | undefined;
    if (command !== undefined) {
      stats.commands[command] = (stats.commands[command] ?? 0) + 1;
      fault = this.#deps.faults.pick(command);
      if (fault) {
        stats.faultsInjected[fault.kind]++;
        this.#deps.log(`fault ${fault.kind} for ${command}`);
      }
    }
    if (fault?.kind === 'stall') return 'stall';
    const result = await this.#deps.dispatcher.dispatch(event.value);
    return this.#reply(conn, result, fault);
  }

  async #reply(conn: AgentConnection, result: DispatchResult, fault: ResolvedFault | undefined): Promise<Outcome> {
    const bytes = result.reply ?? Buffer.alloc(0);
    const timers = this.#deps.timers;
    switch (fault?.kind) {
      case undefined:
        await this.#writeReply(conn, bytes);
        break;
      case 'delay':
        await timers.sleep(fault.ms);
        await this.#writeReply(conn, bytes);
        break;
      case 'drop':
        return undefined;
      case 'duplicate':
        await this.#writeReply(conn, bytes);
        await this.#writeReply(conn, bytes);
        break;
      case 'stale':
        if (bytes.length === 0) return undefined;
        if (fault.afterMs === undefined) this.#staleAfterReply.push(bytes);
        else timers.after(fault.afterMs, () => this.#deliverStale(bytes));
        return undefined;
      case 'garbage':
        await this.#write(conn, fault.bytes);
        if (fault.position === 'before') await this.#writeReply(conn, bytes);
        break;
      case 'split': {
        const size = fault.chunkSize ?? Math.max(1, Math.ceil(bytes.length / 16));
        await this.#chain(async () => {
          for (let at = 0; at < bytes.length; at += size) {
            if (at > 0) await timers.sleep(fault.pauseMs);
            await conn.write(bytes.subarray(at, at + size));
          }
        });
        if (bytes.length > 0) this.#replied(conn);
        break;
      }
      case 'close': {
        const cut = fault.afterBytes ?? Math.floor(bytes.length / 2);
        await this.#chain(async () => {
          if (cut > 0) await conn.write(bytes.subarray(0, Math.min(cut, bytes.length)));
          conn.destroy();
        });
        return 'closed';
      }
      case 'oversize':
        await this.#chain(() => this.#streamOversize(conn, fault.bytes, result.idJson));
        this.#replied(conn);
        break;
      case 'stall':
        return 'stall';
    }
    return undefined;
  }

  /**
   * A valid reply of exactly `size` bytes (when size allows) and its newline, written in
   * 1 MiB pieces. The newline is not counted, as a client's `maxReplyBytes` does not count it.
   */
  async #streamOversize(conn: AgentConnection, size: number, idJson: string | undefined): Promise<void> {
    const head = Buffer.from('{"return": {"padding": "', 'latin1');
    const tail = Buffer.from(`"}${idJson === undefined ? '' : `, "id": ${idJson}`}}\n`, 'latin1');
    let fill = Math.max(0, size + 1 - head.length - tail.length);
    const piece = Buffer.alloc(Math.min(fill, STREAM_CHUNK), 'x');
    await conn.write(head);
    while (fill > 0 && !conn.isClosed) {
      const n = Math.min(fill, piece.length);
      await conn.write(n === piece.length ? piece : piece.subarray(0, n));
      fill -= n;
    }
    await conn.write(tail);
  }

  #deliverStale(bytes: Buffer): void {
    const conn = this.#active;
    if (conn && !conn.isClosed) void this.#writeReply(conn, bytes);
    else this.#staleOrphans.push(bytes);
  }

  /** Write one reply, then any stale replies that were waiting for it. */
  async #writeReply(conn: AgentConnection, bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    await this.#write(conn, bytes);
    this.#replied(conn);
  }

  /** Count a reply written, and release the stale replies that waited for one. */
  #replied(conn: AgentConnection): void {
    this.#deps.stats.replies++;
    const stale = this.#staleAfterReply.splice(0);
    for (const reply of stale) void this.#writeReply(conn, reply);
  }

  #write(conn: AgentConnection, bytes: Buffer): Promise<void> {
    return this.#chain(() => conn.write(bytes));
  }

  #chain(job: () => Promise<void>): Promise<void> {
    const run = this.#writes.then(job);
    this.#writes = run.catch(() => {});
    return run;
  }
}
