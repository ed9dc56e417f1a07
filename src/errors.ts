/**
 * The one error hierarchy of qga-client. Every error the client raises for agent or
 * channel trouble extends {@link QgaError} and carries a stable `code`.
 *
 * `instanceof` works across the ESM and CJS copies of the package (the dual package
 * hazard), as undici's errors do: each class puts a `Symbol.for` brand on its prototype as a
 * getter, and the classes check for the brand instead of walking the prototype chain.
 * Because the brand lives on the prototype, it is inherited like a method: prototypes
 * (`QgaTimeoutError.prototype instanceof QgaError`) and instances of users' own
 * subclasses carry it too.
 * @module
 */
import { formatMs } from './format-ms.js';
import type { ExecResult } from './helpers/exec-types.js';

/** Stable codes of {@link QgaError} subclasses; switch on `err.code`. */
export type QgaErrorCode = 'QGA_CONNECTION' | 'QGA_COMMAND' | 'QGA_TIMEOUT' | 'QGA_PROTOCOL' | 'QGA_EXEC' | 'QGA_FREEZE_WINDOW';

/**
 * Static marker on this copy's own classes, holding the brand their `instanceof` checks.
 * Private to the copy on purpose: a user's subclass does not have it as an own property,
 * so `instanceof UserSubclass` keeps the ordinary prototype-chain meaning.
 */
const CLASS_BRAND = Symbol('qga-client class brand');

/**
 * Gives `ctor` a brand shared by every copy of the package (`Symbol.for`) and puts it on
 * `ctor.prototype` as a getter, so everything that inherits from that prototype answers
 * true. The prototype itself answers false, as `X.prototype instanceof X` is false natively.
 */
