/**
 * Privileges on `/vms/{vmid}` as pve-access-control checks them for the agent endpoints
 * (qemu-server 9.0.3 `PVE/API2/Qemu/Agent.pm`): VM.Monitor for everything up to PVE 8, the VM.GuestAgent.*
 * privileges from PVE 9 (qemu-server 9.0.3), Unrestricted accepted wherever another one is
 * listed, and `root@pam` bypassing the check. API tokens are privilege-separated by default:
 * they get the intersection of their own and their user's grants.
 * @module
 */
import type { PrivilegeModel, SimulatedRole } from './types.js';

const AUDIT = 'VM.GuestAgent.Audit';
const FILE_READ = 'VM.GuestAgent.FileRead';
const FILE_WRITE = 'VM.GuestAgent.FileWrite';
const FS_MGMT = 'VM.GuestAgent.FileSystemMgmt';
const UNRESTRICTED = 'VM.GuestAgent.Unrestricted';

/** The privileges (any one of) each agent endpoint needs on PVE 9. */
const PVE9: Readonly<Record<string, readonly string[]>> = {
  ping: [AUDIT],
  info: [AUDIT],
  'get-time': [AUDIT],
  'get-host-name': [AUDIT],
  'get-osinfo': [AUDIT],
  'get-timezone': [AUDIT],
  'get-memory-block-info': [AUDIT],
  'get-users': [AUDIT],
  'get-vcpus': [AUDIT],
  'get-fsinfo': [AUDIT],
  'get-memory-blocks': [AUDIT],
  'network-get-interfaces': [AUDIT],
  'fsfreeze-status': [AUDIT, FS_MGMT],
  'fsfreeze-freeze': [FS_MGMT],
  'fsfreeze-thaw': [FS_MGMT],
  fstrim: [FS_MGMT],
  shutdown: ['VM.PowerMgmt'],
  'suspend-disk': ['VM.PowerMgmt'],
  'suspend-ram': ['VM.PowerMgmt'],
  'suspend-hybrid': ['VM.PowerMgmt'],
  'file-read': [FILE_READ],
  'file-write': [FILE_WRITE],
  exec: [],
  'exec-status': [],
  'set-user-password': [],
  '': [], // the generic POST …/agent
};

/**
 * What `endpoint` accepts, in the order the 403 lists them.
 *
 * @example
 * ```ts
 * requiredPrivileges('pve9', 'ping'); // ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted']
 * ```
 */
export function requiredPrivileges(model: PrivilegeModel, endpoint: string): string[] {
  if (model === 'pve8') return ['VM.Monitor'];
  return [...(PVE9[endpoint] ?? []), UNRESTRICTED];
}

const ALL_PVE9 = ['VM.Audit', 'VM.Console', 'VM.PowerMgmt', 'VM.Config.Options', AUDIT, FILE_READ, FILE_WRITE, FS_MGMT, UNRESTRICTED];
const ALL_PVE8 = ['VM.Audit', 'VM.Console', 'VM.PowerMgmt', 'VM.Config.Options', 'VM.Monitor'];

/** A role's privileges under `model`. */
export function rolePrivileges(model: PrivilegeModel, role: SimulatedRole): string[] {
  const pve9 = model === 'pve9';
  switch (role) {
    case 'PVEAuditor':
      return pve9 ? ['VM.Audit', AUDIT] : ['VM.Audit'];
    case 'PVEVMUser':
      return pve9 ? ['VM.Audit', 'VM.Console', 'VM.PowerMgmt', AUDIT, FILE_READ, FILE_WRITE, FS_MGMT] : ['VM.Audit', 'VM.Console', 'VM.PowerMgmt'];
    case 'PVEVMAdmin':
    case 'Administrator':
      return pve9 ? ALL_PVE9 : ALL_PVE8;
  }
}

/** Grants per principal (`user@realm` or `user@realm!token`), per VM or for all (`*`). */
export class Acl {
  readonly #grants = new Map<string, Map<string, Set<string>>>();
  /** Tokens that are not privilege-separated: they have their user's rights. */
  readonly #shared = new Set<string>();

  grant(principal: string, privileges: readonly string[], vmid: number | '*'): void {
    const byPath = this.#grants.get(principal) ?? new Map<string, Set<string>>();
    this.#grants.set(principal, byPath);
    const set = byPath.get(String(vmid)) ?? new Set<string>();
    for (const p of privileges) set.add(p);
    byPath.set(String(vmid), set);
  }

  revoke(principal: string): void {
    this.#grants.delete(principal);
  }

  shareUserRights(tokenId: string): void {
    this.#shared.add(tokenId);
  }

  /** True when `principal` has any of `privileges` on `/vms/<vmid>`. */
  allows(principal: string, vmid: number, privileges: readonly string[]): boolean {
    if (principal === 'root@pam') return true;
    const bang = principal.indexOf('!');
    if (bang === -1) return this.#has(principal, vmid, privileges);
    const user = principal.slice(0, bang);
    if (this.#shared.has(principal)) return user === 'root@pam' || this.#has(user, vmid, privileges);
    // Privilege separation: the token's own grant, within the user's (root@pam's tokens get no bypass).
    return privileges.some((p) => this.#has(principal, vmid, [p]) && (user === 'root@pam' || this.#has(user, vmid, [p])));
  }

  #has(principal: string, vmid: number, privileges: readonly string[]): boolean {
    const byPath = this.#grants.get(principal);
    if (!byPath) return false;
    const sets = [byPath.get(String(vmid)), byPath.get('*')];
    return privileges.some((p) => sets.some((s) => s?.has(p)));
  }
}
