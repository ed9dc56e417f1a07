/**
 * A start plan made fit for the guest it goes to, before `guest-exec` is sent.
 *
 * On a Windows guest the argv crosses GLib's quoting and the program's own parser, so
 * what cannot arrive intact is refused (see `guest-os/windows-command-line.ts`), and an
 * `env` is merged over the agent's environment instead of replacing it. The guest is
 * only asked what it is when something in the plan depends on it, so a plain run on a
 * Linux guest costs nothing extra.
 * @module
 */
import type { CallOptions } from '../call-options.js';
import type { QgaClient } from '../client/qga-client.js';
import { glibCommandLine, isCmdProgram, MAX_COMMAND_LINE, windowsArgvProblem } from '../guest-os/windows-command-line.js';
import { mergeWindowsEnv, parseSetOutput, WINDOWS_ENV_ARGV } from '../guest-os/windows-env.js';
import type { StartPlan } from './exec-options.js';
import { guestFamily } from './guest-os.js';

/** What the exec helpers may ask of the client beyond its public API: the agent's environment, kept per connection. */
export interface ExecSession {
  /** The environment a Windows guest process inherits from the agent. */
  windowsEnvironment(options: CallOptions): Promise<Readonly<Record<string, string>>>;
}

/** Reads the agent's environment on a Windows guest (`cmd /d /u /c set`: UTF-16LE, no code page). */
export async function readWindowsEnvironment(client: QgaClient, options: CallOptions): Promise<Readonly<Record<string, string>>> {
  const result = await client.exec(WINDOWS_ENV_ARGV, { encoding: 'utf16le', check: true, ...(options.timeout === undefined ? {} : { pollTimeout: options.timeout }) });
  return parseSetOutput(result.stdout);
}

/** True when the plan's fate depends on the guest's OS. */
function dependsOnGuest(plan: StartPlan): boolean {
  const { path, arg = [] } = plan.request;
  if (plan.envOverrides !== undefined) return true;
  if (plan.output?.encoding === 'oem' || plan.output?.encoding === 'ansi') return true;
  if (arg.includes('')) return true;
  if (isCmdProgram(path) && arg.some((a) => a.includes('"'))) return true;
  // Cheap upper bound first: GLib adds at most a few characters per argument.
  return path.length + arg.reduce((n, a) => n + a.length + 3, 0) > MAX_COMMAND_LINE / 2 && glibCommandLine([path, ...arg]).length > MAX_COMMAND_LINE;
}

/**
 * The plan to send to this guest. Rejects with `TypeError` (nothing sent) for what a
 * Windows guest would not run as given, or for `'oem'` / `'ansi'` on a POSIX guest.
 */
export async function fitPlanToGuest(client: QgaClient, plan: StartPlan, session: ExecSession | undefined, callOptions: CallOptions): Promise<StartPlan> {
  if (!dependsOnGuest(plan)) return plan;
  const where = plan.where ?? 'exec';
  const family = await guestFamily(client, callOptions);
  if (family !== 'windows') {
    if (plan.output?.encoding === 'oem' || plan.output?.encoding === 'ansi') {
      throw new TypeError(`${where}: encoding '${plan.output.encoding}' names a Windows code page, and this guest is not Windows (use 'utf8' or 'auto')`);
    }
    return plan;
  }
  const problem = windowsArgvProblem([plan.request.path, ...(plan.request.arg ?? [])]);
  if (problem) throw new TypeError(`${where}: ${problem}; not sent`);
  if (plan.envOverrides === undefined) return plan;
  const base = session ? await session.windowsEnvironment(callOptions) : await readWindowsEnvironment(client, callOptions);
  return { ...plan, request: { ...plan.request, env: mergeWindowsEnv(base, plan.envOverrides) } };
}
