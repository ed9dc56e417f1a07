/**
 * Node's floor for an agent call through libvirtd: a bare `net.Socket` that sends the
 * same DOMAIN_AGENT_COMMAND frame the library sends (built once, only its serial patched
 * per call) and waits for the reply with that serial. No XDR or JSON per call, no
 * timeouts, no error handling: what any Node client pays for the socket, the event loop
 * and a promise per call, and nothing more. The libvirt bench prints it beside the
 * library and the C library, so a gap between Node and C is not mistaken for the
 * library's.
 */
import { connect, type Socket } from 'node:net';
import { encodeCall } from '../src/channels/libvirt/frame-writer.js';
import { HEADER_BYTES, MessageStatus, MessageType } from '../src/channels/libvirt/frame-reader.js';
import { AUTH_LIST, CONNECT_CLOSE, CONNECT_OPEN, DOMAIN_AGENT_COMMAND, DOMAIN_LOOKUP_BY_NAME, type Procedure } from '../src/channels/libvirt/procedures.js';
import { XdrReader } from '../src/channels/libvirt/xdr.js';

const SERIAL_AT = 20;

export class LibvirtFloorClient {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #serial = 0;
  #waitFor = -1;
  #done: ((payload: Buffer) => void) | undefined;
  #fail: ((error: Error) => void) | undefined;
  #ping: Buffer | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail?.(error));
    socket.on('close', () => this.#fail?.(new Error('libvirt floor client: connection closed')));
  }

  /** Connects as root on the local socket (AUTH_LIST, CONNECT_OPEN) and looks `domain` up. */
  static async open(domain: string, path = '/var/run/libvirt/libvirt-sock'): Promise<LibvirtFloorClient> {
    const socket = connect({ path });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new LibvirtFloorClient(socket);
    await client.#call(AUTH_LIST, undefined);
    await client.#call(CONNECT_OPEN, { name: 'qemu:///system', flags: 0 });
    const dom = await client.#call(DOMAIN_LOOKUP_BY_NAME, domain);
    client.#ping = encodeCall(DOMAIN_AGENT_COMMAND, { dom, command: '{"execute":"guest-ping"}', timeout: 5 }, 0);
    return client;
  }

  /** One guest-ping: the prebuilt frame under the next serial. */
  ping(): Promise<Buffer> {
    const frame = Buffer.from(this.#ping!);
    frame.writeUInt32BE(this.#nextSerial(), SERIAL_AT);
    return this.#exchange(frame);
  }

  async close(): Promise<void> {
    await this.#call(CONNECT_CLOSE, undefined).catch(() => undefined);
    this.#socket.destroy();
  }

  async #call<Args, Ret>(procedure: Procedure<Args, Ret>, args: Args): Promise<Ret> {
    const payload = await this.#exchange(encodeCall(procedure, args, this.#nextSerial()));
    return procedure.decode(new XdrReader(payload));
  }

  #nextSerial(): number {
    this.#serial += 1;
    return this.#serial;
  }

  #exchange(frame: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#waitFor = frame.readUInt32BE(SERIAL_AT);
      this.#done = resolve;
      this.#fail = reject;
      this.#socket.write(frame);
    });
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readUInt32BE(0)) {
      const length = this.#buffer.readUInt32BE(0);
      const frame = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      if (frame.readInt32BE(16) !== MessageType.REPLY || frame.readUInt32BE(SERIAL_AT) !== this.#waitFor) continue;
      const done = this.#done;
      const fail = this.#fail;
      this.#done = this.#fail = undefined;
      if (frame.readInt32BE(24) !== MessageStatus.OK) fail?.(new Error(`libvirt floor client: call failed (status ${frame.readInt32BE(24)})`));
      else done?.(frame.subarray(HEADER_BYTES));
    }
  }
}
