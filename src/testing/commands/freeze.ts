/**
 * Filesystem freeze. Freezing puts the agent in frozen mode, where
 * only the allow-list in `dispatch.ts` works — a second freeze included, which is refused
 * as disabled. Nothing thaws by itself, and the state outlives connections.
 * @module
 */
import type { CommandRegistry } from '../dispatch.js';
import type { BuiltinContext } from './context.js';

/** Register guest-fsfreeze-status/freeze/freeze-list/thaw. */
export function registerFreezeCommands(registry: CommandRegistry, ctx: BuiltinContext): void {
  const freeze = (mountpoints: readonly string[]): number => {
    const count = mountpoints.length;
    // The agent leaves frozen mode again when nothing could be frozen.
    ctx.frozen = count;
    return count;
  };
  registry.define({
    name: 'guest-fsfreeze-status',
    args: {},
    successResponse: true,
    run: () => (ctx.frozen > 0 ? 'frozen' : 'thawed'),
  });
  registry.define({
    name: 'guest-fsfreeze-freeze',
    args: {},
    successResponse: true,
    run: () => freeze(ctx.settings.mountpoints),
  });
  registry.define({
    name: 'guest-fsfreeze-freeze-list',
    args: { mountpoints: { type: { list: 'str' }, optional: true } },
    successResponse: true,
    run: (args) => {
      const wanted = args.mountpoints as string[] | undefined;
      // Unknown mount points are ignored silently, as by the real agent.
      return freeze(wanted ? ctx.settings.mountpoints.filter((m) => wanted.includes(m)) : ctx.settings.mountpoints);
    },
  });
  registry.define({
    name: 'guest-fsfreeze-thaw',
    args: {},
    successResponse: true,
    run: () => {
      const thawed = ctx.frozen;
      ctx.frozen = 0;
      return thawed;
    },
  });
}
