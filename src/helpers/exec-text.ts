/**
 * Captured output → what the caller asked for: Buffers, or text in the right encoding.
 *
 * The agent hands output over as the program wrote it (on Windows, usually in the
 * console's OEM code page, sometimes UTF-16LE or UTF-8). `'auto'` and `'oem'` / `'ansi'`
 * need the guest's code pages, read once per connection with `client.guestCodePages()`;
 * that look-up only happens when some output is not self-describing.
 * @module
 */
import { debuglog } from 'node:util';
import type { QgaClient } from '../client/qga-client.js';
import { clixmlToText } from '../guest-os/clixml.js';
import { codePageDecoder, codePageNumber, type BytesDecoder } from '../guest-os/code-pages.js';
import { decodeSelfDescribing } from '../guest-os/decode-output.js';
import type { ExecDecodeHook, ExecEncoding } from './exec-types.js';

const debug = debuglog('qga:exec');

/** How the streams of one run are returned. */
export interface OutputPlan {
  readonly encoding: ExecEncoding;
  readonly decode: ExecDecodeHook | undefined;
  readonly newlines: 'keep' | 'lf';
  /** stderr may be PowerShell CLIXML, to be turned into plain text. */
  readonly clixml: boolean;
}

export const DEFAULT_OUTPUT: OutputPlan = Object.freeze({ encoding: 'utf8', decode: undefined, newlines: 'keep', clixml: false });

const NAMED = new Set(['utf8', 'buffer', 'auto', 'utf16le', 'oem', 'ansi']);

/** Checks `encoding` / `decode` / `newlines` (a bad one is a `TypeError`, before anything is sent). */
export function outputPlan(where: string, encoding: unknown, decode: unknown, newlines: unknown): OutputPlan {
  if (decode !== undefined && typeof decode !== 'function') throw new TypeError(`${where}: decode must be a function (bytes, stream) => string`);
  if (decode !== undefined && encoding !== undefined) throw new TypeError(`${where}: give either encoding or decode, not both`);
  if (newlines !== undefined && newlines !== 'keep' && newlines !== 'lf') throw new TypeError(`${where}: newlines must be 'keep' or 'lf', got ${String(newlines)}`);
  if (encoding !== undefined) {
    if (typeof encoding !== 'string') throw new TypeError(`${where}: encoding must be a string, got ${typeof encoding}`);
    if (!NAMED.has(encoding)) {
      const page = codePageNumber(encoding);
      if (page === undefined) {
        throw new TypeError(`${where}: encoding must be 'utf8', 'buffer', 'auto', 'utf16le', 'oem', 'ansi' or a code page like 'cp850', got ${JSON.stringify(encoding)}`);
      }
      if (!codePageDecoder(page)) throw new TypeError(`${where}: no built-in decoder for code page ${page}; pass a decode hook (e.g. iconv-lite)`);
    }
  }
  if (encoding === 'buffer' && newlines === 'lf') throw new TypeError(`${where}: newlines: 'lf' needs text output, not encoding: 'buffer'`);
  return {
    encoding: (encoding as ExecEncoding | undefined) ?? 'utf8',
    decode: decode as ExecDecodeHook | undefined,
    newlines: newlines ?? 'keep',
    clixml: false,
  };
}

/** The decoder of the guest's `which` page; `undefined` when there is none (POSIX) or it is unknown. */
async function guestPageDecoder(client: QgaClient, which: 'oem' | 'ansi'): Promise<BytesDecoder | undefined> {
  try {
    const pages = await client.guestCodePages();
    if (!pages) return undefined;
    const decoder = codePageDecoder(pages[which]);
    if (!decoder && debug.enabled) debug('no built-in decoder for the guest %s page %d; decoding as UTF-8', which, pages[which]);
    return decoder;
  } catch (error) {
    // The output is already the caller's; a failed look-up only costs accuracy.
    if (debug.enabled) debug('reading the guest code pages failed, decoding as UTF-8: %s', String(error));
    return undefined;
  }
}

function utf8(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/** Decode both streams of a finished run as `plan` says. */
export async function decodeStreams(client: QgaClient, out: Buffer, err: Buffer, plan: OutputPlan): Promise<[Buffer, Buffer] | [string, string]> {
  if (plan.encoding === 'buffer' && plan.decode === undefined) return [out, err];
  let stdout: string;
  let stderr: string;
  if (plan.decode) {
    stdout = plan.decode(out, 'stdout');
    stderr = plan.decode(err, 'stderr');
    if (typeof stdout !== 'string' || typeof stderr !== 'string') throw new TypeError('exec: the decode hook must return a string');
  } else if (plan.encoding === 'auto') {
    const selfOut = decodeSelfDescribing(out);
    const selfErr = decodeSelfDescribing(err);
    const fallback = selfOut === undefined || selfErr === undefined ? ((await guestPageDecoder(client, 'oem')) ?? utf8) : utf8;
    stdout = selfOut ?? fallback(out);
    stderr = selfErr ?? fallback(err);
  } else if (plan.encoding === 'oem' || plan.encoding === 'ansi') {
    const decoder = (await guestPageDecoder(client, plan.encoding)) ?? utf8;
    stdout = decoder(out);
    stderr = decoder(err);
  } else if (plan.encoding === 'utf8' || plan.encoding === 'utf16le') {
    stdout = out.toString(plan.encoding);
    stderr = err.toString(plan.encoding);
  } else {
    const decoder = codePageDecoder(codePageNumber(plan.encoding) ?? 0) ?? utf8;
    stdout = decoder(out);
    stderr = decoder(err);
  }
  if (plan.clixml) stderr = clixmlToText(stderr);
  if (plan.newlines === 'lf') {
    stdout = stdout.replace(/\r\n/g, '\n');
    stderr = stderr.replace(/\r\n/g, '\n');
  }
  return [stdout, stderr];
}
