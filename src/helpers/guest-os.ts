/**
 * `guestOs()` and `guestCodePages()`: what kind of guest this is, and which code pages its
 * programs print in. Read once per connection (kept in the client's {@link SessionMemo})
 * with the client's public calls only.
 * @module
 */
import { CALL_OPTION_KEYS, type CallOptions } from '../call-options.js';
import { checkOptions } from '../check-options.js';
import type { QgaClient } from '../client/qga-client.js';
import type { SessionMemo } from '../client/session-memo.js';
import { QgaCommandError, QgaExecError, QgaProtocolError } from '../errors.js';
import type { GuestOSInfo } from '../generated/index.js';
import { classifyGuest, type GuestOs } from '../guest-os/detect.js';
import { looksFrozen } from './capabilities.js';

/**
 * The ANSI and OEM code pages of a Windows guest (`client.guestCodePages()`).
 *
 * @example
 * ```ts
 * const pages = await client.guestCodePages(); // { oem: 850, ansi: 1252 } on a German guest
 * ```
 */
export interface GuestCodePages {
  /** The OEM page: what console programs (cmd built-ins, ipconfig, PowerShell 5.1) print in. */
  readonly oem: number;
  /** The ANSI page: what many GUI-era and C-runtime programs print in. */
  readonly ansi: number;
}

/** Where Windows keeps them; `reg query` prints names, types and numbers, never localized. */
const CODE_PAGE_KEY = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage';

/** The call options a shared look-up may use: the timeout, never one caller's signal. */
function shared(options: CallOptions): CallOptions {
  return options.timeout === undefined ? {} : { timeout: options.timeout };
}

/** `promise`, or `signal.reason` as soon as `signal` aborts (the shared look-up goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface Detected {
  os: GuestOs;
  /** Worth keeping: not read from a frozen agent, and osinfo did not fail unexpectedly. */
  lasting: boolean;
}

/** See `QgaClient.guestOs`. */
export function guestOs(client: QgaClient, memo: SessionMemo, options: CallOptions = {}): Promise<GuestOs> {
  checkOptions('guestOs', options, CALL_OPTION_KEYS);
  const load = async (): Promise<Detected> => {
    const info = await client.info(shared(options));
    let osInfo: GuestOSInfo | undefined;
    let lasting = !looksFrozen(info);
    if (info.supported_commands.some((c) => c.name === 'guest-get-osinfo' && c.enabled)) {
      try {
        osInfo = await client.call('guest-get-osinfo', undefined, shared(options));
      } catch (error) {
        // Refused (frozen meanwhile, or not carried by the channel): fall back on clues.
        if (!(error instanceof QgaCommandError)) throw error;
        lasting = false;
      }
    }
    return { os: classifyGuest(info, osInfo), lasting };
  };
  return untilAborted(
    memo.get('guest-os', load, (d) => d.lasting).then((d) => d.os),
    options.signal,
  );
}

/** See `QgaClient.guestCodePages`. */
export function guestCodePages(client: QgaClient, memo: SessionMemo, options: CallOptions = {}): Promise<GuestCodePages | undefined> {
  checkOptions('guestCodePages', options, CALL_OPTION_KEYS);
  const load = async (): Promise<GuestCodePages | undefined> => {
    const os = await client.guestOs(shared(options));
    if (os.family !== 'windows') return undefined;
    const argv = ['reg.exe', 'query', CODE_PAGE_KEY];
    const result = await client.exec(argv, { encoding: 'buffer', ...(options.timeout === undefined ? {} : { timeout: options.timeout }) });
    if (result.exitCode !== 0) throw new QgaExecError('reg.exe', result);
    // ASCII whatever the OEM page: value names, REG_SZ and digits.
    const text = result.stdout.toString('latin1');
    const oem = /^\s*OEMCP\s+REG_SZ\s+(\d+)\s*$/m.exec(text)?.[1];
    const ansi = /^\s*ACP\s+REG_SZ\s+(\d+)\s*$/m.exec(text)?.[1];
    if (oem === undefined || ansi === undefined) throw new QgaProtocolError(`reg.exe query ${CODE_PAGE_KEY} printed no OEMCP / ACP values`);
    return { oem: Number(oem), ansi: Number(ansi) };
  };
  return untilAborted(memo.get('code-pages', load), options.signal);
}

/**
 * The guest's family for a helper that must adapt to it. An agent that refuses to say
 * (`guest-info` blocked) gets `undefined`, and the helper acts as it always did; a lost
 * channel or a timeout rejects, as the helper's own call would.
 */
export async function guestFamily(client: QgaClient, options: CallOptions = {}): Promise<GuestOs['family'] | undefined> {
  try {
    return (await client.guestOs(options)).family;
  } catch (error) {
    if (error instanceof QgaCommandError) return undefined;
    throw error;
  }
}
