/**
 * The Windows profile of the simulated agent: qemu-ga for Windows as the virtio-win guest
 * tools install it, in a `win-108` era (≤ 9.0 behaviour, `108.0.2`) or a `win-110` era
 * (≥ 9.1, `110.0.2`), chosen by the version. This file puts the pieces together; each
 * command family has its own module.
 * @module
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { releaseAtLeast } from '../../guest-os/agent-release.js';
import type { BuiltinContext } from '../commands/context.js';
import type { CommandRegistry } from '../dispatch.js';
import type { VersionTraits } from '../version.js';
import { registerWindowsCommandSet } from './command-set.js';
import { registerWindowsExecCommands } from './exec.js';
import { registerWindowsFileCommands, type WindowsFileTable } from './files.js';
import { serviceEnvironment, type WindowsEdition } from './identity.js';
import { WindowsMachine, type WindowsCodePages } from './machine.js';
import { WindowsProcessTable } from './processes.js';
import { registerWindowsSystemCommands, type PowerEvent } from './system.js';
import type { WindowsLocale } from './texts.js';
import { registerVssCommands, type VssOptions } from './vss.js';
import { WindowsVolume } from './volume.js';

/**
 * Options of the Windows profile (`SimulatedAgent.start({ profile: 'windows', windows })`).
 *
 * @example
 * ```ts
 * await SimulatedAgent.start({
 *   profile: 'windows',
 *   version: '108.0.2',
 *   windows: { edition: 'windows-11', locale: 'de', codePages: 437, vss: { freezeDelayMs: 200 } },
 * });
 * ```
 */
export interface WindowsProfileOptions {
  /** `server-2022` (default) or `windows-11`: the `guest-get-osinfo` sample. */
  edition?: WindowsEdition | undefined;
  /** The UI language of system messages and console tools: `en` (default) or `de`. */
  locale?: WindowsLocale | undefined;
  /**
   * The guest's code pages: a preset by OEM page (`850`, the default: Western Europe with
   * ANSI 1252; `437`: US; `866`: Russian with ANSI 1251; `932`: Japanese), or both pages.
   */
  codePages?: 437 | 850 | 866 | 932 | WindowsCodePages | undefined;
  /** Variables merged over the QEMU-GA service's environment (what processes inherit). */
  environment?: Readonly<Record<string, string>> | undefined;
  /** How VSS behaves: freeze delay, clock, faults. */
  vss?: VssOptions | undefined;
  /** The guest can suspend (S3/S4 enabled). Default false: `not supported by OS`. */
  suspend?: boolean | undefined;
}

const CODE_PAGE_PRESETS: Readonly<Record<number, WindowsCodePages>> = {
  437: { oem: 437, ansi: 1252 },
  850: { oem: 850, ansi: 1252 },
  866: { oem: 866, ansi: 1251 },
  932: { oem: 932, ansi: 932 },
};

/** Folders every Windows guest has. */
const SEED_DIRS = ['Windows\\System32\\drivers\\etc', 'Windows\\System32\\WindowsPowerShell\\v1.0', 'Windows\\Temp', 'ProgramData\\qemu-ga', 'Program Files\\Qemu-ga', 'Users\\Public', 'Users\\Administrator'];

/** Create drive C: with the usual folders and the test's files (Windows paths). */
export async function seedWindowsDrive(sandbox: string, files: Record<string, string | Uint8Array> | undefined): Promise<void> {
  for (const dir of SEED_DIRS) await fsp.mkdir(path.join(sandbox, 'C', ...dir.split('\\')), { recursive: true });
  await fsp.writeFile(path.join(sandbox, 'C', 'Windows', 'System32', 'drivers', 'etc', 'hosts'), '127.0.0.1       localhost\r\n::1             localhost\r\n');
  const volume = new WindowsVolume(sandbox);
  for (const [guestPath, content] of Object.entries(files ?? {})) await fsp.writeFile(await volume.prepare(guestPath), content);
}

/** What the agent keeps of its Windows profile. */
export interface WindowsProfile {
  readonly machine: WindowsMachine;
  readonly files: WindowsFileTable;
}

/** Register every command of the Windows build on `registry`. */
export function registerWindowsProfile(
  registry: CommandRegistry,
  ctx: BuiltinContext,
  init: { options: WindowsProfileOptions; traits: VersionTraits; version: string; accounts: readonly string[]; onPower: PowerEvent; onScriptError: (err: unknown) => void },
): WindowsProfile {
  const { options } = init;
  const preset = options.codePages ?? 850;
  const machine = new WindowsMachine({
    locale: options.locale ?? 'en',
    codePages: typeof preset === 'number' ? (CODE_PAGE_PRESETS[preset] ?? CODE_PAGE_PRESETS[850] as WindowsCodePages) : preset,
    volume: new WindowsVolume(ctx.sandbox),
    hostName: ctx.settings.hostName,
    version: init.version,
    environment: { ...serviceEnvironment(ctx.settings.hostName), ...options.environment },
    timers: ctx.timers,
    traits: init.traits,
    newEra: releaseAtLeast(init.version, '9.1'),
    era92: releaseAtLeast(init.version, '9.2'),
    scripts: ctx.scripts,
    processes: new WindowsProcessTable(),
  });
  const files = registerWindowsFileCommands(registry, machine);
  registerVssCommands(registry, ctx, machine, options.vss ?? {});
  registerWindowsSystemCommands(registry, ctx, machine, { suspend: options.suspend ?? false, accounts: init.accounts, onPower: init.onPower });
  registerWindowsExecCommands(registry, machine, init.onScriptError);
  registerWindowsCommandSet(registry, machine);
  return { machine, files };
}
