/**
 * Proxmox byte strings ↔ bytes (qemu-server `PVE/API2/Qemu/Agent.pm`, pve-http-server's UTF-8 JSON).
 *
 * pvedaemon decodes every request parameter from UTF-8 into Perl characters and encodes its
 * JSON replies as UTF-8. Where Proxmox moves guest bytes as a string (file-read with
 * `decode=1`, exec-status `out-data`/`err-data`, and in the other direction file-write
 * `content`, exec `input-data`, set-user-password `password`), one byte is one character
 * U+0000–U+00FF. So bytes go out as `latin1` strings (each character ≤ U+00FF becomes one
 * byte again in `encode_base64`) and come back through `latin1`. A character above U+00FF
 * would make `encode_base64` die ("Wide character in subroutine entry", qemu-server
 * `PVE/API2/Qemu/Agent.pm`); the channel only ever sends bytes this way (QGA's base64
 * arguments, decoded), so none can, and the `maxLength` limits count bytes.
 * @module
 */
import { QgaProtocolError } from '../../errors.js';

/** Any character outside the byte range (a hostile or broken server, or a caller's mistake). */
// Code units, not code points: a character beyond the BMP shows as a surrogate (≥ U+D800).
const WIDE = /[\u0100-\uffff]/;

/**
 * Bytes as the Proxmox byte string that carries them.
 *
 * @example
 * ```ts
 * toByteString(Buffer.from('café'));   // 'cafÃ©': four UTF-8 bytes, five characters
 * ```
 */
export function toByteString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * The bytes a Proxmox byte string stands for. A character above U+00FF cannot come from
 * Proxmox's byte rule: the reply is refused rather than silently cut to its low byte.
 *
 * @example
 * ```ts
 * fromByteString('cafÃ©').toString('utf8'); // 'café'
 * ```
 */
export function fromByteString(text: string, what: string): Buffer {
  if (WIDE.test(text)) throw new QgaProtocolError(`${what}: Proxmox sent a character above U+00FF in a byte string`);
  return Buffer.from(text, 'latin1');
}

/**
 * Decodes strict base64 from a QGA-shaped request (`input-data`, `password`), refusing
 * anything that is not base64: Node's decoder would silently skip it.
 */
export function decodeBase64Argument(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) {
    throw new TypeError(`${what} must be a base64 string`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * `file-read` with `decode=0` concatenates the base64 of every 1 MiB chunk the server read,
 * and a full chunk ends in padding (1 MiB is not a multiple of 3), so `AQ==AgM=` is two
 * pieces. Node's decoder stops at the first padding, so each padded piece is decoded on
 * its own (qemu-server 9.1.5, `PVE/API2/Qemu/Agent.pm` file-read).
 *
 * @example
 * ```ts
 * decodeConcatenatedBase64('AQ==AgM='); // <Buffer 01 02 03>
 * ```
 */
export function decodeConcatenatedBase64(text: string, what: string): Buffer {
  // The common case, one run (a read of at most 1 MiB): padding, if any, only at the end.
  const firstPad = text.indexOf('=');
  if (firstPad === -1 || firstPad >= text.length - 2) return strict(text, what);
  const pieces: Buffer[] = [];
  let total = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('=', start);
    if (end === -1) end = text.length;
    else while (end < text.length && text.charCodeAt(end) === 0x3d /* = */) end++;
    const piece = strict(text.slice(start, end), what);
    pieces.push(piece);
    total += piece.length;
    start = end;
  }
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, total);
}

/**
 * Node's decoder skips what is not base64; a run whose length says otherwise is refused
 * (every run the server makes is padded to a multiple of four).
 */
function strict(run: string, what: string): Buffer {
  const bytes = Buffer.from(run, 'base64');
  const padding = run.endsWith('==') ? 2 : run.endsWith('=') ? 1 : 0;
  if (run.length % 4 !== 0 || bytes.length !== (run.length / 4) * 3 - padding) throw new QgaProtocolError(`${what}: Proxmox sent content that is not base64`);
  return bytes;
}

/**
 * Bytes one byte of data costs inside a JSON string sent as UTF-8: `JSON.stringify`
 * escapes `"`, `\` and the C0 controls (short forms for \b \t \n \f \r), and U+0080–U+00FF
 * take two UTF-8 bytes. Used to size requests against Proxmox's body limit before sending.
 */
const JSON_COST: Uint8Array = (() => {
  const cost = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    if (b === 0x22 || b === 0x5c || b === 0x08 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d) cost[b] = 2;
    else if (b < 0x20) cost[b] = 6;
    else if (b < 0x80) cost[b] = 1;
    else cost[b] = 2;
  }
  return cost;
})();

/**
 * How many bytes of `data`, from `start`, fit in at most `maxBytes` bytes of data and
 * `maxEncoded` bytes once written as a byte string inside a JSON body.
 *
 * @example
 * ```ts
 * fitInJson(Buffer.alloc(100_000), 0, 65_536, 60_000); // 10_000: NUL costs six bytes (\u0000)
 * ```
 */
export function fitInJson(data: Uint8Array, start: number, maxBytes: number, maxEncoded: number): number {
  const end = Math.min(data.length, start + maxBytes);
  let encoded = 0;
  let i = start;
  for (; i < end; i++) {
    encoded += JSON_COST[data[i] as number] as number;
    if (encoded > maxEncoded) break;
  }
  return i - start;
}

/** The size of `data` as a byte string inside a JSON body. */
export function jsonEncodedLength(data: Uint8Array): number {
  let encoded = 0;
  for (let i = 0; i < data.length; i++) encoded += JSON_COST[data[i] as number] as number;
  return encoded;
}
