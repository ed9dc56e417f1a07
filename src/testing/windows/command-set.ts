/**
 * Which commands the simulated Windows agent has, by era. Up to 9.0
 * (virtio-win ≤ 108) the agent registers commands Windows cannot do and disables them at
 * start-up (`guest-info` lists them `enabled: false`; a call says "has been disabled"),
 * and two more answer "not currently supported". From 9.1 (≥ 109) they are not built at
 * all ("has not been found"), the ssh key commands exist, and from 10.1 `guest-get-load`.
 * Also the Windows-only reports: volumes, disks, devices, vCPUs, trim.
 * @module
 */
import { genericError } from '../errors.js';
import type { CommandRegistry } from '../dispatch.js';
import { WINDOWS_DEVICES, WINDOWS_DISKS, WINDOWS_FSINFO, WINDOWS_VCPUS } from './identity.js';
import type { WindowsMachine } from './machine.js';

/** Disabled at start-up by ≤ 9.0 builds. */
const DISABLED_UP_TO_9_0 = ['guest-suspend-hybrid', 'guest-set-vcpus', 'guest-get-memory-blocks', 'guest-set-memory-blocks', 'guest-get-memory-block-info'];
/** Registered by ≤ 9.0 builds, answering "not currently supported". */
const UNSUPPORTED_UP_TO_9_0 = ['guest-get-cpustats', 'guest-get-diskstats'];

/** Register the reports and the era-dependent commands. */
export function registerWindowsCommandSet(registry: CommandRegistry, machine: WindowsMachine): void {
  registry.define({ name: 'guest-get-vcpus', args: {}, successResponse: true, run: () => WINDOWS_VCPUS });
  registry.define({ name: 'guest-get-fsinfo', args: {}, successResponse: true, run: () => WINDOWS_FSINFO });
  registry.define({ name: 'guest-get-disks', args: {}, successResponse: true, run: () => WINDOWS_DISKS });
  registry.define({ name: 'guest-get-devices', args: {}, successResponse: true, run: () => WINDOWS_DEVICES });
  registry.define({
    name: 'guest-set-time',
    args: { time: { type: 'int', optional: true } },
    // Without a time the agent runs `w32tm /resync /nowait`; accepted here.
    successResponse: true,
    run: () => undefined,
  });
  registry.define({
    name: 'guest-fstrim',
    args: { minimum: { type: 'int', optional: true } },
    successResponse: true,
    // defrag.exe /L per fixed volume; `minimum` is ignored and nothing reports `trimmed`.
    run: () => ({ paths: [{ path: 'C:\\' }] }),
  });
  if (!machine.newEra) {
    for (const name of DISABLED_UP_TO_9_0) {
      registry.define({ name, successResponse: name !== 'guest-suspend-hybrid', run: () => undefined });
      registry.setBlocked(name, true);
    }
    for (const name of UNSUPPORTED_UP_TO_9_0) {
      registry.define({
        name,
        args: {},
        successResponse: true,
        run: () => {
          throw genericError('this feature or command is not currently supported');
        },
      });
    }
    return;
  }
  if (machine.atLeast('10.1')) {
    let first = true;
    registry.define({
      name: 'guest-get-load',
      args: {},
      successResponse: true,
      run: () => {
        // An EWMA of "Processor Queue Length" sampled every 5 s: nothing to average yet at first.
        const load = first ? 0 : 0.25;
        first = false;
        return { load1m: load, load5m: load, load15m: load };
      },
    });
  }
}
