/**
 * Which kind of guest an agent runs in, from what it says about itself.
 *
 * `guest-get-osinfo` is the reliable source: Windows builds answer `id: "mswindows"`
 * (`qga/commands-win32.c:qmp_guest_get_osinfo`). When that command is blocked or failed,
 * two clues remain: `guest-get-devices`, which only the Windows build implements (listed
 * enabled nowhere else), and a version major of 100 or more, which only Red Hat's Windows
 * builds report (see `agent-release.ts`).
 * @module
 */
import type { GuestAgentInfo, GuestOSInfo } from '../generated/index.js';
import { agentRelease, type AgentRelease } from './agent-release.js';

/** The two kinds of guest whose agents behave differently. */
export type GuestOsFamily = 'windows' | 'posix';

/**
 * What the client knows about the guest's operating system (`client.guestOs()`).
 *
 * @example
 * ```ts
 * const { family, agent, osInfo } = await client.guestOs();
 * if (family === 'windows') console.log(osInfo?.['pretty-name'], 'agent behaves like QEMU', agent.qemu);
 * ```
 */
export interface GuestOs {
  /** `windows` for qemu-ga's Windows build, `posix` for Linux, BSD and the rest. */
  readonly family: GuestOsFamily;
  /**
   * Where the family came from: `osinfo` (`guest-get-osinfo`'s `id`), `commands`
   * (`guest-get-devices`, Windows only) or `version` (a virtio-win build number).
   */
  readonly detectedBy: 'osinfo' | 'commands' | 'version';
  /** The `guest-get-osinfo` answer, when the agent gave one. */
  readonly osInfo: GuestOSInfo | undefined;
  /** The agent's release and the upstream QEMU release it behaves like. */
  readonly agent: AgentRelease;
}

/**
 * Classify a guest from its `guest-info` and, when available, its `guest-get-osinfo`.
 *
 * @example
 * ```ts
 * classifyGuest(await client.info(), await client.guestGetOsinfo()).family; // 'windows' | 'posix'
 * ```
 */
export function classifyGuest(info: GuestAgentInfo, osInfo: GuestOSInfo | undefined): GuestOs {
  const agent = agentRelease(info.version);
  if (osInfo?.id !== undefined) {
    return { family: osInfo.id === 'mswindows' ? 'windows' : 'posix', detectedBy: 'osinfo', osInfo, agent };
  }
  if (info.supported_commands.some((c) => c.name === 'guest-get-devices' && c.enabled)) {
    return { family: 'windows', detectedBy: 'commands', osInfo, agent };
  }
  // The version alone: only virtio-win builds (major 100+) run on Windows.
  return { family: agent.build === 'virtio-win' ? 'windows' : 'posix', detectedBy: 'version', osInfo, agent };
}
