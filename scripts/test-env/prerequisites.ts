/**
 * What the real test suites need from the machine, checked before they start: a suite that
 * cannot run names exactly what is missing and the one command that installs it, and with
 * `CI` set a missing piece fails the run instead (CI installs everything, so a skip there
 * would hide a broken set-up).
 *
 * `QGA_TEST_PRETEND_MISSING=qemu-ga,qemu,...` makes the check report those pieces as missing,
 * to see the notices (and the CI failure) on a machine that has everything.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The command that installs every piece (scripts/setup-test-env.sh). */
export const SETUP_COMMAND = 'sudo npm run setup:test-env';

export type Piece = 'qemu-ga' | 'qemu' | 'guest-build-tools' | 'accelerator' | 'libvirtd';
export const PIECES: readonly Piece[] = ['qemu-ga', 'qemu', 'guest-build-tools', 'accelerator', 'libvirtd'];

export type Suite = 'integration' | 'e2e-vm' | 'libvirt';

const NEEDS: Readonly<Record<Suite, readonly Piece[]>> = {
  integration: ['qemu-ga'],
  'e2e-vm': ['qemu', 'guest-build-tools', 'accelerator'],
  // The libvirt suite boots the same guest, under libvirtd.
  libvirt: ['qemu', 'guest-build-tools', 'accelerator', 'libvirtd'],
};

export interface Missing {
  piece: Piece;
  /** For people: what is missing and which package has it. */
  what: string;
}

/** How the machine is looked at; tests pass their own. */
export interface Probe {
  env: NodeJS.ProcessEnv;
  /** Full path of an executable command, or undefined. */
  find(command: string): string | undefined;
  /** Accelerators this QEMU binary was built with (`-accel help`). */
  accelerators(qemu: string): string[];
  /** True when /dev/kvm exists and this user may open it. */
  kvmUsable(): boolean;
  /** True when the guest still has to be built and apt has no lists to download it from. */
  guestBuildLacksAptLists(): boolean;
}

/** Every piece `suite` needs that this machine lacks, in a fixed order. */
export function findMissing(suite: Suite, probe: Probe = systemProbe()): Missing[] {
  const pretend = new Set((probe.env['QGA_TEST_PRETEND_MISSING'] ?? '').split(',').map((p) => p.trim()));
  const missing: Missing[] = [];
  for (const piece of NEEDS[suite]) {
    const what = pretend.has(piece) ? `${describe(piece, probe, true)!} [pretended: QGA_TEST_PRETEND_MISSING]` : check(piece, probe);
    if (what !== undefined) missing.push({ piece, what });
  }
  return missing;
}

/** The loud notice of a local run that skips `title` (e.g. "the real-agent tests"). */
export function skipNotice(label: string, title: string, missing: readonly Missing[]): string {
  const line = '*'.repeat(100);
  return [
    '',
    line,
    `*** [${label}] ${title} are SKIPPED: this machine lacks`,
    ...missing.map((m) => `***   - ${m.what}`),
    `*** Install ${missing.length === 1 ? 'it' : 'them'} with:  ${SETUP_COMMAND}   (Debian/Ubuntu)`,
    '*** With CI set this is a failure, not a skip.',
    line,
    '',
  ].join('\n');
}

/** The error of a CI run that lacks pieces. */
export function missingError(label: string, title: string, missing: readonly Missing[]): Error {
  return new Error(`[${label}] cannot run ${title}: this machine lacks ${missing.map((m) => m.what).join('; ')}. CI must install them first: ${SETUP_COMMAND}`);
}

/**
 * True when `suite` can run. Otherwise a local run prints the notice and gets false; a CI
 * run throws.
 */
export function suiteCanRun(suite: Suite, label: string, title: string, probe: Probe = systemProbe()): boolean {
  const missing = findMissing(suite, probe);
  return missing.length === 0 || skipOrFail(label, title, missing, probe.env);
}

/** Prints the skip notice and returns false, or with CI set throws. */
export function skipOrFail(label: string, title: string, missing: readonly Missing[], env: NodeJS.ProcessEnv = process.env): false {
  if (isCi(env)) throw missingError(label, title, missing);
  console.warn(skipNotice(label, title, missing));
  return false;
}

/** What start-qemu-ga's exit status 3 means. */
export const QEMU_GA_MISSING: Missing = { piece: 'qemu-ga', what: 'the `qemu-ga` binary (package qemu-guest-agent)' };

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

