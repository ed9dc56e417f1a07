/**
 * What the libvirt suite's tests share: the real daemon and domains from the global setup,
 * and the few host-side actions the scenarios need (virsh, freezing a guest's agent,
 * restarting libvirtd). Everything here acts on real processes.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { QgaClient, type ConnectOptions, type LibvirtConnectOptions } from '../../src/index.js';
import { LIBVIRT_TOOLS } from './libvirt.global-setup.js';

export const skipReason = inject('LIBVIRT_SKIP');
export const uri = inject('LIBVIRT_URI');
export const prefix = inject('LIBVIRT_PREFIX');
export const domainA = inject('LIBVIRT_DOMAIN_A');
export const uuidA = inject('LIBVIRT_UUID_A');
export const domainB = inject('LIBVIRT_DOMAIN_B');

/** True when there is no libvirtd to test against (the global setup said why, loudly). */
export const noLibvirt = skipReason !== '';

/** Connects through libvirt to `domain` with a TCG-friendly default timeout. */
export function connect(domain: string, options: Omit<ConnectOptions, 'libvirt' | 'path' | 'host' | 'port' | 'transport'> = {}, libvirt: Partial<LibvirtConnectOptions> = {}): Promise<QgaClient> {
  return QgaClient.connect({ libvirt: { domain, ...libvirt }, timeout: 20_000, ...options });
}

export function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The domain's state as virsh prints it ('running', 'shut off'), or 'gone' when it no longer exists. */
export function domainState(name: string): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', 'domstate', name], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'gone';
}

export function stopDomain(name: string): void {
  spawnSync(resolve(LIBVIRT_TOOLS, 'stop-libvirt-vm'), [name], { stdio: 'inherit', timeout: 60_000 });
}

/**
 * Stops qemu-ga inside the guest (SIGSTOP) for `seconds`, then lets it go on: libvirt's
 * agent calls to the domain hang meanwhile. Resolves once the agent is stopped (the guest
 * stops it 1 s after the exec; a TCG guest may need a little longer).
 */
export async function freezeAgent(client: QgaClient, seconds: number): Promise<void> {
  await client.spawn(['sh', '-c', `sleep 1; kill -STOP $(pidof qemu-ga); sleep ${seconds}; kill -CONT $(pidof qemu-ga)`]);
  await new Promise((r) => setTimeout(r, 3_000));
}

/** Restarts the real libvirtd (SIGTERM, wait for it to exit, start-libvirtd); running domains survive. */
export async function restartLibvirtd(): Promise<void> {
  const pid = Number(spawnSync('pidof', ['libvirtd'], { encoding: 'utf8' }).stdout.trim());
  if (pid) {
    process.kill(pid, 'SIGTERM');
    // libvirtd drops its clients at once but may take seconds to exit; start-libvirtd
    // would take the exiting daemon for a running one.
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
    }
  }
  await new Promise<void>((resolvePromise, reject) => {
    execFile(resolve(LIBVIRT_TOOLS, 'start-libvirtd'), (error) => (error ? reject(error) : resolvePromise()));
  });
}
