/**
 * Boots ONE real guest (scripts/test-env/vm/start-vm) for the e2e-vm project and provides its
 * agent socket to the tests; stops it in teardown.
 *
 * The guest is started with `--no-wait`: start-vm returns as soon as QEMU runs, and the
 * first test connects with `waitForAgent` while the guest is still booting. That is the
 * "connect during boot" scenario, and it saves booting a second VM for it (boot is 3–5 s
 * under TCG, and only one VM at a time is wanted on a 2-core machine).
 *
 * start-vm builds the guest into its cache on first use (Debian packages via apt-get
 * download). When the machine lacks QEMU, the guest build tools or an accelerator, a local
 * run skips the suite with a notice naming them and the command that installs them
 * (scripts/test-env/prerequisites.ts); when the guest cannot be built or booted for another
 * reason, the notice gives that reason. With CI set, either is a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { isCi, SETUP_COMMAND, suiteCanRun } from '../../scripts/test-env/prerequisites.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Host side of the guest agent's virtio-serial port; '' when the suite is skipped. */
    QGA_VM_SOCKET: string;
    /** QEMU's pid (0 when skipped). */
    QGA_VM_PID: number;
    /** start-vm's run dir (sockets, console log). */
    QGA_VM_DIR: string;
    /** QEMU monitor socket. */
    QGA_VM_QMP: string;
    /** The guest console log. */
    QGA_VM_SERIAL: string;
    /** `kvm` or `tcg`. */
    QGA_VM_ACCEL: string;
    /** Epoch ms when start-vm returned: QEMU had just started, the guest was booting. */
    QGA_VM_STARTED_AT: number;
    /**
     * ms from QEMU start to the first agent answer as start-vm measured it; 0 here because
     * the guest boots with --no-wait (the first test measures the boot instead).
     */
    QGA_VM_BOOT_MS: number;
    /** ms start-vm itself took (guest build included on a fresh cache). */
    QGA_VM_START_MS: number;
  }
}

const repoRoot = resolve(import.meta.dirname, '..', '..');
export const VM_TOOLS = resolve(repoRoot, 'scripts', 'test-env', 'vm');

const LABEL = 'e2e-vm';
const TITLE = 'the real-guest end-to-end tests';

function provideSkipped(project: TestProject): void {
  project.provide('QGA_VM_SOCKET', '');
  project.provide('QGA_VM_PID', 0);
  project.provide('QGA_VM_DIR', '');
  project.provide('QGA_VM_QMP', '');
  project.provide('QGA_VM_SERIAL', '');
  project.provide('QGA_VM_ACCEL', '');
  project.provide('QGA_VM_STARTED_AT', 0);
  project.provide('QGA_VM_BOOT_MS', 0);
  project.provide('QGA_VM_START_MS', 0);
}

function stopVm(args: string[]): void {
  const stop = resolve(VM_TOOLS, 'stop-vm');
  const result = spawnSync(stop, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 });
  if (result.status !== 0) console.warn(`[e2e-vm] stop-vm ${args.join(' ')} exited with ${String(result.status ?? result.signal)}`);
}

export default function setup(project: TestProject): (() => void) | undefined {
  const start = resolve(VM_TOOLS, 'start-vm');
  // A missing script is a broken checkout, not a missing package: never a skip.
  if (!existsSync(start)) throw new Error(`[${LABEL}] ${start} is missing from the repository`);
  if (!suiteCanRun('e2e-vm', LABEL, TITLE)) {
    provideSkipped(project);
    return undefined;
  }
  const started = performance.now();
  let failure: string | undefined;
  // stderr is inherited: build progress and boot errors (with the guest console tail) show in CI output.
  const result = spawnSync(start, ['--no-wait'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  const startedAt = Date.now();
  const stdout = result.stdout ?? '';
  if (result.error) failure = `start-vm failed: ${result.error.message}`;
  else if (result.status === 3) failure = `start-vm found host packages missing (named above); ${SETUP_COMMAND} installs them`;
  else if (result.status !== 0) failure = `start-vm exited with ${String(result.status ?? result.signal)} (its messages above say why)`;
  const startMs = Math.round(performance.now() - started);

  const env = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string | undefined>;
  const pid = Number(env['QGA_VM_PID'] ?? '');
  if (failure === undefined && (!env['QGA_VM_SOCKET'] || !Number.isInteger(pid) || pid <= 0)) {
    failure = `start-vm printed no socket or pid:\n${stdout}`;
  }

  if (failure !== undefined) {
    if (Number.isInteger(pid) && pid > 0) stopVm([String(pid)]);
    if (isCi()) throw new Error(`[${LABEL}] cannot boot the test guest: ${failure}`);
    // Everything the suite needs is installed (checked above), so this is not a package
    // problem: say what went wrong rather than suggest installing something.
    console.warn(
      `\n${'*'.repeat(100)}\n*** [${LABEL}] ${TITLE} are SKIPPED: the test guest could not be booted: ${failure}\n` +
        `*** With CI set this is a failure, not a skip.\n${'*'.repeat(100)}\n`,
    );
    provideSkipped(project);
    return undefined;
  }

  console.log(`[e2e-vm] QEMU started (${env['QGA_VM_ACCEL'] ?? '?'}, pid ${pid}) in ${startMs} ms; the guest is booting`);
  project.provide('QGA_VM_SOCKET', env['QGA_VM_SOCKET'] ?? '');
  project.provide('QGA_VM_PID', pid);
  project.provide('QGA_VM_DIR', env['QGA_VM_DIR'] ?? '');
  project.provide('QGA_VM_QMP', env['QGA_VM_QMP'] ?? '');
  project.provide('QGA_VM_SERIAL', env['QGA_VM_SERIAL'] ?? '');
  project.provide('QGA_VM_ACCEL', env['QGA_VM_ACCEL'] ?? '');
  project.provide('QGA_VM_STARTED_AT', startedAt);
  project.provide('QGA_VM_BOOT_MS', Number(env['QGA_VM_BOOT_MS'] || 0));
  project.provide('QGA_VM_START_MS', startMs);

  return () => {
    // The last test shuts the guest down; stop-vm also cleans up a VM that exited by itself.
    stopVm([String(pid)]);
    // Safety net for a VM left behind by a killed run. `--all` stops every VM start-vm
    // started on the machine, so only where the machine is ours alone (CI).
    if (isCi()) stopVm(['--all']);
  };
}
