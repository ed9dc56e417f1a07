/**
 * A VM's agent through Proxmox VE's REST API: who the guest is, a command run in it, and a
 * file written and read back, with an API token and the API certificate pinned. Without
 * PVE_HOST it runs against a simulated Proxmox with a simulated guest.
 *
 *   PVE_HOST=pve1.example PVE_VMID=101 PVE_TOKEN='automation@pve!qga=…' \
 *   PVE_FINGERPRINT='AB:CD:…' npx tsx examples/proxmox.ts
 *
 * The token needs, on /vms/101: VM.GuestAgent.Audit, .FileRead, .FileWrite and
 * .Unrestricted (for exec) on PVE 9, VM.Monitor on PVE 8 (docs/connecting.md).
 */
import { QgaClient, type ProxmoxOptions } from '../src/index.js';
import { SimulatedAgent, SimulatedProxmox } from '../src/testing/index.js';
import { fail, isMain } from './connect.js';

/** What the example reports. */
export interface ProxmoxSummary {
  channel: string;
  hostName: string;
  os: string;
  uname: string;
  /** The file written through the API and read back, as text. */
  roundTrip: string;
}

/**
 * Connect through Proxmox, ask the guest about itself, run `uname -a`, write a file and
 * read it back (`/tmp/qga-client-example.txt`).
 *
 * @example
 * ```ts
 * const summary = await proxmoxSummary({ host: 'pve1.example', vmid: 101, token, fingerprint });
 * console.log(summary.os, summary.uname);
 * ```
 */
export async function proxmoxSummary(proxmox: ProxmoxOptions): Promise<ProxmoxSummary> {
  await using client = await QgaClient.connect({ proxmox, timeout: 15_000 });
  const { 'host-name': hostName } = await client.guestGetHostName();
  const os = await client.guestGetOsinfo();
  // argv, no shell: Proxmox passes it as exec's command array.
  const { stdout } = await client.exec(['uname', '-a'], { timeout: 30_000 });
  await client.writeFile('/tmp/qga-client-example.txt', `written through ${client.transportDescription}\n`);
  return {
    channel: client.connectInfo.channel,
    hostName,
    os: os['pretty-name'] ?? os.name ?? 'unknown',
    uname: stdout.trim(),
    roundTrip: await client.readFile('/tmp/qga-client-example.txt', { encoding: 'utf8' }),
  };
}

/** Options from PVE_HOST, PVE_PORT, PVE_VMID, PVE_NODE, PVE_TOKEN, PVE_FINGERPRINT. */
function fromEnvironment(env: NodeJS.ProcessEnv): ProxmoxOptions {
  const vmid = Number(env['PVE_VMID']);
  return {
    host: env['PVE_HOST']!,
    vmid,
    token: env['PVE_TOKEN'],
    ...(env['PVE_PORT'] ? { port: Number(env['PVE_PORT']) } : {}),
    ...(env['PVE_NODE'] ? { node: env['PVE_NODE'] } : {}),
    ...(env['PVE_FINGERPRINT'] ? { fingerprint: env['PVE_FINGERPRINT'] } : {}),
  };
}

/** The same against a simulated Proxmox whose VM 100 runs a simulated guest. */
async function simulated(): Promise<ProxmoxSummary> {
  await using agent = await SimulatedAgent.start({ hostName: 'demo-guest' });
  agent.handleExec('uname', () => ({ stdout: 'Linux demo-guest 6.1.0-27-amd64 x86_64 GNU/Linux\n' }));
  await using pve = await SimulatedProxmox.start({ vms: [{ vmid: 100, guest: agent }] });
  const token = pve.addToken('automation@pve!qga', { role: 'PVEVMAdmin' });
  return await proxmoxSummary({ host: pve.host, port: pve.port, vmid: 100, token, fingerprint: pve.fingerprint });
}

if (isMain(import.meta.url)) {
  const summary = await (process.env['PVE_HOST'] ? proxmoxSummary(fromEnvironment(process.env)) : simulated()).catch(fail);
  console.log(`${summary.hostName} (${summary.os}) through ${summary.channel}`);
  console.log(summary.uname);
  process.stdout.write(summary.roundTrip);
}
