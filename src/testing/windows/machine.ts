/**
 * The state of one simulated Windows guest that its command modules share: language,
 * code pages, drives, the service's environment, and the files other guest processes
 * hold open.
 * @module
 */
import { releaseAtLeast } from '../../guest-os/agent-release.js';
import type { Timers } from '../timers.js';
import type { ExecScript } from '../types.js';
import type { VersionTraits } from '../version.js';
import { ConsoleEncoders } from './console-encoding.js';
import { win32Message, TOOL_TEXTS, type ToolTexts, type Win32Error, type WindowsLocale } from './texts.js';
import type { WindowsProcessTable } from './processes.js';
import type { WindowsVolume } from './volume.js';

/** The code pages of the simulated guest. */
export interface WindowsCodePages {
  /** OEM page: new consoles start in it. */
  readonly oem: number;
  /** ANSI page: PowerShell 5.1 reads BOM-less scripts in it. */
  readonly ansi: number;
}

/** What every Windows command module of one agent shares. */
export class WindowsMachine {
  readonly locale: WindowsLocale;
  readonly codePages: WindowsCodePages;
  readonly volume: WindowsVolume;
  readonly hostName: string;
  /** `guest-info.version`. */
  readonly version: string;
  /** The QEMU-GA service's environment: what a guest process gets without `env`. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timers: Timers;
  readonly traits: VersionTraits;
  /** The agent behaves like 9.1 or later (commands absent rather than disabled, new texts). */
  readonly newEra: boolean;
  /** The agent behaves like 9.2 or later. */
  readonly era92: boolean;
  /** Scripted programs by name (the agent's `handleExec`). */
  readonly scripts: Map<string, ExecScript>;
  readonly processes: WindowsProcessTable;
  readonly encoders = new ConsoleEncoders();
  /** Host paths another guest process holds open for writing (`agent.holdOpen`). */
  readonly heldOpen = new Map<string, number>();
  readonly texts: ToolTexts;

  constructor(init: {
    locale: WindowsLocale;
    codePages: WindowsCodePages;
    volume: WindowsVolume;
    hostName: string;
    version: string;
    environment: Readonly<Record<string, string>>;
    timers: Timers;
    traits: VersionTraits;
    newEra: boolean;
    era92: boolean;
    scripts: Map<string, ExecScript>;
    processes: WindowsProcessTable;
  }) {
    this.locale = init.locale;
    this.codePages = init.codePages;
    this.volume = init.volume;
    this.hostName = init.hostName;
    this.version = init.version;
    this.environment = init.environment;
    this.timers = init.timers;
    this.traits = init.traits;
    this.newEra = init.newEra;
    this.era92 = init.era92;
    this.scripts = init.scripts;
    this.processes = init.processes;
    this.texts = TOOL_TEXTS[init.locale];
  }

  /** The agent behaves like QEMU `release` or later. */
  atLeast(release: string): boolean {
    return releaseAtLeast(this.version, release);
  }

  /** The system message for a Win32 error, in the guest's language. */
  message(error: Win32Error): string {
    return win32Message(this.locale, error);
  }

  /** `text` in code page `page`, as a console program writes it. */
  encode(text: string, page: number): Buffer {
    return this.encoders.get(page).call(undefined, text);
  }
}