function brandClass(ctor: abstract new (...args: never[]) => object, name: string): void {
  const brand = Symbol.for(`qga-client.error.${name}`);
  const prototype = ctor.prototype as object;
  Object.defineProperty(ctor, CLASS_BRAND, { value: brand });
  Object.defineProperty(prototype, brand, {
    get(this: unknown): boolean {
      return this !== prototype;
    },
  });
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Base class of every error qga-client raises for agent or channel trouble.
 *
 * @example
 * ```ts
 * try { await client.ping(); }
 * catch (err) { if (err instanceof QgaError) console.error(err.code, err.message); }
 * ```
 */
export class QgaError extends Error {
  static {
    brandClass(this, 'QgaError');
  }

  /** Stable machine-readable code. */
  readonly code: QgaErrorCode;

  constructor(code: QgaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * Brand check instead of the prototype chain, so ESM and CJS copies recognise each other.
   * A user's subclass (`class MyError extends QgaTimeoutError {}`) inherits this method but
   * has no brand of its own, so `instanceof MyError` walks the prototype chain as usual.
   *
   * @example
   * ```ts
   * // An error thrown by the CommonJS build, checked against the ESM class:
   * const { QgaTimeoutError: CjsTimeoutError } = createRequire(import.meta.url)('qga-client');
   * new CjsTimeoutError('guest-ping', 10) instanceof QgaTimeoutError; // true
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const brand = Object.hasOwn(this, CLASS_BRAND) ? (this as unknown as Record<symbol, symbol>)[CLASS_BRAND] : undefined;
    return brand === undefined ? Function.prototype[Symbol.hasInstance].call(this, value) : hasBrand(value, brand);
  }
}

/**
 * The channel could not be opened, was lost, or the client is closed.
 *
 * @example
 * ```ts
 * await QgaClient.connect({ path: '/nope' }).catch((e) => e instanceof QgaConnectionError);
 * ```
 */
export class QgaConnectionError extends QgaError {
  static {
    brandClass(this, 'QgaConnectionError');
  }
  declare readonly code: 'QGA_CONNECTION';

  constructor(message: string, options?: { cause?: unknown }) {
    super('QGA_CONNECTION', message, options);
  }
}

/**
 * The agent answered a command with an error.
 *
 * @example
 * ```ts
 * try { await client.call('guest-file-open', { path: '/missing' }); }
 * catch (e) { if (e instanceof QgaCommandError) console.log(e.errorClass, e.desc); }
 * ```
 */
export class QgaCommandError extends QgaError {
  static {
    brandClass(this, 'QgaCommandError');
  }
  declare readonly code: 'QGA_COMMAND';
  /** Wire name of the command that failed. */
  readonly command: string;
  /** The agent's error class, e.g. `CommandNotFound` or `GenericError`. */
  readonly errorClass: string;
  /** The agent's description of the failure. */
  readonly desc: string;

  constructor(command: string, errorClass: string, desc: string, options?: { cause?: unknown }) {
    super('QGA_COMMAND', `${command}: ${desc} (${errorClass})`, options);
    this.command = command;
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/**
 * No reply arrived within the call's timeout. The connection stays usable: the client
 * resynchronises before the next call, so the late reply is never handed to anyone.
 *
 * @example
 * ```ts
 * await client.call('guest-fstrim', {}, { timeout: 10 }).catch((e) => e instanceof QgaTimeoutError);
 * ```
 */
export class QgaTimeoutError extends QgaError {
  static {
    brandClass(this, 'QgaTimeoutError');
  }
  declare readonly code: 'QGA_TIMEOUT';
  /** Wire name of the command (or helper) that timed out. */
  readonly command: string;
  /** The timeout that expired, in ms. */
  readonly timeout: number;

  constructor(command: string, timeout: number, message?: string, options?: { cause?: unknown }) {
    super('QGA_TIMEOUT', message ?? `${command}: no reply within ${formatMs(timeout)} ms`, options);
    this.command = command;
    this.timeout = timeout;
  }
}

/**
 * The agent sent something the client cannot use: unparseable, oversized or unmatched.
 *
 * @example
 * ```ts
 * const client = await QgaClient.connect({ path, maxReplyBytes: 1024 });
 * await client.guestGetOsinfo().catch((e) => e instanceof QgaProtocolError);
 * ```
 */
export class QgaProtocolError extends QgaError {
  static {
    brandClass(this, 'QgaProtocolError');
  }
  declare readonly code: 'QGA_PROTOCOL';

  constructor(message: string, options?: { cause?: unknown }) {
    super('QGA_PROTOCOL', message, options);
  }
}

/**
 * A process run with `check: true` exited non-zero or was killed by a signal.
 *
 * @example
 * ```ts
 * try { await client.exec(['false'], { check: true }); }
 * catch (e) { if (e instanceof QgaExecError) console.log(e.result.exitCode); }
 * ```
 */
export class QgaExecError<Output extends string | Buffer = string | Buffer> extends QgaError {
  static {
    brandClass(this, 'QgaExecError');
  }
  declare readonly code: 'QGA_EXEC';
  /** The full result of the run, output included. */
  readonly result: ExecResult<Output>;

  constructor(argv0: string, result: ExecResult<Output>) {
    const how =
      result.signal !== null
        ? `was killed by signal ${result.signal}`
        : result.ntStatus
          ? `ended with ${result.ntStatus.hex}${result.ntStatus.name ? ` (${result.ntStatus.name})` : ''}`
          : `exited with code ${String(result.exitCode)}`;
    const why = firstLine(result.stderr);
    super('QGA_EXEC', `${argv0} (pid ${result.pid}) ${how}${why === '' ? '' : `: ${why}`}`);
    this.result = result;
  }
}

/** Longest piece of stderr a {@link QgaExecError} message quotes. */
const STDERR_IN_MESSAGE = 200;

/**
 * The first non-empty line of a process's stderr, at most {@link STDERR_IN_MESSAGE}
 * characters: usually the reason it failed, so a logged error says why by itself. The
 * whole output stays on `result`.
 */
function firstLine(stderr: string | Buffer): string {
  // Only the start is looked at: stderr may be megabytes.
  const head = typeof stderr === 'string' ? stderr.slice(0, 4096) : stderr.subarray(0, 4096).toString('utf8');
  const line = head.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > STDERR_IN_MESSAGE ? `${line.slice(0, STDERR_IN_MESSAGE)}…` : line;
}

/**
 * A guest file is open in another guest process and Windows will not share it: qemu-ga
 * for Windows opens files with `FILE_SHARE_READ` only, so a file someone writes (a live
 * log) cannot be opened, and a file the agent holds cannot be written by others.
 * Recognised from the English Windows text only (the texts are in the guest's language);
 * otherwise the agent's error stays a plain {@link QgaCommandError}.
 *
 * @example
 * ```ts
 * try { await client.readFile('C:\\app\\app.log'); }
 * catch (e) { if (e instanceof QgaFileBusyError) console.log(`${e.path} is busy, retrying later`); }
 * ```
 */
export class QgaFileBusyError extends QgaCommandError {
  static {
    brandClass(this, 'QgaFileBusyError');
  }
  /** The guest path that was busy. */
  readonly path: string;

  constructor(command: string, errorClass: string, desc: string, path: string) {
    super(command, errorClass, desc);
    this.message = `${command}: ${path} is open in another guest process and Windows does not let the agent share it (${desc}); close it there or retry later`;
    this.path = path;
  }
}

/**
 * `withFrozenFilesystems` on a Windows guest: `fn` kept the filesystems frozen past the
 * window VSS holds writes for (10 s), so Windows let writes through before the thaw and a
 * snapshot taken meanwhile may not be consistent. The agent is thawed (`thawed` is
 * always true): its thaw reported the overrun (`couldn't hold writes: fsfreeze is limited
 * up to 10 seconds`, the `cause`).
 *
 * @example
 * ```ts
 * try { await client.withFrozenFilesystems(takeSnapshot); }
 * catch (e) { if (e instanceof QgaFreezeWindowError) await discardSnapshot(e.result); }
 * ```
 */
export class QgaFreezeWindowError<T = unknown> extends QgaError {
  static {
    brandClass(this, 'QgaFreezeWindowError');
  }
  declare readonly code: 'QGA_FREEZE_WINDOW';
  /** What `fn` returned (e.g. the snapshot that may be inconsistent). */
  readonly result: T;
  /** Filesystems the freeze had frozen. */
  readonly frozen: number;
  /** The agent is thawed all the same. */
  readonly thawed: true;
  /** ms Windows holds writes for (VSS). */
  readonly window: number;
  /** ms from the freeze's answer to the thaw, as the client measured them. */
  readonly elapsed: number;

  constructor(message: string, details: { result: T; frozen: number; window: number; elapsed: number; cause?: unknown }) {
    super('QGA_FREEZE_WINDOW', message, { cause: details.cause });
    this.result = details.result;
    this.frozen = details.frozen;
    this.thawed = true;
    this.window = details.window;
    this.elapsed = details.elapsed;
  }
}

/**
 * True for any error raised by qga-client (from either the ESM or CJS build).
 *
 * @example
 * ```ts
 * catch (e) { if (isQgaError(e)) switch (e.code) { case 'QGA_TIMEOUT': retry(); } }
 * ```
 */
export function isQgaError(value: unknown): value is QgaError {
  return value instanceof QgaError;
}
