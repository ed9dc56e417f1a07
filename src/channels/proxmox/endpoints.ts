/**
 * The agent commands Proxmox VE's API can carry, as data: QGA wire name → method and path
 * under `/nodes/{node}/qemu/{vmid}/agent/`, how the arguments map and how the reply is
 * unwrapped (qemu-server 9.2 `PVE/API2/Qemu/Agent.pm`).
 *
 * Nothing else is reachable: the file commands run only inside Proxmox's file-read and
 * file-write composites (see `files.ts`), and guest-sync, set-time, ssh keys, get-disks,
 * get-load and the rest have no endpoint at all.
 * @module
 */

/** How a command's QGA arguments become Proxmox parameters (see `translate.ts`). */
export type ArgumentMapping = 'none' | 'exec' | 'exec-status' | 'password' | 'shutdown' | 'fstrim';

/**
 * How the reply's `data` becomes the QGA return value:
 * - `result`: `{"result": R}`, R being the agent's `return` (or `{"error": …}`, on a 200);
 * - `exec`: `{"pid": N}`, unwrapped;
 * - `exec-status`: the status with 1/0 for booleans and output as byte strings.
 */
export type ReplyShape = 'result' | 'exec' | 'exec-status';

/** One endpoint. */
export interface ProxmoxEndpoint {
  /** Path under `…/agent/`. */
  readonly path: string;
  /** As Proxmox declares it: a GET for reads, a POST for the rest (fsfreeze-status and ping too). */
  readonly method: 'GET' | 'POST';
  readonly args: ArgumentMapping;
  readonly reply: ReplyShape;
  /**
   * May be sent again after Proxmox answered that the VM is on another node (a migration).
   * That answer comes before qemu-server touches the agent, but only calls that are
   * harmless twice are repeated all the same: reads, and exec-status, whose repetition
   * could only matter if the guest had seen the first one.
   */
  readonly idempotent: boolean;
}

const read = (path: string): ProxmoxEndpoint => ({ path, method: 'GET', args: 'none', reply: 'result', idempotent: true });
const act = (path: string, args: ArgumentMapping = 'none'): ProxmoxEndpoint => ({ path, method: 'POST', args, reply: 'result', idempotent: false });

/** QGA wire name → endpoint. */
export const PROXMOX_ENDPOINTS: Readonly<Record<string, ProxmoxEndpoint>> = Object.freeze({
  'guest-ping': { ...act('ping'), idempotent: true },
  'guest-info': read('info'),
  'guest-get-time': read('get-time'),
  'guest-get-host-name': read('get-host-name'),
  'guest-get-osinfo': read('get-osinfo'),
  'guest-get-timezone': read('get-timezone'),
  'guest-get-memory-block-info': read('get-memory-block-info'),
  'guest-get-users': read('get-users'),
  'guest-get-vcpus': read('get-vcpus'),
  'guest-get-fsinfo': read('get-fsinfo'),
  'guest-get-memory-blocks': read('get-memory-blocks'),
  'guest-network-get-interfaces': read('network-get-interfaces'),
  'guest-fsfreeze-status': { ...act('fsfreeze-status'), idempotent: true },
  'guest-fsfreeze-freeze': act('fsfreeze-freeze'),
  'guest-fsfreeze-thaw': act('fsfreeze-thaw'),
  'guest-fstrim': act('fstrim', 'fstrim'),
  'guest-shutdown': act('shutdown', 'shutdown'),
  'guest-suspend-disk': act('suspend-disk'),
  'guest-suspend-ram': act('suspend-ram'),
  'guest-suspend-hybrid': act('suspend-hybrid'),
  'guest-exec': { path: 'exec', method: 'POST', args: 'exec', reply: 'exec', idempotent: false },
  'guest-exec-status': { path: 'exec-status', method: 'GET', args: 'exec-status', reply: 'exec-status', idempotent: true },
  'guest-set-user-password': act('set-user-password', 'password'),
});

/** The commands the Proxmox channel carries. */
export const PROXMOX_COMMANDS: ReadonlySet<string> = new Set(Object.keys(PROXMOX_ENDPOINTS));

/** Proxmox's own limits (qemu-server 9.2, `PVE/API2/Qemu/Agent.pm`; pve-http-server 5.2.1). */
export const PROXMOX_LIMITS = Object.freeze({
  /** exec `input-data`: maxLength 65536 characters, one byte each. */
  execInput: 65_536,
  /** file-write `content`: maxLength 61440 ("60k, smaller than our 64k POST limit"). */
  fileWrite: 61_440,
  /** file-read `count` maximum, and what a read without `count` returns at most. */
  fileRead: 16 * 1024 * 1024,
  /** set-user-password `password`: 5 to 1024 characters. */
  passwordMin: 5,
  passwordMax: 1024,
  /** Request body limit since pve-http-server 5.2.1 (PVE 8.4). */
  body: 512 * 1024,
  /** Request body limit before pve-http-server 5.2.1. */
  legacyBody: 64 * 1024,
  /** What QGA captures per exec output stream. */
  execOutput: 16 * 1024 * 1024,
});
