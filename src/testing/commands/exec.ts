/**
 * guest-exec and guest-exec-status: a process table keyed by pid,
 * output captured up to 16 MiB per stream, `exited: false` until the process ended and
 * its pipes closed, and the entry deleted by the first status that reports the exit.
 * Processes are scripted (`agent.handleExec`) or, with `hostExec`, real host processes.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { genericError, SimulatedAgentError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import type { ExecScript, ExecScriptResult } from '../types.js';
import { decodeBase64 } from './base64.js';
import type { BuiltinContext } from './context.js';

/** `GUEST_EXEC_MAX_OUTPUT`: 16 MiB per stream; the rest is read and thrown away. */
export const EXEC_MAX_OUTPUT = 16 << 20;

type CaptureMode = 'none' | 'stdout' | 'stderr' | 'separated' | 'merged';

/** One captured stream, capped like the agent's. */
export class Capture {
  readonly #chunks: Buffer[] = [];
  length = 0;
  truncated = false;

  push(chunk: Uint8Array): void {
    const room = EXEC_MAX_OUTPUT - this.length;
    if (chunk.length > room) this.truncated = true;
    const kept = chunk.subarray(0, Math.max(0, room));
    if (kept.length === 0) return;
    // Chunks come from child pipes or fresh buffers: nobody reuses them, no copy needed.
    this.#chunks.push(Buffer.from(kept.buffer, kept.byteOffset, kept.length));
    this.length += kept.length;
  }

  data(): Buffer {
    return Buffer.concat(this.#chunks, this.length);
  }
}

interface ExecEntry {
  finished: boolean;
  exitcode?: number;
  signal?: number;
  readonly out: Capture;
  readonly err: Capture;
  child?: ChildProcess;
}

/** The agent's process table. */
export class ExecTable {
  readonly entries = new Map<bigint, ExecEntry>();
  #nextPid = 4000n;

