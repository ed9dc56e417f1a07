/**
 * A simulated Proxmox with a guest behind it, for the Proxmox channel's tests: the
 * project's simulated agent (unit tests) or the real qemu-ga (integration tests).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { QgaClient, type ConnectOptions, type ProxmoxOptions } from '../../src/index.js';
import { SimulatedAgent, SimulatedProxmox, type SimulatedAgentOptions, type SimulatedProxmoxOptions, type SimulatedRole } from '../../src/testing/index.js';

/**
 * Fast timings: no 3 s delay on a 401, and a 1 s pre-check ping instead of 3 s, so the
 * agent-down tests are quick; still generous for a loaded machine.
 */
export const FAST_TIMING = { authFailureDelay: 0, agentPing: 1_000, agentCommand: 5_000 } as const;

export interface PveSetup {
  pve: SimulatedProxmox;
  agent: SimulatedAgent | undefined;
  token: string;
  /** `proxmox` options for VM 100 with the token and the pinned fingerprint. */
  proxmox: (extra?: Partial<ProxmoxOptions>) => ProxmoxOptions;
  connect: (extra?: Partial<ProxmoxOptions>, options?: Omit<ConnectOptions, 'proxmox' | 'path' | 'host' | 'port' | 'transport'>) => Promise<QgaClient>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Starts a simulated Proxmox with VM 100 on its first node; the guest is `guest` (a socket
 * path), or a fresh simulated agent with `agentOptions`. Stopped after the test.
 */
export async function startPve(
  options: SimulatedProxmoxOptions & { guest?: string; agentOptions?: SimulatedAgentOptions; role?: SimulatedRole } = {},
): Promise<PveSetup> {
  const { guest, agentOptions, role, ...pveOptions } = options;
  const agent = guest === undefined ? await SimulatedAgent.start(agentOptions) : undefined;
  if (agent) cleanups.push(() => agent.stop());
  const pve = await SimulatedProxmox.start({ timing: FAST_TIMING, ...pveOptions, vms: pveOptions.vms ?? [{ vmid: 100, guest: guest ?? agent }] });
  cleanups.push(() => pve.stop());
  const token = pve.addToken('automation@pve!qga', { role: role ?? 'PVEVMAdmin' });
  const clients: QgaClient[] = [];
  cleanups.push(async () => {
    for (const c of clients) await c.close();
  });
  const proxmox = (extra: Partial<ProxmoxOptions> = {}): ProxmoxOptions => ({ host: pve.host, port: pve.port, vmid: 100, token, fingerprint: pve.fingerprint, ...extra });
  return {
    pve,
    agent,
    token,
    proxmox,
    connect: async (extra = {}, connectOptions = {}) => {
      const client = await QgaClient.connect({ ...connectOptions, proxmox: proxmox(extra) });
      clients.push(client);
      return client;
    },
  };
}

/**
 * Lets the simulated agent run the few shell scripts the Proxmox channel sends for large
 * writes (cat into, append to, rename, remove a file), on the agent's sandbox: the agent's
 * own processes would run on the host, outside the sandbox its file commands use.
 */
export function emulateShell(agent: SimulatedAgent): void {
  agent.handleExec('/bin/sh', async (argv, { input }) => {
    const [, , script, , first, second] = argv;
    const at = (p: string | undefined): string => agent.hostPath(p ?? '');
    try {
      switch (script) {
        case 'cat > "$1"':
          await fsp.writeFile(at(first), input);
          return {};
        case 'cat >> "$1"':
          await fsp.appendFile(at(first), input);
          return {};
        case 'mv -f -- "$1" "$2"':
          await fsp.rename(at(first), at(second));
          return {};
        case 'cat -- "$1" >> "$2" && rm -f -- "$1"':
          await fsp.appendFile(at(second), await fsp.readFile(at(first)));
          await fsp.rm(at(first), { force: true });
          return {};
        case 'rm -f -- "$1"':
          await fsp.rm(at(first), { force: true });
          return {};
        default:
          return { exitCode: 127, stderr: `sh: unknown script ${String(script)}\n` };
      }
    } catch (error) {
      return { exitCode: 1, stderr: `sh: ${(error as Error).message}\n` };
    }
  });
}

/** Files in a sandbox directory whose names mark them as staging files of the channel. */
export async function stagingLeftovers(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((name) => name.includes('.qga-') && name.endsWith('.part')).map((name) => path.join(dir, name));
}
