/**
 * Power and accounts on the simulated Windows guest (`qga/commands-win32.c`):
 * `guest-shutdown` (`ExitWindowsEx` with `EWX_FORCE`) sends no reply, then the guest goes
 * away and the channel closes — after a reboot nothing is running and no file is open,
 * but the handle counter goes on; suspend first checks the power capabilities, which a VM
 * without S3/S4 lacks; `guest-set-user-password` knows local accounts only and refuses
 * `crypted`; the ssh key commands (9.1 and later) keep keys per user.
 * @module
 */
import { genericError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { decodeBase64 } from '../commands/base64.js';
import type { BuiltinContext } from '../commands/context.js';
import type { WindowsMachine } from './machine.js';

const SHUTDOWN_MODES = ['halt', 'powerdown', 'reboot'];

/** What the guest does when it powers off or reboots (drop the channel, reset state). */
export type PowerEvent = (mode: 'halt' | 'powerdown' | 'reboot') => void;

/** Register the power, password and ssh-key commands of the Windows build. */
export function registerWindowsSystemCommands(
  registry: CommandRegistry,
  ctx: BuiltinContext,
  machine: WindowsMachine,
  options: { suspend: boolean; accounts: readonly string[]; onPower: PowerEvent },
): void {
  registry.define({
    name: 'guest-shutdown',
    args: { mode: { type: 'str', optional: true } },
    successResponse: false,
    run: (args) => {
      const mode = (args.mode as string | undefined) ?? 'powerdown';
      if (!SHUTDOWN_MODES.includes(mode)) throw genericError("Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
      ctx.shutdownRequests.push({ command: 'guest-shutdown', mode });
      // No reply; the guest goes down a moment later (after the client's probe got its answer).
      machine.timers.after(50, () => options.onPower(mode as 'halt' | 'powerdown' | 'reboot'));
    },
  });
  for (const [name, what] of [['guest-suspend-disk', 'suspend-to-disk'], ['guest-suspend-ram', 'suspend-to-ram']] as const) {
    registry.define({
      name,
      args: {},
      successResponse: false,
      run: () => {
        if (!options.suspend) throw genericError(`${what} not supported by OS`);
        ctx.shutdownRequests.push({ command: name });
      },
    });
  }
  const accounts = new Set(options.accounts.map((a) => a.toLowerCase()));
  registry.define({
    name: 'guest-set-user-password',
    args: { username: { type: 'str' }, password: { type: 'str' }, crypted: { type: 'bool' } },
    successResponse: true,
    run: (args) => {
      if (args.crypted === true) throw genericError(machine.era92 ? "'crypted' must be off on this host" : 'this feature or command is not currently supported');
      const username = args.username as string;
      const password = decodeBase64(args.password as string).toString('utf8');
      if (!accounts.has(username.toLowerCase())) throw genericError(`failed to set password: ${machine.message('USER_NOT_FOUND')}`);
      const change = { username, crypted: false };
      Object.defineProperty(change, 'password', { value: password, enumerable: false });
      ctx.passwordChanges.push(change as typeof change & { password: string });
    },
  });
  if (!machine.newEra) return;
  const keys = new Map<string, string[]>();
  const known = (username: string): string => {
    if (!accounts.has(username.toLowerCase())) throw genericError(`User ${username} was not found`);
    return username.toLowerCase();
  };
  registry.define({
    name: 'guest-ssh-get-authorized-keys',
    args: { username: { type: 'str' } },
    successResponse: true,
    run: (args) => ({ keys: keys.get(known(args.username as string)) ?? [] }),
  });
  registry.define({
    name: 'guest-ssh-add-authorized-keys',
    args: { username: { type: 'str' }, keys: { type: { list: 'str' } }, reset: { type: 'bool', optional: true } },
    successResponse: true,
    run: (args) => {
      const user = known(args.username as string);
      const current = args.reset === true ? [] : (keys.get(user) ?? []);
      keys.set(user, [...current, ...(args.keys as string[]).filter((k) => !current.includes(k))]);
    },
  });
  registry.define({
    name: 'guest-ssh-remove-authorized-keys',
    args: { username: { type: 'str' }, keys: { type: { list: 'str' } } },
    successResponse: true,
    run: (args) => {
      const user = known(args.username as string);
      keys.set(user, (keys.get(user) ?? []).filter((k) => !(args.keys as string[]).includes(k)));
    },
  });
}
