/**
 * A tiny command-line tool over the examples.
 *
 *   npx tsx examples/qga.ts [--socket PATH] [-j] COMMAND [ARGS...]
 *
 *   ping                  is the agent there, and how fast does it answer
 *   osinfo                operating system of the guest
 *   hostname              host name of the guest
 *   network               interfaces and addresses
 *   exec PROGRAM [ARG...] run a program (no shell) and pass on its output and exit code
 *   cpustats              CPU time shares since boot (Linux guests)
 *   get GUEST_PATH        print a guest file
 *   put LOCAL REMOTE      copy a host file into the guest
 *
 * Without --socket or QGA_SOCKET it talks to a simulated guest. `-j` prints JSON
 * (integers beyond 2^53 as strings); errors then come as `{ "error": … }` on stdout.
 */
import { QgaClient, isQgaError } from '../src/index.js';
import { startDemoGuest } from './demo-guest.js';
import { isMain } from './connect.js';
import { ping, describePing } from './ping.js';
import { osInfo, describeOsInfo } from './osinfo.js';
import { hostName } from './hostname.js';
import { networkInterfaces, describeInterfaces } from './network-interfaces.js';
import { run } from './exec.js';
import { cpuStats, describeCpuStats } from './cpu-stats.js';
import { catFile, getFile, putFile } from './file-get-put.js';

/** Parsed command line. */
export interface CliArgs {
  /** Agent socket; undefined means the simulated guest. */
  socket: string | undefined;
  /** Print JSON instead of text. */
  json: boolean;
  /** The command word. */
  command: string | undefined;
  /** Everything after the command, untouched (so `exec ls -l` keeps its `-l`). */
  args: string[];
}

const USAGE = 'usage: qga [--socket PATH] [-j] <ping|osinfo|hostname|network|exec PROGRAM [ARG...]|cpustats|get PATH|put LOCAL REMOTE>';

/**
 * Options come before the command; everything after it belongs to the command.
 *
 * @example
 * ```ts
 * parseArgs(['-j', 'exec', 'ls', '-l'], {}); // { json: true, command: 'exec', args: ['ls', '-l'], socket: undefined }
 * ```
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliArgs {
  let socket = env['QGA_SOCKET'] || undefined;
  let json = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-j' || arg === '--json') json = true;
    else if (arg === '--socket' || arg === '-s') {
      socket = argv[++i];
      if (!socket) throw new UsageError('--socket needs a path');
    } else if (arg.startsWith('--socket=')) socket = arg.slice('--socket='.length);
    else if (arg === '-h' || arg === '--help') return { socket, json, command: 'help', args: [] };
    else if (arg === '--') {
      i++;
      break;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else break;
  }
  return { socket, json, command: argv[i], args: argv.slice(i + 1) };
}

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** How many arguments each command takes: [least, most]. */
const ARITY: Readonly<Record<string, readonly [number, number, string]>> = {
  ping: [0, 0, 'ping takes no arguments'],
  osinfo: [0, 0, 'osinfo takes no arguments'],
  hostname: [0, 0, 'hostname takes no arguments'],
  network: [0, 0, 'network takes no arguments'],
  cpustats: [0, 0, 'cpustats takes no arguments'],
  exec: [1, Infinity, 'exec needs a program'],
  get: [1, 1, 'get needs one guest path'],
  put: [2, 2, 'put needs a host path and a guest path'],
};

/**
 * Checks the command and its arguments before anything is opened, so a typo is a usage
 * error at once, not a connection attempt (or a wait for a booting guest) first. Returns
 * the arguments the command gets (`exec -- ls` drops the `--`).
 *
 * @example
 * ```ts
 * checkCommand('get', ['/etc/hostname']); // ['/etc/hostname']
 * checkCommand('get', []);                // throws UsageError: get needs one guest path
 * ```
 */
export function checkCommand(command: string, args: readonly string[]): string[] {
  const arity = Object.hasOwn(ARITY, command) ? ARITY[command] : undefined;
  if (!arity) throw new UsageError(`unknown command ${command}`);
  const rest = command === 'exec' && args[0] === '--' ? args.slice(1) : [...args];
  const [least, most, message] = arity;
  if (rest.length < least || rest.length > most) throw new UsageError(message);
  return rest;
}

/** What a command hands back: the JSON value, the text for people, and an exit code. */
interface Outcome {
  value: unknown;
  text?: string;
  exitCode?: number;
}

async function dispatch(client: QgaClient, command: string, args: string[], json: boolean): Promise<Outcome> {
  switch (command) {
    case 'ping': {
      const result = await ping(client);
      return { value: result, text: describePing(result) };
    }
    case 'osinfo': {
      const os = await osInfo(client);
      return { value: os, text: describeOsInfo(os) };
    }
    case 'hostname': {
      const name = await hostName(client);
      return { value: { 'host-name': name }, text: name };
    }
    case 'network': {
      const nics = await networkInterfaces(client);
      return { value: nics, text: describeInterfaces(nics) };
    }
    case 'exec': {
      const result = await run(client, args);
      const exitCode = result.exitCode ?? 128 + (result.signal ?? 0);
      if (!json) {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
      }
      return { value: result, exitCode };
    }
    case 'cpustats': {
      const cpus = await cpuStats(client);
      return { value: cpus, text: describeCpuStats(cpus) };
    }
    case 'get': {
      if (!json) {
        await catFile(client, args[0]!, process.stdout);
        return { value: undefined };
      }
      const data = await getFile(client, args[0]!);
      return { value: { path: args[0], bytes: data.length, 'content-b64': data.toString('base64') } };
    }
    case 'put': {
      const { bytes } = await putFile(client, args[0]!, args[1]!);
      return { value: { from: args[0], to: args[1], bytes }, text: `${bytes} bytes copied to ${args[1]}` };
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** JSON with bigints as strings (JSON has no exact 64-bit integers). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/**
 * Run the CLI; resolves with the exit code. Output goes to `process.stdout` / `stderr`.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['-j', 'hostname']);
 * ```
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let cli: CliArgs | undefined;
  try {
    cli = parseArgs(argv, env);
    if (cli.command === undefined || cli.command === 'help') {
      console.log(USAGE);
      return cli.command === 'help' ? 0 : 2;
    }
    const { command, json } = cli;
    const args = checkCommand(command, cli.args);
    await using agent = cli.socket ? undefined : await startDemoGuest();
    await using client = await QgaClient.connect({ path: cli.socket ?? agent!.path, timeout: 10_000 });
    const outcome = await dispatch(client, command, args, json);
    if (json) console.log(toJson(outcome.value));
    else if (outcome.text !== undefined) console.log(outcome.text);
    return outcome.exitCode ?? 0;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (cli?.json) console.log(toJson({ error: { name: e.name, code: e.code, message: e.message } }));
    else console.error(`qga: ${isQgaError(error) ? `${e.code}: ` : ''}${e.message}`);
    if (error instanceof UsageError) {
      if (!cli?.json) console.error(USAGE);
      return 2;
    }
    return 1;
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
