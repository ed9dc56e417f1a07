/**
 * Checks every exec argument before anything is sent (a bad one is a `TypeError`, as for
 * `call()`), and turns the helper options into a `guest-exec` request.
 * @module
 */
import { checkOptions, describeValue as describe } from '../check-options.js';
import type { GuestExecArgs, GuestExecCaptureOutput } from '../generated/index.js';
import { outputPlan, type OutputPlan } from './exec-text.js';
import { checkWireString } from './wire-string.js';
import type { ExecCapture, ExecEncoding, ExecWaitOptions, SpawnOptions } from './exec-types.js';

/** What the agent is asked to capture, before the agent's version is taken into account. */
export type CaptureRequest = ExecCapture | boolean;

/** A checked `guest-exec` request; `capture-output` is settled later (it may need the agent version). */
export interface StartPlan {
  request: Omit<GuestExecArgs, 'capture-output'>;
  capture: CaptureRequest;
  encoding: ExecEncoding;
  /** How the output is returned; `encoding` is its `encoding`. */
  output?: OutputPlan | undefined;
  /** ms per single agent call; undefined = the client's default. */
  pollTimeout: number | undefined;
  /** Told the pid of a process whose `guest-exec` reply came after the start was given up. */
  onLateStart: ((pid: number) => void) | undefined;
  /** The helper's name, for messages. */
  where?: string | undefined;
  /** `options.env` as given: on a Windows guest it is merged over the agent's environment. */
  envOverrides?: Readonly<Record<string, string>> | undefined;
}

/** {@link ExecWaitOptions} after defaults. */
export interface WaitPlan {
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  check: boolean;
  initial: number;
  max: number;
  killOnAbandon: boolean;
}

export const DEFAULT_POLL_INITIAL = 1;
export const DEFAULT_POLL_MAX = 100;
/** Node's timers overflow above this and fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const CAPTURE_MODES: ReadonlySet<unknown> = new Set<ExecCapture>(['separated', 'merged', 'stdout', 'stderr', 'none']);
const START_KEYS: readonly string[] = ['input', 'env', 'capture', 'encoding', 'decode', 'newlines', 'pollTimeout', 'onLateStart'];
const WAIT_KEYS: readonly string[] = ['timeout', 'signal', 'check', 'pollInterval', 'killOnAbandon'];
const EXEC_KEYS: ReadonlySet<string> = new Set([...START_KEYS, ...WAIT_KEYS]);
const SPAWN_KEYS: ReadonlySet<string> = new Set(START_KEYS);
const WAIT_ONLY_KEYS: ReadonlySet<string> = new Set(WAIT_KEYS);
const POLL_INTERVAL_KEYS: ReadonlySet<string> = new Set(['initial', 'max']);
const REQUEST_KEYS = new Set(['path', 'arg', 'env', 'input-data', 'capture-output']);

/** Plan for `exec(argv)` / `spawn(argv)`; `withWait` when the same object also holds {@link ExecWaitOptions}. */
export function planFromArgv(where: string, argv: unknown, options: SpawnOptions | undefined, withWait = false): StartPlan {
  if (!Array.isArray(argv)) throw new TypeError(`${where}: argv must be an array of strings, got ${describe(argv)}`);
  if (argv.length === 0) throw new TypeError(`${where}: argv must not be empty (argv[0] is the program)`);
  argv.forEach((item: unknown, i) => checkString(where, `argv[${i}]`, item));
  const [path, ...arg] = argv as string[];
  if (path === '') throw new TypeError(`${where}: argv[0] (the program) must not be empty`);
  const request: StartPlan['request'] = { path: path as string, arg };
  return finishPlan(where, request, undefined, options, withWait);
}

