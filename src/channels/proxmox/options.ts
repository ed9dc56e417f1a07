/**
 * The `proxmox` connect option: where the Proxmox VE API is, which VM, how to log in and how
 * to trust its certificate; checked and resolved before anything is sent.
 * @module
 */
import { checkOptions } from '../../check-options.js';
import type { TlsTrust } from './tls.js';
import { normalizeFingerprint } from './tls.js';

/**
 * How to reach one VM's agent through Proxmox VE's REST API: the `proxmox` member of the
 * connect options. Give `token` (recommended) or `username` + `password`, and pin the
 * certificate with `fingerprint` or `ca` unless the system trusts it already.
 *
 * @example
 * ```ts
 * await QgaClient.connect({
 *   proxmox: {
 *     host: 'pve1.example', vmid: 101,
 *     token: 'automation@pve!qga=7f0c1a2e-…',
 *     fingerprint: 'AB:CD:…', // GET /nodes/pve1/certificates/info, or the GUI's certificate view
 *   },
 * });
 * ```
 */
export interface ProxmoxOptions {
  /** Host name or address of any cluster node's API (pveproxy). */
  host: string;
  /** Port of the API. Default 8006. */
  port?: number | undefined;
  /** The VM's id (100 to 999999999). */
  vmid: number;
  /**
   * The node the VM runs on. When omitted it is looked up in `/cluster/resources` (which
   * needs `VM.Audit` on the VM), and looked up again when the VM migrates.
   */
  node?: string | undefined;
  /**
   * An API token, `USER@REALM!TOKENID=SECRET` (the `PVEAPIToken=` prefix may be left on).
   * Stateless: no login, no CSRF token.
   */
  token?: string | undefined;
  /** `USER@REALM` for a ticket login, e.g. `root@pam` (with `password`; renewed before its 2 h end). */
  username?: string | undefined;
  /** Password for `username`. */
  password?: string | undefined;
  /**
   * SHA-256 fingerprint of the API's certificate, `AA:BB:…` (Node's `fingerprint256`
   * format; case and colons are not significant). The certificate must match it exactly,
   * whoever signed it. Mutually exclusive with `ca`.
   */
  fingerprint?: string | undefined;
  /**
   * Certificate authorities to trust instead of the system's, e.g. the cluster CA
   * `/etc/pve/pve-root-ca.pem`. The host name must still match the certificate.
   */
  ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
}

/** How the channel proves who it is. */
export type ProxmoxCredentials = { kind: 'token'; header: string; principal: string } | { kind: 'ticket'; username: string; password: string };

/** {@link ProxmoxOptions} checked, with defaults. */
export interface ResolvedProxmoxOptions {
  host: string;
  port: number;
  vmid: number;
  node: string | undefined;
  credentials: ProxmoxCredentials;
  trust: TlsTrust;
}

export const DEFAULT_PROXMOX_PORT = 8006;

/** qemu-server's `pve-vmid` format. */
const VMID = /^[1-9][0-9]{2,8}$/;
/** pve-common's `pve-node` format. */
const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** `USER@REALM!TOKENID=SECRET`; split at the last `=`, as pve-access-control does. */
const TOKEN = /^([^\s@!]+@[^\s@!]+)!([A-Za-z][A-Za-z0-9.\-_]+)=(\S+)$/;
const KEYS = new Set(['host', 'port', 'vmid', 'node', 'token', 'username', 'password', 'fingerprint', 'ca']);

/**
 * Checks the `proxmox` option; every problem is a `TypeError` before anything is sent.
 *
 * @example
 * ```ts
 * resolveProxmoxOptions({ host: 'pve', vmid: 100, token: 'a@pam!t=s', fingerprint: 'AA:…' }).port; // 8006
 * ```
 */
export function resolveProxmoxOptions(value: unknown): ResolvedProxmoxOptions {
  if (value === undefined) throw new TypeError('proxmox must be an object');
  const o = checkOptions('proxmox', value as Record<string, unknown>, KEYS);
  const { host, port, vmid, node } = o;
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host)) throw new TypeError(`proxmox.host must be a host name or address, got ${String(host)}`);
  if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) throw new TypeError(`proxmox.port must be a TCP port, got ${String(port)}`);
  if (typeof vmid !== 'number' || !VMID.test(String(vmid))) throw new TypeError(`proxmox.vmid must be an integer from 100 to 999999999, got ${String(vmid)}`);
  if (node !== undefined && (typeof node !== 'string' || !NODE.test(node))) throw new TypeError(`proxmox.node must be a node name, got ${String(node)}`);
  return {
    host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host,
    port: (port as number | undefined) ?? DEFAULT_PROXMOX_PORT,
    vmid,
    node: node,
    credentials: resolveCredentials(o),
    trust: resolveTrust(o),
  };
}

function resolveCredentials(o: Record<string, unknown>): ProxmoxCredentials {
  const { token, username, password } = o;
  if (token !== undefined) {
    if (username !== undefined || password !== undefined) throw new TypeError('proxmox: give either token or username + password, not both');
    if (typeof token !== 'string') throw new TypeError('proxmox.token must be a string');
    const bare = token.replace(/^PVEAPIToken[= ]/, '');
    const match = TOKEN.exec(bare);
    if (!match) throw new TypeError("proxmox.token must look like 'USER@REALM!TOKENID=SECRET'");
    return { kind: 'token', header: `PVEAPIToken=${bare}`, principal: `${match[1]}!${match[2]}` };
  }
  if (username === undefined && password === undefined) throw new TypeError('proxmox: give token, or username and password');
  if (typeof username !== 'string' || !/^[^\s@:]+@[^\s@:]+$/.test(username)) throw new TypeError(`proxmox.username must look like 'USER@REALM' (e.g. root@pam), got ${String(username)}`);
  if (typeof password !== 'string' || password === '') throw new TypeError('proxmox.password must be a non-empty string');
  return { kind: 'ticket', username, password };
}

function resolveTrust(o: Record<string, unknown>): TlsTrust {
  const { fingerprint, ca } = o;
  if (fingerprint !== undefined && ca !== undefined) throw new TypeError('proxmox: give either fingerprint or ca, not both');
  if (fingerprint !== undefined) {
    if (typeof fingerprint !== 'string') throw new TypeError('proxmox.fingerprint must be a string');
    return { kind: 'fingerprint', fingerprint: normalizeFingerprint(fingerprint) };
  }
  if (ca !== undefined) {
    const list = Array.isArray(ca) ? (ca as unknown[]) : [ca];
    if (list.length === 0 || !list.every((c) => typeof c === 'string' || Buffer.isBuffer(c))) throw new TypeError('proxmox.ca must be PEM text, a Buffer, or a list of them');
    return { kind: 'ca', ca: list };
  }
  return { kind: 'system' };
}
