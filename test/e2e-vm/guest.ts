/**
 * What the e2e-vm tests share: the booted guest (from the global setup), connecting to it,
 * and per-scenario timings for the CI log.
 */
import { inject } from 'vitest';
import { QgaClient, type ConnectOptions } from '../../src/index.js';

export const vm = {
  socket: inject('QGA_VM_SOCKET'),
  pid: inject('QGA_VM_PID'),
  dir: inject('QGA_VM_DIR'),
  serial: inject('QGA_VM_SERIAL'),
  accel: inject('QGA_VM_ACCEL'),
  startedAt: inject('QGA_VM_STARTED_AT'),
  startMs: inject('QGA_VM_START_MS'),
};

/** Guest facts the tests check against (the guest image is built by scripts/test-env/vm). */
export const GUEST = {
  hostName: 'qga-test-vm',
  osId: 'qga-test-vm',
  kernelRelease: /^6\.1\.0-\d+-cloud-amd64$/,
  dataMount: '/mnt/data',
} as const;

export type GuestConnectOptions = Omit<ConnectOptions, 'path' | 'host' | 'port' | 'transport' | 'libvirt'>;

/**
 * Connect to the suite's guest. `waitForAgent` is generous so any test can run first (e.g.
 * with `-t`) while the guest still boots; once it is up the first attempt succeeds.
 * A 30 s default call timeout: the guest runs under TCG and shares 2 cores with the host.
 */
export function connectGuest(options: GuestConnectOptions = {}): Promise<QgaClient> {
  return QgaClient.connect({ path: vm.socket, waitForAgent: 120_000, timeout: 30_000, ...options });
}

/** ms since `start` (a performance.now() value), rounded for logs. */
export const since = (start: number): number => Math.round(performance.now() - start);

const timings: { scenario: string; ms: number; note: string }[] = [];

/** Record a scenario's duration and print it at once (it shows in CI output). */
export function recordTiming(scenario: string, ms: number, note = ''): void {
  timings.push({ scenario, ms, note });
  console.log(`[e2e-vm] ${scenario}: ${ms} ms${note ? ` (${note})` : ''}`);
}

/** The timings table, printed once at the end of the suite. */
export function timingSummary(): string {
  const width = Math.max(...timings.map((t) => t.scenario.length), 8);
  const lines = timings.map((t) => `  ${t.scenario.padEnd(width)}  ${String(t.ms).padStart(7)} ms${t.note ? `  ${t.note}` : ''}`);
  return [`[e2e-vm] timings (${vm.accel}):`, ...lines].join('\n');
}
