/**
 * Builds whole libvirt RPC messages: the length word, the 24-byte header and the XDR
 * payload, in one buffer (the header is reserved first and filled in last, so a 190 KB
 * agent command is copied once).
 * @module
 */
import { HEADER_BYTES, MessageStatus, MessageType } from './frame-reader.js';
import { PROTOCOL_VERSION, type Procedure } from './procedures.js';
import { XdrWriter } from './xdr.js';

function finish(writer: XdrWriter, program: number, proc: number, type: number, serial: number, status: number): Buffer {
  writer.patchUint(0, writer.length);
  writer.patchUint(4, program);
  writer.patchUint(8, PROTOCOL_VERSION);
  writer.patchUint(12, proc);
  writer.patchUint(16, type);
  writer.patchUint(20, serial);
  writer.patchUint(24, status);
  return writer.finish();
}

/**
 * A CALL of `procedure` with `args` under `serial`, written into `scratch` when it fits
 * (then the result is a view of it). Throws `RangeError` for args XDR cannot hold.
 */
export function encodeCall<Args>(procedure: Procedure<Args, unknown>, args: Args, serial: number, scratch?: Buffer): Buffer {
  const writer = new XdrWriter(HEADER_BYTES, 256, scratch);
  procedure.encode(writer, args);
  return finish(writer, procedure.program, procedure.proc, MessageType.CALL, serial, MessageStatus.OK);
}

/**
 * Any message, its payload written by `body` (none by default): for MESSAGEs such as the
 * keepalive PING and PONG (serial 0, empty), and for tests that play the server.
 */
export function encodeMessage(
  header: { program: number; proc: number; type: number; serial: number; status?: number | undefined },
  body?: (writer: XdrWriter) => void,
): Buffer {
  const writer = new XdrWriter(HEADER_BYTES, body ? 256 : HEADER_BYTES);
  body?.(writer);
  return finish(writer, header.program, header.proc, header.type, header.serial, header.status ?? MessageStatus.OK);
}
