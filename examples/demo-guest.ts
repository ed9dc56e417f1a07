/**
 * The simulated guest the examples talk to when no real agent is given: a small Linux VM
 * with a host name, files, a few scripted programs and CPU counters, so every example
 * runs on a machine with nothing but Node installed.
 */
import { SimulatedAgent, type ExecScript } from '../src/testing/index.js';

const UNAME = 'Linux demo-guest 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 x86_64 GNU/Linux';

/** Programs the simulated guest can run (no real process is started on the host). */
const PROGRAMS: Record<string, ExecScript> = {
  uname: (argv) => ({ stdout: `${argv.includes('-r') ? '6.1.0-27-amd64' : argv.includes('-a') ? UNAME : 'Linux'}\n` }),
  echo: (argv) => ({ stdout: `${argv.slice(1).join(' ')}\n` }),
  cat: (_argv, { input }) => ({ stdout: input }),
  true: () => ({ exitCode: 0 }),
  false: () => ({ exitCode: 1 }),
  sleep: (argv) => ({ delayMs: Math.min(Number(argv[1] ?? 1) * 1000, 10_000) }),
  sh: (argv) => ({ exitCode: 2, stderr: `sh: the simulated guest runs no shell (asked for: ${argv.slice(1).join(' ')})\n` }),
};

/** Per-CPU counters in clock ticks, as /proc/stat would show them some hours after boot. */
function cpuStats(): unknown[] {
  return [0, 1].map((cpu) => ({
    type: 'linux',
    cpu,
    user: 182_340 + cpu * 1_250,
    nice: 210,
    system: 41_877 - cpu * 900,
    idle: 2_918_004 + cpu * 4_100,
    iowait: 3_012,
    irq: 0,
    softirq: 1_604,
    steal: 97,
    guest: 0,
    guestnice: 0,
  }));
}

/**
 * Start the simulated guest. Stop it with `agent.stop()` (or `await using`).
 *
 * @example
 * ```ts
 * await using agent = await startDemoGuest();
 * const client = await QgaClient.connect({ path: agent.path });
 * ```
 */
export async function startDemoGuest(): Promise<SimulatedAgent> {
  const agent = await SimulatedAgent.start({
    hostName: 'demo-guest',
    osInfo: {
      'kernel-release': '6.1.0-27-amd64',
      'kernel-version': '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1',
      machine: 'x86_64',
      id: 'debian',
      name: 'Debian GNU/Linux',
      'pretty-name': 'Debian GNU/Linux 12 (bookworm)',
      version: '12 (bookworm)',
      'version-id': '12',
    },
    interfaces: [
      {
        name: 'lo',
        'hardware-address': '00:00:00:00:00:00',
        'ip-addresses': [
          { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
          { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
        ],
      },
      {
        name: 'ens3',
        'hardware-address': '52:54:00:12:34:56',
        'ip-addresses': [
          { 'ip-address': '192.0.2.10', 'ip-address-type': 'ipv4', prefix: 24 },
          { 'ip-address': 'fe80::5054:ff:fe12:3456', 'ip-address-type': 'ipv6', prefix: 64 },
        ],
      },
    ],
    files: {
      '/etc/motd': 'Welcome to the simulated demo guest.\n',
      '/var/log/app.log': 'started\nready\n',
    },
    exec: PROGRAMS,
  });
  // The simulated agent has no guest-get-cpustats of its own. Programs without a script
  // fail the way a missing program does on a real guest.
  agent.handle('guest-get-cpustats', cpuStats);
  return agent;
}
