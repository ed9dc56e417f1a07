/**
 * Ask many guests at once: one client per agent socket (each channel serves one client),
 * at most `concurrency` connections open at a time, and one failure does not stop the rest.
 *
 *   npx tsx examples/many-vms.ts /run/qga/vm1.sock /run/qga/vm2.sock …
 *   npx tsx examples/many-vms.ts            # no sockets: 20 simulated guests
 *
 * Each socket must be free: a channel that libvirt or Proxmox holds answers only them
 * (see docs/connecting.md).
 */
import { QgaClient } from '../src/index.js';
import { SimulatedAgent } from '../src/testing/index.js';
import { fail, isMain } from './connect.js';

/** What one guest answered, or why it did not. */
export interface GuestReport {
  /** The agent socket. */
  socket: string;
  /** Host name, when the guest answered. */
  hostName?: string;
  /** `pretty-name` of the OS, when the guest answered. */
  os?: string;
  /** ms from connect to the last answer. */
  ms: number;
  /** Why this guest failed (`code: message`). */
  error?: string;
}

/**
 * Query every socket with at most `concurrency` clients open at once; resolves with one
 * report per socket, in input order, failures included.
 *
 * @example
 * ```ts
 * const reports = await surveyGuests(sockets, { concurrency: 32 });
 * const down = reports.filter((r) => r.error);
 * ```
 */
export async function surveyGuests(sockets: readonly string[], options: { concurrency?: number; timeout?: number } = {}): Promise<GuestReport[]> {
  const reports: GuestReport[] = new Array(sockets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sockets.length) {
      const index = next++;
      reports[index] = await surveyOne(sockets[index]!, options.timeout ?? 5_000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, sockets.length) }, worker));
  return reports;
}

async function surveyOne(socket: string, timeout: number): Promise<GuestReport> {
  const started = performance.now();
  try {
    await using client = await QgaClient.connect({ path: socket, timeout, connectTimeout: timeout });
    const [{ 'host-name': hostName }, os] = await Promise.all([client.guestGetHostName(), client.guestGetOsinfo()]);
    return { socket, hostName, os: os['pretty-name'] ?? os.name ?? 'unknown', ms: Math.round(performance.now() - started) };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { socket, ms: Math.round(performance.now() - started), error: `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}` };
  }
}

/** One line per guest. */
export function describeReports(reports: readonly GuestReport[]): string {
  return reports
    .map((r) => (r.error ? `✗ ${r.socket}  ${r.error}` : `✓ ${r.hostName!.padEnd(10)} ${r.os!.padEnd(32)} ${String(r.ms).padStart(5)} ms`))
    .join('\n');
}

if (isMain(import.meta.url)) {
  let sockets = process.argv.slice(2);
  const agents: SimulatedAgent[] = [];
  try {
    if (sockets.length === 0) {
      for (let i = 1; i <= 20; i++) agents.push(await SimulatedAgent.start({ hostName: `vm-${String(i).padStart(2, '0')}` }));
      sockets = agents.map((a) => a.path);
    }
    const started = performance.now();
    const reports = await surveyGuests(sockets, { concurrency: 8 });
    console.log(describeReports(reports));
    console.log(`${reports.filter((r) => !r.error).length}/${reports.length} guests answered in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    fail(error);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