function check(piece: Piece, probe: Probe): string | undefined {
  switch (piece) {
    case 'qemu-ga': {
      const bin = probe.env['QGA_BIN'];
      // start-qemu-ga uses QGA_BIN when it is set, and nothing else.
      if (bin !== undefined && bin !== '') return isExecutable(bin) ? undefined : `the \`qemu-ga\` binary: QGA_BIN=${bin} is not an executable`;
      return probe.find('qemu-ga') === undefined ? describe(piece, probe) : undefined;
    }
    case 'qemu':
      return probe.find('qemu-system-x86_64') === undefined ? describe(piece, probe) : undefined;
    case 'guest-build-tools':
      return describe(piece, probe);
    case 'accelerator': {
      const qemu = probe.find('qemu-system-x86_64');
      // Without QEMU the accelerator cannot be asked; QEMU itself is reported.
      if (qemu === undefined || probe.kvmUsable() || probe.accelerators(qemu).includes('tcg')) return undefined;
      return describe(piece, probe);
    }
    case 'libvirtd':
      return probe.find('libvirtd') === undefined || probe.find('virsh') === undefined ? describe(piece, probe) : undefined;
  }
}

/** What to say about a missing piece; for the build tools, only the tools that are missing. */
function describe(piece: Piece, probe: Probe, pretend = false): string | undefined {
  switch (piece) {
    case 'qemu-ga':
      return QEMU_GA_MISSING.what;
    case 'qemu':
      return 'QEMU: `qemu-system-x86_64` (package qemu-system-x86)';
    case 'guest-build-tools': {
      const tools = GUEST_BUILD_TOOLS.filter((t) => pretend || probe.find(t.command) === undefined).map((t) => `${t.command} (${t.pkg})`);
      if (!pretend && probe.guestBuildLacksAptLists()) tools.push('apt package lists to download the guest from (apt-get update)');
      return tools.length === 0 ? undefined : `the guest build tools: ${tools.join(', ')}`;
    }
    case 'accelerator':
      return 'a QEMU accelerator: KVM (a usable /dev/kvm) or TCG (this QEMU lists neither in `-accel help`)';
    case 'libvirtd':
      return 'libvirt: `libvirtd` and `virsh` (packages libvirt-daemon-system, libvirt-clients, libvirt-daemon-driver-qemu)';
  }
}

/** What scripts/test-env/vm/build-guest runs (besides coreutils, which every host has). */
const GUEST_BUILD_TOOLS: readonly { command: string; pkg: string }[] = [
  { command: 'apt-get', pkg: 'apt' },
  { command: 'dpkg-deb', pkg: 'dpkg' },
  { command: 'cpio', pkg: 'cpio' },
  { command: 'mkfs.ext4', pkg: 'e2fsprogs' },
  { command: 'flock', pkg: 'util-linux' },
];

/** The real machine, looked at as the test-environment scripts look at it. */
export function systemProbe(env: NodeJS.ProcessEnv = process.env): Probe {
  // The scripts add the sbin folders too: qemu-ga and libvirtd live in /usr/sbin.
  const dirs = [...(env['PATH'] ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  const find = (command: string): string | undefined => dirs.map((d) => path.join(d, command)).find(isExecutable);
  return {
    env,
    find,
    accelerators(qemu) {
      const out = spawnSync(qemu, ['-accel', 'help'], { encoding: 'utf8', timeout: 10_000 });
      return (out.stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => /^[a-z]+$/.test(l));
    },
    kvmUsable() {
      return isAccessible('/dev/kvm', constants.R_OK | constants.W_OK);
    },
    guestBuildLacksAptLists() {
      if (guestIsBuilt(env)) return false;
      return spawnSync('apt-cache', ['show', 'linux-image-cloud-amd64'], { stdio: 'ignore', timeout: 30_000 }).status !== 0;
    },
  };
}

/** build-guest's own test: its cache holds a build made by this very script. */
function guestIsBuilt(env: NodeJS.ProcessEnv): boolean {
  const cache = env['QGA_VM_CACHE'] || path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'qga-test-vm');
  const script = path.join(import.meta.dirname, 'vm', 'build-guest');
  const built = path.join(cache, 'built');
  if (!existsSync(built) || !existsSync(script)) return false;
  const recipe = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 16);
  return readFileSync(built, 'utf8').split('\n')[0] === recipe;
}

function isExecutable(file: string): boolean {
  return isAccessible(file, constants.X_OK) && statSync(file).isFile();
}

function isAccessible(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}
