/**
 * What a simulated Windows program is and gets: its argv as the C runtime splits the
 * command line, the raw command line (cmd.exe reads that), its environment, stdin (`NUL`
 * unless the request sent `input-data`), the console it shares with its parent (whose
 * output code page `chcp` changes), and a way to start programs in that console.
 * @module
 */
import type { WindowsMachine } from '../machine.js';

/** The hidden console of one guest-exec: every process started from it shares it. */
export interface ConsoleState {
  /** The console's output code page: the OEM page until `chcp` or PowerShell change it. */
  outputCodePage: number;
}

/** Where a program's output goes. */
export interface ProgramIo {
  readonly stdout: (bytes: Buffer) => void;
  readonly stderr: (bytes: Buffer) => void;
}

/** A running process, as its program sees it. */
export interface ProcessControl {
  readonly pid: number;
  /** Ended from outside (taskkill): stop doing anything. */
  readonly killed: boolean;
  /** Wait `ms` on the agent's timers; ends early when the process is killed. */
  sleep(ms: number): Promise<void>;
}

/** What a program gets. */
export interface ProgramContext {
  readonly machine: WindowsMachine;
  /** The argv the C runtime makes of `commandLine` (argv[0] included). */
  readonly argv: readonly string[];
  readonly commandLine: string;
  /** Environment (names keep their case; look them up with {@link envGet}). */
  readonly env: Readonly<Record<string, string>>;
  /** stdin: the request's `input-data`, or `undefined` for `NUL`. */
  readonly stdin: Buffer | undefined;
  readonly console: ConsoleState;
  readonly io: ProgramIo;
  readonly process: ProcessControl;
  /** Start `commandLine` in the same console with `io`; resolves to its exit code, or `undefined` when no such program exists. */
  spawn(commandLine: string, io: ProgramIo, env?: Readonly<Record<string, string>>): Promise<number | undefined>;
}

/** A simulated program: returns (or resolves to) its exit code (a DWORD). */
export type Program = (ctx: ProgramContext) => number | Promise<number>;

/** `name`'s value in `env`, names compared without case as Windows does. */
export function envGet(env: Readonly<Record<string, string>>, name: string): string | undefined {
  const upper = name.toUpperCase();
  for (const [key, value] of Object.entries(env)) if (key.toUpperCase() === upper) return value;
  return undefined;
}

/** Print `text` in the console's output code page. */
export function print(ctx: ProgramContext, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
  ctx.io[stream](ctx.machine.encode(text, ctx.console.outputCodePage));
}

/** Print `text` and CRLF. */
export function println(ctx: ProgramContext, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
  print(ctx, `${text}\r\n`, stream);
}
