/**
 * Power commands: `guest-shutdown` and `guest-suspend-*`.
 *
 * The agent answers these only on failure (`success-response: false`).
 * The client sends a `guest-sync` with them: the sync's answer means the request was taken,
 * an error reply before it is the failure. So the helpers resolve as soon as the agent took
 * the request, and reject with `QgaCommandError` when it refused (e.g. the command is
 * disabled, or the guest cannot suspend that way).
 * @module
 */
import type { QgaClient } from '../client/qga-client.js';
import { CALL_OPTION_KEYS, pickCallOptions, type CallOptions } from '../call-options.js';
import { checkOptions } from '../check-options.js';

/** How `shutdown` stops the guest: ACPI-style power off (default), halt, or reboot. */
export type ShutdownMode = 'powerdown' | 'halt' | 'reboot';

/**
 * Options of `shutdown`.
 *
 * @example
 * ```ts
 * await client.shutdown({ mode: 'halt', timeout: 2_000 });
 * ```
 */
export interface ShutdownOptions extends CallOptions {
  /** Default `powerdown`. */
  mode?: ShutdownMode | undefined;
}

/** Which `guest-suspend-*` command `suspend` sends: to RAM (S3), to disk (S4), or both. */
export type SuspendKind = 'ram' | 'disk' | 'hybrid';

const SHUTDOWN_MODES: readonly ShutdownMode[] = ['powerdown', 'halt', 'reboot'];
const SUSPEND_COMMANDS = { ram: 'guest-suspend-ram', disk: 'guest-suspend-disk', hybrid: 'guest-suspend-hybrid' } as const;

const SHUTDOWN_KEYS: ReadonlySet<string> = new Set([...CALL_OPTION_KEYS, 'mode']);

/** Checks a power helper's options (`known`: its keys) and returns the call options among them. */
function callOptions(what: string, options: CallOptions, known: ReadonlySet<string> = CALL_OPTION_KEYS): CallOptions {
  return pickCallOptions(checkOptions(what, options, known));
}

/**
 * Shut the guest down (`guest-shutdown`). Resolves when the agent took the request; the
 * channel usually closes soon after.
 *
 * @example
 * ```ts
 * await shutdown(client);                   // power off
 * await shutdown(client, { mode: 'halt' });
 * ```
 */
export async function shutdown(client: QgaClient, options: ShutdownOptions = {}): Promise<void> {
  const call = callOptions('shutdown', options, SHUTDOWN_KEYS);
  const mode = options.mode ?? 'powerdown';
  if (!SHUTDOWN_MODES.includes(mode)) throw new TypeError(`shutdown: mode must be one of ${SHUTDOWN_MODES.join(', ')}, got ${String(mode)}`);
  await client.call('guest-shutdown', { mode }, call);
}

/**
 * Reboot the guest (`guest-shutdown` with mode `reboot`). Resolves when the agent took
 * the request.
 *
 * @example
 * ```ts
 * await reboot(client);
 * ```
 */
export function reboot(client: QgaClient, options: CallOptions = {}): Promise<void> {
  return shutdown(client, { ...callOptions('reboot', options), mode: 'reboot' });
}

/**
 * Suspend the guest (`guest-suspend-ram`, `-disk` or `-hybrid`). Resolves when the agent
 * took the request; rejects with the agent's error when the guest cannot suspend that way.
 *
 * @example
 * ```ts
 * if (await client.supports('guest-suspend-ram')) await suspend(client, 'ram');
 * ```
 */
export async function suspend(client: QgaClient, kind: SuspendKind, options: CallOptions = {}): Promise<void> {
  const call = callOptions('suspend', options);
  const command = typeof kind === 'string' && Object.hasOwn(SUSPEND_COMMANDS, kind) ? SUSPEND_COMMANDS[kind] : undefined;
  if (command === undefined) throw new TypeError(`suspend: kind must be 'ram', 'disk' or 'hybrid', got ${String(kind)}`);
  await client.call(command, undefined, call);
}
