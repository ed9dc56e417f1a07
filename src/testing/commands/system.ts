/**
 * Commands that would change the guest: shutdown, suspend, password. The simulated agent
 * only records them. Shutdown and suspend send no reply on success (`success-response:
 * false`); the password is never logged.
 * @module
 */
import { genericError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { decodeBase64 } from './base64.js';
import type { BuiltinContext } from './context.js';

const SHUTDOWN_MODES = ['halt', 'powerdown', 'reboot'];

/** Register guest-shutdown, guest-suspend-* and guest-set-user-password. */
export function registerSystemCommands(registry: CommandRegistry, ctx: BuiltinContext): void {
  registry.define({
    name: 'guest-shutdown',
    args: { mode: { type: 'str', optional: true } },
    successResponse: false,
    run: (args) => {
      const mode = (args.mode as string | undefined) ?? 'powerdown';
      if (!SHUTDOWN_MODES.includes(mode)) {
        // The real text lacks its closing parenthesis (qga/commands-posix.c).
        throw genericError('mode is invalid (valid values are: halt|powerdown|reboot');
      }
      ctx.shutdownRequests.push({ command: 'guest-shutdown', mode });
    },
  });
  for (const name of ['guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid']) {
    registry.define({
      name,
      args: {},
      successResponse: false,
      run: () => {
        ctx.shutdownRequests.push({ command: name });
      },
    });
  }
  registry.define({
    name: 'guest-set-user-password',
    args: { username: { type: 'str' }, password: { type: 'str' }, crypted: { type: 'bool' } },
    successResponse: true,
    run: (args) => {
      const username = args.username as string;
      const password = decodeBase64(args.password as string).toString('utf8');
      if (password.includes('\n')) throw genericError('forbidden characters in raw password');
      if (username.includes('\n') || username.includes(':')) throw genericError('forbidden characters in username');
      const change = { username, crypted: args.crypted as boolean };
      Object.defineProperty(change, 'password', { value: password, enumerable: false });
      ctx.passwordChanges.push(change as typeof change & { password: string });
    },
  });
}
