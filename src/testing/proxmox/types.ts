/**
 * Public types of the simulated Proxmox VE: options, VMs, tokens, what it records.
 * @module
 */

/**
 * Which privilege model the simulated Proxmox checks.
 *
 * @example
 * ```ts
 * const pve8 = await SimulatedProxmox.start({ privileges: 'pve8' }); // VM.Monitor for every agent call
 * ```
 */
export type PrivilegeModel = 'pve8' | 'pve9';

/**
 * Built-in roles, expanded for the privilege model: on PVE 9 PVEVMUser has the agent's
 * Audit, FileRead, FileWrite and FileSystemMgmt (not exec), PVEVMAdmin has Unrestricted;
 * on PVE 8 only VM.Monitor (PVEVMAdmin) reaches the agent.
 *
 * @example
 * ```ts
 * const token = pve.addToken('viewer@pve!ro', { role: 'PVEAuditor', vmid: 100 });
 * ```
 */
export type SimulatedRole = 'PVEAuditor' | 'PVEVMUser' | 'PVEVMAdmin' | 'Administrator';

/**
 * Where a simulated VM's agent listens: a unix socket path, or anything with a `path`
 * (a `SimulatedAgent`). The simulated Proxmox opens it for every command, as qemu-server
 * does, so a real qemu-ga socket works too.
 *
 * @example
 * ```ts
 * const guest: SimulatedGuest = agent;                  // a SimulatedAgent
 * const real: SimulatedGuest = '/run/qga-test/qga.sock'; // a real qemu-ga
 * ```
 */
export type SimulatedGuest =
  | string
  | {
      /** The unix socket the agent listens on. */
      readonly path: string;
    };

/**
 * One VM of the simulated cluster.
 *
 * @example
 * ```ts
 * const vm: SimulatedVmOptions = { vmid: 100, node: 'pve1', name: 'web', guest: agent };
 * ```
 */
export interface SimulatedVmOptions {
  /** 100 to 999999999. */
  vmid: number;
  /** The node it runs on. Default: the first node. */
  node?: string | undefined;
  /** Shown in `/cluster/resources`. Default `vm<vmid>`. */
  name?: string | undefined;
  /** The agent's socket. Without one, every agent call finds the agent not running. */
  guest?: SimulatedGuest | undefined;
  /** Running at start. Default true. */
  running?: boolean | undefined;
  /** The `agent` key is in the VM config. Default true; false gives "No QEMU guest agent configured". */
  agent?: boolean | undefined;
}

/**
 * The version differences the simulated Proxmox can have; every
 * one defaults to the current behaviour.
 *
 * @example
 * ```ts
 * await SimulatedProxmox.start({ versions: { fileReadRange: false, bodyLimit: 64 * 1024 } }); // a PVE 8.3 with qemu-server < 9.1.5
 * ```
 */
export interface SimulatedVersions {
  /** file-read takes count/offset/decode (qemu-server 9.1.5+). Default true. */
  fileReadRange?: boolean | undefined;
  /** exec's `command` is an array (qemu-server 8.0.1+); false: the old string-alist. Default true. */
  execArray?: boolean | undefined;
  /** Error bodies carry `message` (pve-http-server 5.2.0+). Default true. */
  errorMessages?: boolean | undefined;
  /** 401 reasons are the single `Authentication failed!` (pve-manager 9.1.5+); false: the old specific texts. Default true. */
  single401?: boolean | undefined;
  /** Request body limit: 512 KiB (pve-http-server 5.2.1, PVE 8.4+) or 64 KiB before. Default 512 KiB. */
  bodyLimit?: number | undefined;
}

/**
 * Time limits of the simulated Proxmox, in ms; lower them to test the faults they cause
 * without waiting for them.
 *
 * @example
 * ```ts
 * await SimulatedProxmox.start({ timing: { proxyTimeout: 200, authFailureDelay: 0 } });
 * ```
 */
export interface SimulatedTiming {
  /** pveproxy's inactivity timeout on the hop to pvedaemon: then 596 while the work goes on. Default 30000. */
  proxyTimeout?: number | undefined;
  /** Every 401 is answered this late. Default 3000. */
  authFailureDelay?: number | undefined;
  /** qemu-server's pre-check guest-ping. Default 3000. */
  agentPing?: number | undefined;
  /** QMPClient's per-command timeout for the commands without a longer one. Default 5000. */
  agentCommand?: number | undefined;
}

/**
 * Options of `SimulatedProxmox.start()`.
 *
 * @example
 * ```ts
 * const pve = await SimulatedProxmox.start({
 *   nodes: ['pve1', 'pve2'],
 *   vms: [{ vmid: 100, node: 'pve1', guest: agent }],
 *   users: { 'root@pam': 'secret' },
 * });
 * ```
 */
export interface SimulatedProxmoxOptions {
  /** Cluster nodes; the API answers as the first. Default `['pve1']`. */
  nodes?: string[] | undefined;
  /** The VMs of the cluster (more with `addVm()`). */
  vms?: SimulatedVmOptions[] | undefined;
  /** Users who can log in for a ticket: `USER@REALM` → password. `root@pam` bypasses permission checks. */
  users?: Record<string, string> | undefined;
  /** Privilege model. Default `pve9`. */
  privileges?: PrivilegeModel | undefined;
  /** Older behaviours to simulate; all current by default. */
  versions?: SimulatedVersions | undefined;
  /** Time limits, in ms; Proxmox's by default. */
  timing?: SimulatedTiming | undefined;
  /** ms clock for ticket lifetimes (2 h). Default `Date.now`. */
  clock?: (() => number) | undefined;
}

/**
 * One request the simulated Proxmox answered.
 *
 * @example
 * ```ts
 * expect(pve.requests.filter((r) => r.path.endsWith('/agent/exec-status'))).toHaveLength(1);
 * ```
 */
export interface SimulatedRequest {
  /** `GET` or `POST` (or whatever the client sent). */
  readonly method: string;
  /** Path under `/api2/json`, without the query. */
  readonly path: string;
  /** The status it was answered with. */
  readonly status: number;
}
