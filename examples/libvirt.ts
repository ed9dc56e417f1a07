/**
 * Reach the agents that libvirt owns: one libvirt connection, one client per domain, all
 * domains at once. On a libvirt host libvirtd holds every domain's agent socket; qga-client
 * speaks libvirt's own RPC protocol to it (no virsh, no native addon), locally or remotely.
 *
 *   npx tsx examples/libvirt.ts vm1 vm2                                  # qemu:///system, as root
 *   npx tsx examples/libvirt.ts --uri qemu+ssh://root@kvm1.example/system vm1
 *   npx tsx examples/libvirt.ts --uri 'qemu+tls://kvm2.example/system' vm3
 */
import { LibvirtConnection, QgaClient, isQgaError } from '../src/index.js';
import { fail, isMain } from './connect.js';

/** What one domain's agent answered, or why it did not. */
export interface DomainReport {
  /** The domain name or UUID asked for. */
  domain: string;
  /** Host name, when the agent answered. */
  hostName?: string;
  /** `pretty-name` of the OS, when the agent answered. */
  os?: string;
  /** ms from connect to the last answer. */
  ms: number;
  /** Why this domain failed (`code: message`): unknown, not running, agent not connected … */
  error?: string;
}

/**
 * Ask every domain for its host name and OS, concurrently, over one shared connection
 * (libvirt runs one agent command per domain at a time, but different domains in
 * parallel). Resolves with one report per domain, in input order, failures included.
 *
 * @example
 * ```ts
 * await using connection = await LibvirtConnection.open({ uri: 'qemu:///system' });
 * const reports = await surveyDomains(connection, ['vm1', 'vm2']);
 * ```
 */
export async function surveyDomains(connection: LibvirtConnection, domains: readonly string[], timeout = 10_000): Promise<DomainReport[]> {
  return Promise.all(
    domains.map(async (domain): Promise<DomainReport> => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      try {
        await using client = await QgaClient.connect({ libvirt: { domain, connection }, timeout, connectTimeout: timeout });
        const [{ 'host-name': hostName }, os] = await Promise.all([client.guestGetHostName(), client.guestGetOsinfo()]);
        return { domain, hostName, os: os['pretty-name'] ?? os.name ?? 'unknown', ms: ms() };
      } catch (error) {
        if (!isQgaError(error)) throw error;
        return { domain, ms: ms(), error: `${error.code}: ${error.message}` };
      }
    }),
  );
}

/** One line per domain, for people. */
export function describeReports(reports: readonly DomainReport[]): string {
  return reports.map((r) => (r.error ? `${r.domain}: FAILED after ${r.ms} ms: ${r.error}` : `${r.domain}: ${r.hostName} (${r.os}) in ${r.ms} ms`)).join('\n');
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--uri');
  const uri = at >= 0 ? args.splice(at, 2)[1] : undefined;
  if (args.length === 0) fail(new Error('usage: libvirt.ts [--uri URI] DOMAIN…'));
  try {
    await using connection = await LibvirtConnection.open({ uri });
    console.log(describeReports(await surveyDomains(connection, args)));
  } catch (error) {
    fail(error);
  }
}
