/**
 * guest-exec and guest-exec-status as qemu-ga for Windows does them: GLib joins the argv
 * into one command line (`gspawn-win32.c`), the program is found the UCRT way (System32,
 * then PATH, `.com .exe .bat .cmd`), a C-runtime program gets the argv its runtime splits
 * from that line while cmd.exe reads the line itself; `env` replaces the environment;
 * stdin is `NUL` without `input-data`; `capture-output` has no `merged`; pids are
 * multiples of 4; a spawn failure names no program; and the exit code, a DWORD kept in a
 * signed int, is reported as `signal` from 0xC0000000 on.
 * @module
 */
import { NT_ERROR_MIN } from '../../guest-os/nt-status.js';
import { glibCommandLine, crtSplitCommandLine } from '../../guest-os/windows-command-line.js';
import { genericError, SimulatedAgentError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { decodeBase64 } from '../commands/base64.js';
import { Capture, defineExecStatus, envRecord } from '../commands/exec.js';
import type { ExecScript, ExecScriptResult } from '../types.js';
import type { WindowsMachine } from './machine.js';
import { batchProgram, cmd } from './programs/cmd.js';
import { findProgram, type FoundProgram } from './programs/lookup.js';
import { powershell } from './programs/powershell.js';
import { print, type ConsoleState, type Program, type ProgramIo } from './programs/runtime.js';
import { SYSTEM32_TOOLS } from './programs/tools.js';
import type { WinProcess } from './processes.js';

/** The pid of qemu-ga.exe itself: the parent of every guest-exec child. */
export const AGENT_PID = 2140;

/**
 * Call a test's script. A `SimulatedAgentError` it throws at once makes the spawn fail (as
 * documented for `handleExec`); anything else it throws or rejects with ends the process.
 */
function startScript(script: ExecScript, argv: readonly string[], commandLine: string, env: Readonly<Record<string, string>>, stdin: Buffer | undefined): Promise<ExecScriptResult> {
  let pending: Promise<ExecScriptResult>;
  try {
    pending = Promise.resolve(script([...argv], { input: stdin ?? Buffer.alloc(0), env, commandLine }));
  } catch (err) {
    if (err instanceof SimulatedAgentError) throw err;
    pending = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  // Awaited once the process runs; until then a rejection must not count as unhandled.
  pending.catch(() => undefined);
  return pending;
}

/** A test's scripted program, as a Windows program (`started`: the script already called). */
function scriptProgram(script: ExecScript, onError: (err: unknown) => void, started?: Promise<ExecScriptResult>): Program {
  return async (ctx) => {
    let result;
    try {
      result = await (started ?? startScript(script, ctx.argv, ctx.commandLine, ctx.env, ctx.stdin));
    } catch (err) {
      onError(err);
      print(ctx, `${err instanceof Error ? err.message : String(err)}\r\n`, 'stderr');
      return 1;
    }
    await ctx.process.sleep(result.delayMs ?? 0);
    for (const stream of ['stdout', 'stderr'] as const) {
      const data = result[stream];
      if (typeof data === 'string') print(ctx, data, stream);
      else if (data !== undefined) ctx.io[stream](Buffer.from(data));
    }
    return (result.exitCode ?? 0) >>> 0;
  };
}

/** The program a found name starts. */
function programOf(machine: WindowsMachine, found: FoundProgram, onError: (err: unknown) => void): Program {
  if (found.kind === 'batch') return batchProgram(found.path);
  if (found.kind === 'script') return scriptProgram(machine.scripts.get(found.key) as ExecScript, onError);
  if (found.name === 'cmd.exe') return cmd;
  if (found.name === 'powershell.exe') return powershell;
  return SYSTEM32_TOOLS[found.name] as Program;
}

/** Register guest-exec and guest-exec-status of the Windows build. */
export function registerWindowsExecCommands(registry: CommandRegistry, machine: WindowsMachine, onScriptError: (err: unknown) => void): void {
  const table = machine.processes;
  const traits = machine.traits;

  /** Run `program` as `proc` until it ends or is killed; resolves to its exit code. */
  const run = async (proc: WinProcess, program: Program, commandLine: string, env: Readonly<Record<string, string>>, stdin: Buffer | undefined, consoleState: ConsoleState, io: ProgramIo): Promise<number> => {
    const killed = new Promise<number>((resolve) => proc.onKill(() => resolve(1)));
    const ctx = {
      machine,
      argv: crtSplitCommandLine(commandLine),
      commandLine,
      env,
      stdin,
      console: consoleState,
      io,
      process: {
        pid: proc.pid,
        get killed() {
          return proc.killed;
        },
        sleep: (ms: number) =>
          new Promise<void>((resolve) => {
            machine.timers.after(ms, resolve, resolve);
            proc.onKill(resolve);
          }),
      },
      spawn: async (line: string, childIo: ProgramIo, childEnv?: Readonly<Record<string, string>>) => {
        const [name = ''] = crtSplitCommandLine(line);
        const found = findProgram(machine, name, childEnv ?? env);
        if (!found) return undefined;
        const child = table.start(proc.pid);
        return run(child, programOf(machine, found, onScriptError), line, childEnv ?? env, undefined, consoleState, childIo);
      },
    };
    try {
      const running = Promise.resolve()
        .then(() => program(ctx))
        .catch((err: unknown) => {
          onScriptError(err);
          return 1;
        });
      const code = await Promise.race([running, killed]);
      return proc.killed ? 1 : code >>> 0;
    } finally {
      table.end(proc);
    }
  };

  const spawnError = (): SimulatedAgentError => {
    // gspawn-win32's text has no program name; up to 9.0 the agent wrapped it.
    const text = 'Failed to execute child process (No such file or directory)';
    return genericError(traits.wrapSpawnError ? `Guest agent command failed, error was '${text}'` : text);
  };

  // GetExitCodeProcess's DWORD in a signed int; NTSTATUS errors come out as `signal`.
  defineExecStatus(registry, traits, table.execs, (entry) => (entry.exitCode >= NT_ERROR_MIN ? { signal: entry.exitCode | 0 } : { exitcode: entry.exitCode | 0 }));

  registry.define({
    name: 'guest-exec',
    args: {
      path: { type: 'str' },
      arg: { type: { list: 'str' }, optional: true },
      env: { type: { list: 'str' }, optional: true },
      'input-data': { type: 'str', optional: true },
      // `merged` is not built on Windows (`'if': { 'not': 'CONFIG_WIN32' }`).
      'capture-output': { type: traits.captureModes ? { alternate: 'GuestExecCaptureOutput', bool: true, enum: ['none', 'stdout', 'stderr', 'separated'] } : 'bool', optional: true },
    },
    successResponse: true,
    run: (args) => {
      const path = args.path as string;
      const commandLine = glibCommandLine([path, ...((args.arg as string[] | undefined) ?? [])]);
      const env = args.env === undefined ? machine.environment : envRecord(args.env as string[]);
      const found = findProgram(machine, path, env);
      if (!found) throw spawnError();
      const inputData = args['input-data'] as string | undefined;
      const stdin = inputData === undefined ? undefined : decodeBase64(inputData);
      const script = found.kind === 'script' ? (machine.scripts.get(found.key) as ExecScript) : undefined;
      const program = script ? scriptProgram(script, onScriptError, startScript(script, crtSplitCommandLine(commandLine), commandLine, env, stdin)) : programOf(machine, found, onScriptError);
      const capture = args['capture-output'];
      const mode = capture === undefined || capture === false || capture === 'none' ? 'none' : capture === true ? 'separated' : (capture as string);
      const proc = table.start(AGENT_PID);
      const entry = { process: proc, out: new Capture(), err: new Capture(), finished: false, exitCode: 0 };
      table.execs.set(BigInt(proc.pid), entry);
      const io: ProgramIo = {
        stdout: (bytes) => {
          if (mode === 'separated' || mode === 'stdout') entry.out.push(bytes);
        },
        stderr: (bytes) => {
          if (mode === 'separated' || mode === 'stderr') entry.err.push(bytes);
        },
      };
      // A new hidden console, in the OEM page, for every guest-exec.
      const consoleState: ConsoleState = { outputCodePage: machine.codePages.oem };
      void machine.timers.sleep(0).then(async () => {
        entry.exitCode = await run(proc, program, commandLine, env, stdin, consoleState, io);
        entry.finished = true;
      });
      return { pid: proc.pid };
    },
  });
}
