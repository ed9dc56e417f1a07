/**
 * `info` / `supports`: what this agent can do, from `guest-info`, cached per connection.
 *
 * The command list, not the version, is the truth: commands can be
 * blocked by configuration (listed with `enabled: false`) or not built for the platform
 * (absent from 9.1 on). One caveat: while the guest is frozen, the agent reports every
 * command outside its freeze allow-list as disabled. Such a snapshot is returned but not
 * cached, so `supports` tells the truth again after the thaw.
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import { CALL_OPTION_KEYS, pickCallOptions, type CallOptions } from '../call-options.js';
import { checkOptions } from '../check-options.js';
import type { AgentInfoCache } from '../client/agent-info-cache.js';
import type { GuestAgentInfo } from '../generated/index.js';
import { FREEZE_ALLOWED_COMMANDS } from '../protocol/freeze-allowlist.js';

/**
 * Options of `info`.
 *
 * @example
 * ```ts
 * const fresh = await client.info({ refresh: true, timeout: 2_000 });
 * ```
 */
export interface InfoOptions extends CallOptions {
  /** Ask the agent again instead of using the cached answer. */
  refresh?: boolean | undefined;
}

const INFO_KEYS: ReadonlySet<string> = new Set([...CALL_OPTION_KEYS, 'refresh']);

/**
 * The agent's `guest-info` (version and command list), fetched once per connection and
 * kept in the client's own `cache`, which the client empties on every (re)connect and close.
 *
 * @example
 * ```ts
 * const { version, supported_commands } = await info(client, cache);
 * ```
 */
export async function info(client: QgaClient, cache: AgentInfoCache, options: InfoOptions = {}): Promise<GuestAgentInfo> {
  checkOptions('info', options, INFO_KEYS);
  if (!options.refresh) {
    const hit = cache.get();
    if (hit) return hit;
  }
  const fresh = await client.call('guest-info', undefined, pickCallOptions(options));
  // Not kept: a frozen agent's snapshot (see above), or an answer that arrived after the
  // close, when there is no connection left for it to belong to.
  if (looksFrozen(fresh)) cache.clear();
  else if (!client.closed) cache.set(fresh);
  return fresh;
}

/**
 * True when the agent has `command` and it is enabled (not blocked by configuration).
 *
 * @example
 * ```ts
 * if (await supports(client, 'guest-get-disks')) console.log(await client.call('guest-get-disks'));
 * ```
 */
export async function supports(client: QgaClient, command: string, options: CallOptions = {}): Promise<boolean> {
  if (typeof command !== 'string' || command === '') throw new TypeError('supports: command must be a non-empty string');
  checkOptions('supports', options, CALL_OPTION_KEYS);
  // A command the channel cannot carry is unusable, whatever the agent has.
  const { commands: carried, refused } = client.capabilities;
  if ((carried !== undefined && !carried.has(command)) || refused?.has(command) === true) return false;
  // Through the client, whose info() reaches its own cache.
  const { supported_commands: commands } = await client.info(options);
  return commands.some((c) => c.name === command && c.enabled);
}

/**
 * The commands `guest-info` lists as disabled, or `undefined` when the answer looks like
 * a frozen agent's (then the flags say nothing lasting about the configuration).
 */
export function disabledCommands(agentInfo: GuestAgentInfo): Set<string> | undefined {
  if (looksFrozen(agentInfo)) return undefined;
  return new Set(agentInfo.supported_commands.filter((c) => !c.enabled).map((c) => c.name));
}

/**
 * A frozen agent disables everything outside its allow-list. An agent configured to allow
 * only those commands looks the same, and is merely not cached: no harm either way.
 */
export function looksFrozen(agentInfo: GuestAgentInfo): boolean {
  const others = agentInfo.supported_commands.filter((c) => !FREEZE_ALLOWED_COMMANDS.has(c.name));
  return others.length > 0 && others.every((c) => !c.enabled);
}
