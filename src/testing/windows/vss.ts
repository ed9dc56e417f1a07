/**
 * The filesystem freeze of qemu-ga for Windows, through VSS (`qga/vss-win32/`): the
 * freeze takes a while (the provider must report "frozen"; the agent waits up to 60 s),
 * returns the number of fixed volumes (letterless ones included) or of the mount points
 * given, and fails the whole freeze for one unknown volume. Windows holds writes for at
 * most 10 s: after that the status still says `frozen`, and the next thaw fails with
 * "couldn't hold writes: fsfreeze is limited up to 10 seconds" — and leaves the agent
 * thawed. Time is read from an injectable clock, so tests can pass the window without
 * waiting for it.
 * @module
 */
import { genericError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import type { BuiltinContext } from '../commands/context.js';
import { WINDOWS_FSINFO } from './identity.js';
import type { WindowsMachine } from './machine.js';

/**
 * How the simulated VSS behaves.
 *
 * @example
 * ```ts
 * let now = 0;
 * await SimulatedAgent.start({ profile: 'windows', windows: { vss: { now: () => now, freezeDelayMs: 50 } } });
 * now += 11_000; // the next thaw reports the 10-second window overrun
 * ```
 */
export interface VssOptions {
  /** ms the freeze takes before it answers (on the agent's timers). Default 0. */
  freezeDelayMs?: number | undefined;
  /** The clock the 10-second write hold is measured on, in ms. Default: the host's monotonic clock. */
  now?: (() => number) | undefined;
  /**
   * A failure: `writer` (a VSS writer fails the snapshot set), `timeout` (the provider
   * never reports frozen: the freeze fails after `timeoutMs`), `unavailable` (VSS did
   * not initialise: the freeze commands are disabled, `guest-fsfreeze-freeze-list` fails).
   */
  fault?: 'writer' | 'timeout' | 'unavailable' | undefined;
  /** ms the `timeout` fault waits, like the agent's 60 s. Default 60 000. */
  timeoutMs?: number | undefined;
}

/** Windows releases held writes after this long. */
export const VSS_HOLD_MS = 10_000;

/** Register guest-fsfreeze-* of the Windows build; returns the command names VSS provides. */
export function registerVssCommands(registry: CommandRegistry, ctx: BuiltinContext, machine: WindowsMachine, options: VssOptions): void {
  const now = options.now ?? (() => performance.now());
  const newTexts = machine.era92;
  // From 10.0 an empty system message is replaced by its code (`error_setg_win32`); the
  // hold-writes code is not confirmed on a real guest.
  const suffix = (code: string): string => (machine.atLeast('10.0') ? `unknown Windows error ${code}` : '');
  let frozenAt = 0;
  const volumes = new Map<string, string>();
  for (const v of WINDOWS_FSINFO) {
    volumes.set(v.name.toLowerCase(), v.name);
    if (/^[A-Z]:\\$/.test(v.mountpoint)) volumes.set(v.mountpoint.toLowerCase(), v.mountpoint);
  }

  const freeze = async (mountpoints: readonly string[] | undefined): Promise<number> => {
    if (options.fault === 'unavailable') {
      throw genericError(newTexts ? 'fsfreeze not possible as VSS failed to initialize' : 'this feature or command is not currently supported');
    }
    for (const m of mountpoints ?? []) {
      if (!volumes.has(m.toLowerCase())) throw genericError(`failed to add ${m} to snapshot set: ${suffix('0x80042308')}`);
    }
    if (options.fault === 'timeout') {
      await machine.timers.sleep(options.timeoutMs ?? 60_000);
      throw genericError('timeout when try to receive Frozen event from VSS provider');
    }
    await machine.timers.sleep(options.freezeDelayMs ?? 0);
    if (options.fault === 'writer') throw genericError('failed to do snapshot set');
    ctx.frozen = mountpoints?.length ?? WINDOWS_FSINFO.length;
    frozenAt = now();
    return ctx.frozen;
  };

  registry.define({ name: 'guest-fsfreeze-status', args: {}, successResponse: true, run: () => (ctx.frozen > 0 ? 'frozen' : 'thawed') });
  registry.define({ name: 'guest-fsfreeze-freeze', args: {}, successResponse: true, run: () => freeze(undefined) });
  registry.define({
    name: 'guest-fsfreeze-freeze-list',
    args: { mountpoints: { type: { list: 'str' }, optional: true } },
    successResponse: true,
    run: (args) => freeze(args.mountpoints as string[] | undefined),
  });
  registry.define({
    name: 'guest-fsfreeze-thaw',
    args: {},
    successResponse: true,
    run: () => {
      const thawed = ctx.frozen;
      if (thawed === 0) return 0;
      ctx.frozen = 0;
      if (now() - frozenAt >= VSS_HOLD_MS) throw genericError(`couldn't hold writes: fsfreeze is limited up to 10 seconds: ${suffix('0x80042314')}`);
      return thawed;
    },
  });
  if (options.fault === 'unavailable') {
    for (const name of ['guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw', 'guest-get-fsinfo']) registry.setBlocked(name, true);
  }
}

