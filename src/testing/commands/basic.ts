/**
 * Commands that only report: ping, sync, info, time, host name, OS, time zone,
 * interfaces, users.
 * @module
 */
import type { CommandRegistry } from '../dispatch.js';
import type { BuiltinContext } from './context.js';

/** Register the informational commands (in schema order). */
export function registerBasicCommands(registry: CommandRegistry, ctx: BuiltinContext): void {
  const s = ctx.settings;
  registry.define({
    name: 'guest-sync-delimited',
    args: { id: { type: 'int' } },
    successResponse: true,
    run: (args, call) => {
      // qga/commands.c sets a one-shot flag; send_response puts 0xFF before this reply.
      call.delimit();
      return args.id;
    },
  });
  registry.define({ name: 'guest-sync', args: { id: { type: 'int' } }, successResponse: true, run: (args) => args.id });
  registry.define({ name: 'guest-ping', args: {}, successResponse: true, run: () => undefined });
  registry.define({ name: 'guest-get-time', args: {}, successResponse: true, run: () => s.clock() });
  registry.define({
    name: 'guest-info',
    args: {},
    successResponse: true,
    run: () => ({
      version: s.version,
      // qmp_command_info prepends each command, so the list comes out newest first.
      supported_commands: registry.list().reverse().map((def) => ({
        name: def.name,
        enabled: registry.refusal(def.name) === undefined,
        'success-response': def.successResponse,
      })),
    }),
  });
  registry.define({
    name: 'guest-network-get-interfaces',
    args: {},
    successResponse: true,
    run: () => s.interfaces,
  });
  registry.define({ name: 'guest-get-host-name', args: {}, successResponse: true, run: () => ({ 'host-name': s.hostName }) });
  registry.define({ name: 'guest-get-users', args: {}, successResponse: true, run: () => s.users });
  registry.define({ name: 'guest-get-timezone', args: {}, successResponse: true, run: () => s.timezone });
  registry.define({ name: 'guest-get-osinfo', args: {}, successResponse: true, run: () => s.osInfo });
}

/** Default `guest-get-osinfo` answer: a plausible Linux guest. */
export const DEFAULT_OS_INFO = {
  'kernel-release': '6.1.0-simulated',
  'kernel-version': '#1 SMP PREEMPT_DYNAMIC',
  machine: 'x86_64',
  id: 'simulated',
  name: 'Simulated Linux',
  'pretty-name': 'Simulated Linux 1.0',
  version: '1.0',
  'version-id': '1.0',
} as const;

/** Interface statistics of a guest that moved no traffic. */
export const ZERO_STATS = {
  'rx-bytes': 0,
  'rx-packets': 0,
  'rx-errs': 0,
  'rx-dropped': 0,
  'tx-bytes': 0,
  'tx-packets': 0,
  'tx-errs': 0,
  'tx-dropped': 0,
};

/** Default `guest-network-get-interfaces` answer. */
export const DEFAULT_INTERFACES = [
  {
    name: 'lo',
    'hardware-address': '00:00:00:00:00:00',
    'ip-addresses': [
      { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
      { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
    ],
    statistics: ZERO_STATS,
  },
  {
    name: 'eth0',
    'hardware-address': '52:54:00:12:34:56',
    'ip-addresses': [{ 'ip-address': '10.0.2.15', 'ip-address-type': 'ipv4', prefix: 24 }],
    statistics: ZERO_STATS,
  },
] as const;
