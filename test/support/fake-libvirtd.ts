/**
 * A simulated libvirtd on a unix socket, for the faults a real one will not produce on
 * demand: malformed frames, replies under the wrong program or serial, truncated XDR,
 * silence towards keepalive PINGs, oversized replies. Everything the channel's behaviour
 * against a real daemon depends on is tested against the real libvirtd (the `libvirt`
 * test project); this stands in only where a fault must be injected.
 *
 * By default it answers like libvirtd 9.0 as root: AUTH_LIST [0], features supported,
 * CONNECT_OPEN, lookups of any domain, `{"return":{}}` to agent commands, PONG to PINGs.
 * `on(proc, handler)` overrides one procedure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FrameReader, MessageType, type FrameHeader } from '../../src/channels/libvirt/frame-reader.js';
import { encodeMessage } from '../../src/channels/libvirt/frame-writer.js';
import { KeepaliveProc, Program, REMOTE_STRING_MAX, writeDomain } from '../../src/channels/libvirt/procedures.js';
import { XdrReader, type XdrWriter } from '../../src/channels/libvirt/xdr.js';

export interface FakeCall {
  header: FrameHeader;
  args: XdrReader;
  socket: Socket;
  /** The agent command's JSON, for QEMU proc 3. */
  command?: string;
  /** The agent command's timeout in seconds, for QEMU proc 3. */
  timeout?: number;
}

/** What to answer: a result body, a libvirt error, raw bytes, or nothing at all. */
export type FakeAnswer =
  | { ok: (writer: XdrWriter) => void }
  | { error: { code: number; domain: number; message: string } }
  | { raw: Buffer }
  | 'silent';

export type FakeHandler = (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>;

const key = (program: number, proc: number) => `${program}/${proc}`;

export const agentReply = (json: string): FakeAnswer => ({ ok: (w) => w.optional(json, (ww, s) => ww.string(s, REMOTE_STRING_MAX)) });
export const remoteError = (code: number, domain: number, message: string): FakeAnswer => ({ error: { code, domain, message } });

export class FakeLibvirtd {
  readonly path: string;
  readonly calls: FakeCall[] = [];
  readonly sockets = new Set<Socket>();
  /** Keepalive PINGs received from clients. */
  pings = 0;
  /** Keepalive PONGs received from clients (answers to the daemon's PINGs). */
  pongs = 0;
  /** Answer the clients' PINGs (switch off to simulate a frozen daemon). */
  answerPings = true;
  readonly #server: Server;
  readonly #dir: string;
  readonly #handlers = new Map<string, FakeHandler>();

  private constructor(server: Server, dir: string, socketPath: string) {
    this.#server = server;
    this.#dir = dir;
    this.path = socketPath;
    this.on(Program.REMOTE, 66, () => ({ ok: (w) => w.array([0], 20, (ww, v) => ww.int(v)) }));
    this.on(Program.REMOTE, 60, () => ({ ok: (w) => w.int(1) }));
    this.on(Program.REMOTE, 1, () => ({ ok: () => undefined }));
    this.on(Program.REMOTE, 2, () => ({ ok: () => undefined }));
    this.on(Program.REMOTE, 23, (call) => {
      const name = call.args.string(REMOTE_STRING_MAX);
      return { ok: (w) => writeDomain(w, { name, uuid: Buffer.alloc(16, 0x11), id: 1 }) };
    });
    this.on(Program.REMOTE, 316, () => ({ ok: (w) => w.int(1) }));
    this.on(Program.REMOTE, 317, () => ({ ok: () => undefined }));
    this.on(Program.QEMU, 3, () => agentReply('{"return":{}}'));
  }

  /** The URI that reaches this daemon. */
  get uri(): string {
    return `qemu:///system?socket=${this.path}`;
  }

  static async start(): Promise<FakeLibvirtd> {
    // Unix socket paths must stay short (~100 bytes): a fresh directory under the temp dir.
    const dir = await mkdtemp(path.join(tmpdir(), 'qga-lv-'));
    const socketPath = path.join(dir, 'libvirt-sock');
    const holder: { daemon?: FakeLibvirtd } = {};
    const server = createServer((socket) => holder.daemon?.accept(socket));
    const daemon = new FakeLibvirtd(server, dir, socketPath);
    holder.daemon = daemon;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    return daemon;
  }

  on(program: number, proc: number, handler: FakeHandler): this {
    this.#handlers.set(key(program, proc), handler);
    return this;
  }

  /** Calls of one procedure received so far. */
  callsOf(program: number, proc: number): FakeCall[] {
    return this.calls.filter((c) => c.header.prog === program && c.header.proc === proc);
  }

  /** Sends bytes to every connected client. */
  broadcast(bytes: Buffer): void {
    for (const socket of this.sockets) socket.write(bytes);
  }

  /** Sends a server MESSAGE (an event) to every client. */
  event(program: number, proc: number, body: (writer: XdrWriter) => void): void {
    this.broadcast(encodeMessage({ program, proc, type: MessageType.MESSAGE, serial: 1 }, body));
  }

  /** Sends a keepalive PING to every client. */
  ping(): void {
    this.broadcast(encodeMessage({ program: Program.KEEPALIVE, proc: KeepaliveProc.PING, type: MessageType.MESSAGE, serial: 0 }));
  }

  /** Drops every client connection, as a restarting daemon does. */
  dropClients(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader({
      onFrame: (header, payload) => void this.#handle(socket, header, Buffer.from(payload)),
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  async #handle(socket: Socket, header: FrameHeader, payload: Buffer): Promise<void> {
    if (header.prog === Program.KEEPALIVE) {
      if (header.proc === KeepaliveProc.PONG) this.pongs += 1;
      if (header.proc === KeepaliveProc.PING) {
        this.pings += 1;
        if (this.answerPings) socket.write(encodeMessage({ program: Program.KEEPALIVE, proc: KeepaliveProc.PONG, type: MessageType.MESSAGE, serial: 0 }));
      }
      return;
    }
    const call: FakeCall = { header, args: new XdrReader(payload), socket };
    if (header.prog === Program.QEMU && header.proc === 3) {
      const peek = new XdrReader(payload);
      peek.string(REMOTE_STRING_MAX);
      peek.opaque(16);
      peek.int();
      call.command = peek.string(REMOTE_STRING_MAX);
      call.timeout = peek.int();
    }
    this.calls.push(call);
    const handler = this.#handlers.get(key(header.prog, header.proc));
    const answer: FakeAnswer = handler ? await handler(call) : remoteError(3, 0, `this function is not supported by the fake: ${header.proc}`);
    if (answer === 'silent' || socket.destroyed) return;
    if ('raw' in answer) {
      socket.write(answer.raw);
      return;
    }
    const reply = { program: header.prog, proc: header.proc, type: MessageType.REPLY, serial: header.serial };
    if ('ok' in answer) {
      socket.write(encodeMessage(reply, answer.ok));
      return;
    }
    const { code, domain, message } = answer.error;
    socket.write(
      encodeMessage({ ...reply, status: 1 }, (w) => {
        w.int(code).int(domain).optional(message, (ww, m) => ww.string(m, REMOTE_STRING_MAX)).int(2);
        w.uint(0); // dom
        w.optional(message, (ww, m) => ww.string(m, REMOTE_STRING_MAX)).uint(0).uint(0);
        w.int(-1).int(-1).uint(0); // int1, int2, net
      }),
    );
  }
}