/** Plan for `execAndWait(request)`: the request's own fields and the options must not both say the same thing. */
export function planFromRequest(where: string, raw: unknown, options: SpawnOptions | undefined): StartPlan {
  if (!isRecord(raw)) throw new TypeError(`${where}: the request must be a guest-exec argument object, got ${describe(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!REQUEST_KEYS.has(key)) throw new TypeError(`${where}: unknown guest-exec argument '${key}'`);
  }
  const r = raw as Partial<Record<keyof GuestExecArgs, unknown>>;
  checkString(where, 'path', r.path);
  if (r.path === '') throw new TypeError(`${where}: path must not be empty`);
  const request: StartPlan['request'] = { path: r.path as string };
  if (r.arg !== undefined) {
    if (!Array.isArray(r.arg)) throw new TypeError(`${where}: arg must be an array of strings, got ${describe(r.arg)}`);
    r.arg.forEach((item: unknown, i) => checkString(where, `arg[${i}]`, item));
    request.arg = r.arg as string[];
  }
  if (r.env !== undefined) {
    if (!Array.isArray(r.env)) throw new TypeError(`${where}: env must be an array of 'NAME=value' strings, got ${describe(r.env)}`);
    r.env.forEach((item: unknown, i) => {
      checkString(where, `env[${i}]`, item);
      if (!(item as string).includes('=')) throw new TypeError(`${where}: env[${i}] must look like 'NAME=value'`);
    });
    if (options?.env !== undefined) throw new TypeError(`${where}: give the environment either as request.env or as options.env, not both`);
    request.env = r.env as string[];
  }
  if (r['input-data'] !== undefined) {
    if (typeof r['input-data'] !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r['input-data'])) {
      throw new TypeError(`${where}: input-data must be a base64 string`);
    }
    if (options?.input !== undefined) throw new TypeError(`${where}: give stdin either as request['input-data'] or as options.input, not both`);
    request['input-data'] = r['input-data'];
  }
  let capture: CaptureRequest | undefined;
  const rawCapture = r['capture-output'];
  if (rawCapture !== undefined) {
    if (typeof rawCapture !== 'boolean' && !CAPTURE_MODES.has(rawCapture)) {
      throw new TypeError(`${where}: capture-output must be a boolean or one of ${[...CAPTURE_MODES].join(', ')}`);
    }
    if (options?.capture !== undefined) throw new TypeError(`${where}: give the capture mode either as request['capture-output'] or as options.capture, not both`);
    capture = rawCapture as GuestExecCaptureOutput;
  }
  return finishPlan(where, request, capture, options, true);
}

function finishPlan(where: string, request: StartPlan['request'], capture: CaptureRequest | undefined, options: SpawnOptions | undefined, withWait: boolean): StartPlan {
  const o = checkOptions(where, options, withWait ? EXEC_KEYS : SPAWN_KEYS);
  let envOverrides: Readonly<Record<string, string>> | undefined;
  if (o.env !== undefined) {
    request.env = envList(where, o.env);
    envOverrides = { ...o.env };
  }
  if (o.input !== undefined) request['input-data'] = inputBase64(where, o.input);
  if (o.capture !== undefined && !CAPTURE_MODES.has(o.capture)) {
    throw new TypeError(`${where}: capture must be one of ${[...CAPTURE_MODES].join(', ')}, got ${describe(o.capture)}`);
  }
  const output = outputPlan(where, o.encoding, o.decode, o.newlines);
  if (o.onLateStart !== undefined && typeof o.onLateStart !== 'function') throw new TypeError(`${where}: onLateStart must be a function`);
  return {
    request,
    capture: capture ?? o.capture ?? 'separated',
    encoding: output.encoding,
    output,
    pollTimeout: o.pollTimeout === undefined ? undefined : duration(where, 'pollTimeout', o.pollTimeout),
    onLateStart: o.onLateStart,
    where,
    envOverrides,
  };
}

/** Checks {@link ExecWaitOptions}; `known` are the keys allowed in the object (by default the start options too). */
export function planWait(where: string, options: ExecWaitOptions | undefined, known: ReadonlySet<string> = EXEC_KEYS): WaitPlan {
  const o = checkOptions(where, options, known);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`${where}: signal must be an AbortSignal`);
  if (o.check !== undefined && typeof o.check !== 'boolean') throw new TypeError(`${where}: check must be a boolean`);
  if (o.killOnAbandon !== undefined && typeof o.killOnAbandon !== 'boolean') throw new TypeError(`${where}: killOnAbandon must be a boolean`);
  let initial = DEFAULT_POLL_INITIAL;
  let max = DEFAULT_POLL_MAX;
  if (o.pollInterval !== undefined) {
    if (!isRecord(o.pollInterval)) throw new TypeError(`${where}: pollInterval must be an object { initial?, max? }`);
    checkOptions(`${where}: pollInterval`, o.pollInterval, POLL_INTERVAL_KEYS);
    if (o.pollInterval.initial !== undefined) initial = duration(where, 'pollInterval.initial', o.pollInterval.initial);
    if (o.pollInterval.max !== undefined) max = duration(where, 'pollInterval.max', o.pollInterval.max);
    if (o.pollInterval.max === undefined) max = Math.max(max, initial);
    if (max < initial) throw new TypeError(`${where}: pollInterval.max (${max}) is below pollInterval.initial (${initial})`);
  }
  return {
    timeout: o.timeout === undefined ? undefined : duration(where, 'timeout', o.timeout),
    signal: o.signal,
    check: o.check ?? false,
    initial,
    max,
    killOnAbandon: o.killOnAbandon ?? false,
  };
}

/** The wait options alone (`GuestProcess.wait`): start options there are a mistake. */
export function planWaitOnly(where: string, options: ExecWaitOptions | undefined): WaitPlan {
  return planWait(where, options, WAIT_ONLY_KEYS);
}

/** `{ A: '1' }` → `['A=1']`. */
function envList(where: string, env: unknown): string[] {
  if (!isRecord(env)) throw new TypeError(`${where}: env must be a record of strings, got ${describe(env)}`);
  return Object.entries(env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new TypeError(`${where}: env name ${JSON.stringify(key)} is not valid (empty, or contains '=' or NUL)`);
    }
    checkString(where, `env.${key}`, value);
    return `${key}=${value as string}`;
  });
}

function inputBase64(where: string, input: unknown): string {
  if (typeof input === 'string') return Buffer.from(input, 'utf8').toString('base64');
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64');
  throw new TypeError(`${where}: input must be a string or a Uint8Array, got ${describe(input)}`);
}

function checkString(where: string, name: string, value: unknown): void {
  checkWireString(where, name, value);
}

function duration(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_MS) {
    throw new TypeError(`${where}: ${name} must be a number of ms in (0, ${MAX_TIMER_MS}], got ${describe(value)}`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
