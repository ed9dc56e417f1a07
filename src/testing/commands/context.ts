/**
 * What built-in command handlers share: the agent's settings and mutable state.
 * @module
 */
import type { Timers } from '../timers.js';
import type {
  ExecScript,
  GuestNetworkInterface,
  GuestOsInfo,
  GuestTimezone,
  GuestUser,
  PasswordChange,
  ShutdownRequest,
} from '../types.js';
import type { VersionTraits } from '../version.js';

/** Settings after defaults. */
export interface AgentSettings {
  readonly version: string;
  readonly traits: VersionTraits;
  readonly hostName: string;
  readonly osInfo: GuestOsInfo;
  readonly timezone: GuestTimezone;
  readonly users: readonly GuestUser[];
  readonly interfaces: readonly GuestNetworkInterface[];
  readonly clock: () => bigint;
  readonly mountpoints: readonly string[];
  readonly hostExec: boolean;
}

/** Shared by all built-in handlers of one agent. */
export interface BuiltinContext {
  readonly settings: AgentSettings;
  /** Host directory that guest paths resolve into. */
  readonly sandbox: string;
  readonly timers: Timers;
  /** Scripted processes by program name. */
  readonly scripts: Map<string, ExecScript>;
  /** Number of frozen filesystems; 0 when thawed. */
  frozen: number;
  readonly shutdownRequests: ShutdownRequest[];
  readonly passwordChanges: PasswordChange[];
}