  /** A pid for a scripted process, not colliding with a host one in the table. */
  syntheticPid(): bigint {
    while (this.entries.has(this.#nextPid)) this.#nextPid++;
    return this.#nextPid++;
  }

  /** Kill host processes still running (agent exit). */
  killAll(): void {
    for (const entry of this.entries.values()) {
      if (!entry.finished) entry.child?.kill('SIGKILL');
    }
  }
}

function captureMode(value: unknown): CaptureMode {
  if (value === undefined || value === false) return 'none';
  if (value === true) return 'separated';
  return value as CaptureMode;
}

function toBuffer(data: string | Uint8Array | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

/** guest-exec's `env` list as a record: `["A=1", "B"]` → `{ A: '1', B: '' }`. */
export function envRecord(list: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq === -1) env[entry] = '';
    else env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Register guest-exec and guest-exec-status; returns the table so the agent can kill it. */
export function registerExecCommands(
  registry: CommandRegistry,
  ctx: BuiltinContext,
  onScriptError: (err: unknown) => void,
): ExecTable {
  const table = new ExecTable();
  const traits = ctx.settings.traits;

  const spawnError = (program: string, reason: string): SimulatedAgentError => {
    // GLib's text, curly quotes included; up to 9.0 the agent wrapped it.
    const text = `Failed to execute child process \u201C${program}\u201D (${reason})`;
    return genericError(traits.wrapSpawnError ? `Guest agent command failed, error was '${text}'` : text);
  };

  const finish = (entry: ExecEntry, result: ExecScriptResult, mode: CaptureMode): void => {
    const stdout = toBuffer(result.stdout);
    const stderr = toBuffer(result.stderr);
    if (mode === 'stdout' || mode === 'separated' || mode === 'merged') entry.out.push(stdout);
    if (mode === 'merged') entry.out.push(stderr);
    if (mode === 'stderr' || mode === 'separated') entry.err.push(stderr);
    if (result.signal !== undefined) entry.signal = result.signal;
    else entry.exitcode = result.exitCode ?? 0;
    entry.finished = true;
  };

  const runScript = (script: ExecScript, argv: string[], input: Buffer, env: Record<string, string> | undefined, mode: CaptureMode): bigint => {
    let pending: ExecScriptResult | Promise<ExecScriptResult>;
    try {
      pending = script(argv, { input, env });
    } catch (err) {
      if (err instanceof SimulatedAgentError) throw err;
      pending = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const pid = table.syntheticPid();
    const entry: ExecEntry = { finished: false, out: new Capture(), err: new Capture() };
    table.entries.set(pid, entry);
    void Promise.resolve(pending)
      .then(async (result) => {
        // Never finished synchronously: a real process takes a moment too.
        await ctx.timers.sleep(result.delayMs ?? 0);
        finish(entry, result, mode);
      })
      .catch((err: unknown) => {
        onScriptError(err);
        finish(entry, { exitCode: 1, stderr: `${err instanceof Error ? err.message : String(err)}\n` }, mode);
      });
    return pid;
  };

  const runHost = async (argv: string[], input: Buffer | undefined, env: Record<string, string> | undefined, mode: CaptureMode): Promise<bigint> => {
    const [program = '', ...rest] = argv;
    const wantOut = mode === 'stdout' || mode === 'separated' || mode === 'merged';
    const wantErr = mode === 'stderr' || mode === 'separated' || mode === 'merged';
    const child = spawn(program, rest, {
      env: env ?? process.env,
      cwd: ctx.sandbox,
      stdio: [input ? 'pipe' : 'ignore', wantOut ? 'pipe' : 'ignore', wantErr ? 'pipe' : 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(spawnError(program, err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.message));
      });
    });
    const entry: ExecEntry = { finished: false, out: new Capture(), err: new Capture(), child };
    child.stdout?.on('data', (chunk: Buffer) => entry.out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => (mode === 'merged' ? entry.out : entry.err).push(chunk));
    if (input && child.stdin) {
      child.stdin.on('error', () => {}); // the child may exit without reading its input
      child.stdin.end(input);
    }
    // 'close' comes after the exit and after the captured pipes closed, as the agent waits.
    child.on('close', (code, signal) => {
      if (code !== null) entry.exitcode = code;
      else entry.signal = (signal && osConstants.signals[signal]) || 9;
      entry.finished = true;
    });
    const pid = BigInt(child.pid ?? 0);
    table.entries.set(pid, entry);
    return pid;
  };

  const captureType = traits.captureModes
    ? { alternate: 'GuestExecCaptureOutput', bool: true, enum: ['none', 'stdout', 'stderr', 'separated', 'merged'] }
    : ('bool' as const);

  defineExecStatus(registry, traits, table.entries, (entry) => ({ exitcode: entry.exitcode, signal: entry.signal }));
  registry.define({
    name: 'guest-exec',
    args: {
      path: { type: 'str' },
      arg: { type: { list: 'str' }, optional: true },
      env: { type: { list: 'str' }, optional: true },
      'input-data': { type: 'str', optional: true },
      'capture-output': { type: captureType, optional: true },
    },
    successResponse: true,
    run: async (args) => {
      const program = args.path as string;
      const inputData = args['input-data'] as string | undefined;
      const input = inputData === undefined ? undefined : decodeBase64(inputData);
      const mode = captureMode(args['capture-output']);
      const argv = [program, ...((args.arg as string[] | undefined) ?? [])];
      const env = args.env === undefined ? undefined : envRecord(args.env as string[]);
      const script = ctx.scripts.get(program) ?? ctx.scripts.get(path.posix.basename(program)) ?? ctx.scripts.get('*');
      let pid: bigint;
      if (script) pid = runScript(script, argv, input ?? Buffer.alloc(0), env, mode);
      else if (ctx.settings.hostExec) pid = await runHost(argv, input, env, mode);
      else throw spawnError(program, 'No such file or directory');
      return { pid };
    },
  });
  return table;
}

/** What `guest-exec-status` needs of an exec entry, on either OS. */
interface ReapableEntry {
  readonly finished: boolean;
  readonly out: Capture;
  readonly err: Capture;
}

/**
 * `guest-exec-status`: `{exited: false}` while the process runs; once it ended, its
 * status, and the entry is reaped (a second status of the pid is the unknown-pid error).
 * `exitOf` says how the OS reports the end (an exit code or a signal).
 */
export function defineExecStatus<Entry extends ReapableEntry>(
  registry: CommandRegistry,
  traits: { unknownPid: string; truncatedFlagsFixed: boolean },
  entries: Map<bigint, Entry>,
  exitOf: (entry: Entry) => { exitcode?: number | undefined; signal?: number | undefined },
): void {
  registry.define({
    name: 'guest-exec-status',
    args: { pid: { type: 'int' } },
    successResponse: true,
    run: (args) => {
      const pid = args.pid as bigint;
      const entry = entries.get(pid);
      if (!entry) throw genericError(traits.unknownPid);
      if (!entry.finished) return { exited: false };
      entries.delete(pid);
      return exitedStatus(exitOf(entry), entry.out, entry.err, traits.truncatedFlagsFixed);
    },
  });
}

/**
 * The `guest-exec-status` reply for an exited process: `exitcode` / `signal` as given, the
 * captured output base64-encoded, and the truncation flags as the agent's version has them
 * (before 10.2 the flag's presence followed truncation and its value stayed false). Members
 * in schema order, so those sharing a QDict bucket come out as the agent's do.
 */
export function exitedStatus(exit: { exitcode?: number | undefined; signal?: number | undefined }, out: Capture, err: Capture, truncatedFlagsFixed: boolean): Record<string, unknown> {
  const status: Record<string, unknown> = { exited: true, ...exit };
  for (const [key, capture] of [['out', out], ['err', err]] as const) {
    if (capture.length === 0) continue;
    status[`${key}-data`] = capture.data().toString('base64');
    if (truncatedFlagsFixed) status[`${key}-truncated`] = capture.truncated;
    else if (capture.truncated) status[`${key}-truncated`] = false;
  }
  const order = ['exited', 'exitcode', 'signal', 'out-data', 'err-data', 'out-truncated', 'err-truncated'];
  return Object.fromEntries(order.filter((k) => status[k] !== undefined).map((k) => [k, status[k]]));
}
