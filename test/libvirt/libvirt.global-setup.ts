/**
 * The `libvirt` project runs against a REAL libvirtd and real guests, no mocks: it starts
 * the daemon (scripts/test-env/libvirt/start-libvirtd, no systemd needed) and boots two
 * transient test domains in parallel (start-libvirt-vm; ~250 MiB each, agent up 4–15 s
 * under TCG). Tests that need a fresh domain (waiting for the agent, shutdown) boot a third
 * one themselves under this run's prefix; teardown destroys every domain of the run.
 *
 * Missing libvirt, QEMU or root: with CI set the run fails; locally the suite is skipped
 * with a loud notice that names what is missing (scripts/test-env/prerequisites.ts).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { skipOrFail, suiteCanRun } from '../../scripts/test-env/prerequisites.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the suite is skipped ('' when it runs). */
    LIBVIRT_SKIP: string;
    LIBVIRT_URI: string;
    LIBVIRT_SOCKET: string;
    LIBVIRT_VERSION: string;
    /** Prefix of every domain this run creates (`qga-lvt-<pid>-`). */
    LIBVIRT_PREFIX: string;
    /** The two domains booted here; their agents answer. */
    LIBVIRT_DOMAIN_A: string;
    LIBVIRT_UUID_A: string;
    LIBVIRT_DOMAIN_B: string;
  }
}

export const LIBVIRT_TOOLS = resolve(import.meta.dirname, '..', '..', 'scripts', 'test-env', 'libvirt');

/** KEY=VALUE lines as the test-env scripts print them. */
export function parseEnv(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Boots a domain; resolves with start-libvirt-vm's KEY=VALUE output. */
export function startDomain(name: string, args: string[] = []): Promise<Record<string, string>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(resolve(LIBVIRT_TOOLS, 'start-libvirt-vm'), [...args, '--timeout', '180', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise(parseEnv(out)) : reject(new Error(`start-libvirt-vm ${name} exited with ${String(code)}`))));
  });
}

/** Destroys every domain whose name starts with `prefix`. */
export function stopDomains(prefix: string): void {
  const list = spawnSync('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name'], { encoding: 'utf8' });
  const names = (list.stdout ?? '').split('\n').map((n) => n.trim()).filter((n) => n.startsWith(prefix));
  if (names.length > 0) spawnSync(resolve(LIBVIRT_TOOLS, 'stop-libvirt-vm'), names, { stdio: 'inherit', timeout: 60_000 });
}

const LABEL = 'libvirt';
const TITLE = 'the real-libvirtd tests';

function provideSkipped(project: TestProject): undefined {
  for (const key of ['LIBVIRT_URI', 'LIBVIRT_SOCKET', 'LIBVIRT_VERSION', 'LIBVIRT_PREFIX', 'LIBVIRT_DOMAIN_A', 'LIBVIRT_UUID_A', 'LIBVIRT_DOMAIN_B'] as const) project.provide(key, '');
  project.provide('LIBVIRT_SKIP', 'skipped: see the notice above');
  return undefined;
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  // A missing script is a broken checkout, not a missing package: never a skip.
  if (!existsSync(resolve(LIBVIRT_TOOLS, 'start-libvirtd'))) throw new Error(`[${LABEL}] ${LIBVIRT_TOOLS}/start-libvirtd is missing from the repository`);
  if (!suiteCanRun('libvirt', LABEL, TITLE)) return provideSkipped(project);
  if (process.getuid?.() !== 0) {
    skipOrFail(LABEL, TITLE, [{ piece: 'libvirtd', what: 'root: libvirtd and the test domains are started as root' }]);
    return provideSkipped(project);
  }
  const daemon = parseEnv(execFileSync(resolve(LIBVIRT_TOOLS, 'start-libvirtd'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  // Unique per run: other runs (and other people) may use the same libvirtd.
  const prefix = `qga-lvt-${process.pid}-`;
  const teardown = (): void => stopDomains(prefix);
  try {
    const [a, b] = await Promise.all([startDomain(`${prefix}a`), startDomain(`${prefix}b`)]);
    project.provide('LIBVIRT_DOMAIN_A', a['LIBVIRT_DOMAIN'] ?? '');
    project.provide('LIBVIRT_UUID_A', a['LIBVIRT_DOMAIN_UUID'] ?? '');
    project.provide('LIBVIRT_DOMAIN_B', b['LIBVIRT_DOMAIN'] ?? '');
  } catch (error) {
    teardown();
    throw error;
  }
  project.provide('LIBVIRT_SKIP', '');
  project.provide('LIBVIRT_URI', daemon['LIBVIRT_URI'] ?? 'qemu:///system');
  project.provide('LIBVIRT_SOCKET', daemon['LIBVIRT_SOCKET'] ?? '');
  project.provide('LIBVIRT_VERSION', daemon['LIBVIRT_VERSION'] ?? '');
  project.provide('LIBVIRT_PREFIX', prefix);
  return teardown;
}
