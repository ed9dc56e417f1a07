/**
 * What the e2e-vm tests share: the booted guest (from the global setup), connecting to it,
 * seeing the events a connect emits, and per-scenario timings for the CI log.
 */
import { inject } from 'vitest';
import { QgaClient, type ConnectEvent, type ConnectOptions, type ResyncInfo } from '../../src/index.js';

export const vm = {
  socket: inject('QGA_VM_SOCKET'),
  pid: inject('QGA_VM_PID'),
  dir: inject('QGA_VM_DIR'),
  serial: inject('QGA_VM_SERIAL'),
  accel: inject('QGA_VM_ACCEL'),
  startedAt: inject('QGA_VM_STARTED_AT'),
  startMs: inject('QGA_VM_START_MS'),
};

/** Guest facts the tests check against (the guest image is built by ../shared/qga/vm). */
export const GUEST = {
  hostName: 'qga-test-vm',
  osId: 'qga-test-vm',
  kernelRelease: /^6\.1\.0-\d+-cloud-amd64$/,
  dataMount: '/mnt/data',
} as const;

export type GuestConnectOptions = Omit<ConnectOptions, 'path' | 'host' | 'port' | 'transport'>;

/**
 * Connect to the suite's guest. `waitForAgent` is generous so any test can run first (e.g.
 * with `-t`) while the guest still boots; once it is up the first attempt succeeds.
 * A 30 s default call timeout: the guest runs under TCG and shares 2 cores with the host.
 */
export function connectGuest(options: GuestConnectOptions = {}): Promise<QgaClient> {
  return QgaClient.connect({ path: vm.socket, waitForAgent: 120_000, timeout: 30_000, ...options });
}

export interface ObservedConnect {
  client: QgaClient;
  /** The `connect` event of this connect. */
  connect: ConnectEvent;
  /** The `resync` events emitted while connecting (the connect-time resync). */
  resyncs: ResyncInfo[];
}

/**
 * Connect and capture the `connect` and `resync` events emitted *during* the connect.
 *
 * `QgaClient.connect()` emits both before it resolves, so a listener added to the returned
 * client can never see them. Until the client offers a way to observe them (reported), the
 * tests intercept `emit` on the prototype for the duration of the connect. Tests run one at a
 * time, so only the client being connected emits meanwhile.
 */
export async function connectObserved(options: GuestConnectOptions = {}): Promise<ObservedConnect> {
  const proto = QgaClient.prototype as unknown as { emit: (this: QgaClient, event: string, ...args: unknown[]) => boolean };
  if (Object.hasOwn(proto, 'emit')) throw new Error('QgaClient.prototype.emit is already intercepted');
  const inherited = proto.emit;
  let connect: ConnectEvent | undefined;
  const resyncs: ResyncInfo[] = [];
  proto.emit = function (this: QgaClient, event: string, ...args: unknown[]): boolean {
    if (event === 'connect') connect = args[0] as ConnectEvent;
    if (event === 'resync') resyncs.push(args[0] as ResyncInfo);
    return inherited.call(this, event, ...args);
  };
  try {
    const client = await connectGuest(options);
    if (connect === undefined) throw new Error('connect() resolved without a connect event');
    return { client, connect, resyncs };
  } finally {
    delete (proto as Partial<typeof proto>).emit;
  }
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
