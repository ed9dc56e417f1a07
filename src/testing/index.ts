/**
 * `qga-client/testing`: a simulated QEMU Guest Agent for your own tests.
 *
 * It answers like qemu-ga, byte for byte (replies, error texts, the 0xFF before a
 * `guest-sync-delimited` reply, parse errors for stray bytes, one client at a time), on a
 * unix socket or through an in-process transport, and it can inject faults: delays,
 * dropped, duplicated, stale, split or oversized replies, garbage, dropped connections and
 * a hung agent. Guest files live in a sandbox directory; `guest-exec` runs scripted
 * processes, or real host processes with `hostExec: true`. With `profile: 'windows'` it
 * is qemu-ga for Windows instead: drive paths, a fake `cmd.exe` and PowerShell, code
 * pages, NTSTATUS exits, Windows file sharing and the VSS freeze window.
 *
 * @example
 * ```ts
 * import { afterAll, beforeAll, expect, test } from 'vitest';
 * import { QgaClient } from 'qga-client';
 * import { SimulatedAgent } from 'qga-client/testing';
 *
 * let agent: SimulatedAgent;
 * beforeAll(async () => {
 *   agent = await SimulatedAgent.start({ hostName: 'web-1' });
 *   agent.handleExec('uname', () => ({ stdout: 'Linux\n' }));
 * });
 * afterAll(() => agent.stop());
 *
 * test('reads the host name', async () => {
 *   await using client = await QgaClient.connect({ path: agent.path });
 *   expect((await client.guestGetHostName())['host-name']).toBe('web-1');
 * });
 *
 * test('survives a lost reply', async () => {
 *   await using client = await QgaClient.connect({ path: agent.path, timeout: 200 });
 *   agent.injectFault('drop', { command: 'guest-ping' });
 *   await expect(client.ping()).rejects.toThrow();
 *   await client.ping(); // the client resynchronised
 * });
 * ```
 * @module qga-client/testing
 */
export { SimulatedAgent } from './simulated-agent.js';
export { SimulatedAgentError } from './errors.js';
export { FAULT_KINDS, DEFAULT_RANDOM_KINDS, mulberry32 } from './faults.js';
export type { Fault, FaultKind, InjectFaultOptions, RandomFaultOptions } from './faults.js';
export type {
  CallContext,
  CommandHandler,
  ExecScript,
  ExecScriptContext,
  ExecScriptResult,
  GuestNetworkInterface,
  GuestOsInfo,
  GuestTimezone,
  GuestUser,
  HandleOptions,
  JsonValue,
  PasswordChange,
  ShutdownRequest,
  SimulatedAgentOptions,
  SimulatedAgentStats,
} from './types.js';
export type { WindowsProfileOptions } from './windows/profile.js';
export type { VssOptions } from './windows/vss.js';
export type { WindowsCodePages } from './windows/machine.js';
export type { WindowsEdition } from './windows/identity.js';
export type { WindowsLocale } from './windows/texts.js';
export { SimulatedProxmox } from './proxmox/simulated-proxmox.js';
export type {
  PrivilegeModel,
  SimulatedGuest,
  SimulatedProxmoxOptions,
  SimulatedRequest,
  SimulatedRole,
  SimulatedTiming,
  SimulatedVersions,
  SimulatedVmOptions,
} from './proxmox/types.js';
