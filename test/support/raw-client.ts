/**
 * A bare node:net client for talking to the simulated agent byte by byte, so the agent's
 * own tests depend on nothing but the agent.
 */
import net from 'node:net';
import { afterEach } from 'vitest';
import type { SimulatedAgent } from '../../src/testing/index.js';

/** A parsed reply; tests look into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test data of any shape
export type Json = any;

export class RawClient {
  readonly socket: net.Socket;
  #chunks: Buffer[] = [];
  #length = 0;
  #newlines = 0;
  #joined: Buffer | undefined;
  #waiters = new Set<() => void>();
  readonly closed: Promise<void>;
  ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      this.#newlines += countNewlines(chunk);
      this.#joined = undefined;
      for (const w of this.#waiters) w();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        for (const w of this.#waiters) w();
        resolve();
      }),
    );
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Everything received so far. */
  get received(): Buffer {
    this.#joined ??= Buffer.concat(this.#chunks, this.#length);
    return this.#joined;
  }

  /** Bytes received so far. */
  get length(): number {
    return this.#length;
  }

  /** Everything received so far as latin1 text (0xFF shows as \xff). */
  get text(): string {
    return this.received.toString('latin1');
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send one request object as a JSON line. */
  request(obj: unknown): void {
    this.send(`${JSON.stringify(obj)}\n`);
  }

  /** Wait until `done(received)` holds (or the socket closed), failing after `timeout` ms. */
  async waitFor(done: (client: RawClient) => boolean, timeout = 3000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!done(this)) {
      if (this.ended) throw new Error(`socket closed; received ${JSON.stringify(this.text.slice(0, 500))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(this.text.slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        const wake = (): void => {
          clearTimeout(t);
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
  }

  /** Wait for `n` complete lines in total; returns all complete lines (latin1). */
  async lines(n: number, timeout?: number): Promise<string[]> {
    await this.waitFor(() => this.#newlines >= n, timeout);
    return this.text.split('\n').slice(0, -1);
  }

  /** Send a request and return the parsed next reply line. */
  call(obj: unknown, timeout?: number): Promise<Json> {
    return this.callRaw(`${JSON.stringify(obj)}\n`, timeout);
  }

  /** Send raw request text and return the parsed next reply line. */
  async callRaw(text: string, timeout?: number): Promise<Json> {
    const before = this.#newlines;
    this.send(text);
    await this.lines(before + 1, timeout);
    return JSON.parse(this.line(before).replace(/^\xff/, ''));
  }

  /** Line `index` (0-based) of what was received, without its newline. */
  line(index: number): string {
    const text = this.text;
    let start = 0;
    for (let i = 0; i < index; i++) start = text.indexOf('\n', start) + 1;
    return text.slice(start, text.indexOf('\n', start));
  }

  /** Resolves true if nothing more arrives within `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    const size = this.#length;
    await new Promise((r) => setTimeout(r, ms));
    return this.#length === size;
  }

  async close(): Promise<void> {
    this.socket.end();
    this.socket.destroy();
    await this.closed;
  }
}

export function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** The simulated agent a test started and the raw clients it opened to it. */
export interface SimulatedAgentUnderTest {
  /** Assigned by the test when it starts one. */
  agent: SimulatedAgent | undefined;
  /** What `connect` opened; a test that closes a client itself may take it out. */
  readonly clients: RawClient[];
  /** A raw client to `agent`, closed after the test. */
  connect(): Promise<RawClient>;
}

/**
 * Closes, after every test of the file, the clients the test connected and stops the agent
 * it started, so no socket or temp directory outlives its test; the agent is then forgotten
 * so a test that starts none stops nothing twice.
 */
export function useSimulatedAgent(): SimulatedAgentUnderTest {
  const simulated: SimulatedAgentUnderTest = {
    agent: undefined,
    clients: [],
    async connect() {
      const c = await RawClient.connect(simulated.agent!.path);
      simulated.clients.push(c);
      return c;
    },
  };
  afterEach(async () => {
    await Promise.all(simulated.clients.splice(0).map((c) => c.close()));
    await simulated.agent?.stop();
    simulated.agent = undefined;
  });
  return simulated;
}
