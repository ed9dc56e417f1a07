/**
 * A simulated Proxmox VE API for tests of Proxmox automation, without a Proxmox: HTTPS on
 * loopback with a certificate made at start, tokens and tickets, the PVE 8 or 9 privilege
 * model, the envelopes, encodings, limits and error texts of qemu-server's agent API, the
 * version differences a client meets, and the faults worth testing (a VM stopped, the
 * agent down or unconfigured, a migration, the proxy's 596). Each VM's guest is a unix
 * socket speaking QGA: the project's `SimulatedAgent`, or a real qemu-ga.
 * @module
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { debuglog } from 'node:util';
import { handle, type ApiState } from './api.js';
import { AuthRealm } from './auth.js';
import { makeCertificates } from './certificate.js';
import { Acl, rolePrivileges } from './permissions.js';
import type { PrivilegeModel, SimulatedGuest, SimulatedProxmoxOptions, SimulatedRequest, SimulatedRole, SimulatedTiming, SimulatedVmOptions } from './types.js';
import { SimulatedVm } from './vm.js';

const log = debuglog('qga-simulated-proxmox');

interface HopFault {
  ms: number;
  fail: boolean;
  endpoint: string | undefined;
  times: number;
}

/**
 * A simulated Proxmox VE API. Start one with {@link SimulatedProxmox.start}, point the
 * client at `host`/`port` with the `fingerprint` (or the `ca`), and give it a token from
 * {@link SimulatedProxmox.addToken} or a user's password.
 *
 * @example
 * ```ts
 * await using agent = await SimulatedAgent.start();
 * await using pve = await SimulatedProxmox.start({ vms: [{ vmid: 100, guest: agent }] });
 * const token = pve.addToken('automation@pve!qga', { role: 'PVEVMAdmin' });
 * const client = await QgaClient.connect({ proxmox: { host: pve.host, port: pve.port, vmid: 100, token, fingerprint: pve.fingerprint } });
 * ```
 */
export class SimulatedProxmox implements AsyncDisposable {
  /** The address it listens on (loopback). */
  readonly host = '127.0.0.1';
  /** SHA-256 fingerprint of the node certificate, `AA:BB:…`, for the client's `fingerprint`. */
  readonly fingerprint: string;
  /** The cluster CA (PEM) that signed the node certificate, for the client's `ca`. */
  readonly ca: string;
  /** Cluster node names; the API answers as the first. */
  readonly nodes: readonly string[];
  /** The privilege model checked. */
  readonly privileges: PrivilegeModel;
  readonly #server: https.Server;
  readonly #realm: AuthRealm;
  readonly #acl = new Acl();
  readonly #vms = new Map<number, SimulatedVm>();
  readonly #requests: SimulatedRequest[] = [];
  readonly #hopFaults: HopFault[] = [];
  /** Shared by reference with the pipeline and every VM, so setTiming() reaches them all. */
  readonly #timing: Required<{ [K in keyof SimulatedTiming]: number }>;
  #syncCounter = 0;
  #stopping: Promise<void> | undefined;

  private constructor(options: SimulatedProxmoxOptions) {
    const t = options.timing ?? {};
    this.#timing = { proxyTimeout: t.proxyTimeout ?? 30_000, authFailureDelay: t.authFailureDelay ?? 3_000, agentPing: t.agentPing ?? 3_000, agentCommand: t.agentCommand ?? 5_000 };
    this.nodes = options.nodes && options.nodes.length > 0 ? [...options.nodes] : ['pve1'];
    this.privileges = options.privileges ?? 'pve9';
    this.#realm = new AuthRealm(options.clock ?? Date.now);
    for (const [user, password] of Object.entries(options.users ?? {})) this.#realm.addUser(user, password);
    const certificates = makeCertificates(this.nodes[0] as string);
    this.fingerprint = certificates.node.fingerprint;
    this.ca = certificates.ca.cert;
    const v = options.versions ?? {};
    const state: ApiState = {
      nodes: this.nodes,
      vms: this.#vms,
      realm: this.#realm,
      acl: this.#acl,
      model: this.privileges,
      versions: {
        fileReadRange: v.fileReadRange ?? true,
        execArray: v.execArray ?? true,
        errorMessages: v.errorMessages ?? true,
        single401: v.single401 ?? true,
        bodyLimit: v.bodyLimit ?? 512 * 1024,
      },
      timing: this.#timing,
      hopFault: (endpoint) => this.#takeHopFault(endpoint),
      log: (entry) => this.#requests.push(entry),
    };
    this.#server = https.createServer({ key: certificates.node.key, cert: certificates.node.cert + certificates.ca.cert }, (req, res) => {
      handle(req, res, state).catch((error: unknown) => log('request failed: %s', String(error)));
    });
    // pveproxy closes idle keep-alive connections after 5 s.
    this.#server.keepAliveTimeout = 5_000;
    for (const vm of options.vms ?? []) this.addVm(vm);
  }

  /**
   * Start listening on a free loopback port.
   *
   * @example
   * ```ts
   * const pve = await SimulatedProxmox.start({ privileges: 'pve8', timing: { authFailureDelay: 0 } });
   * ```
   */
  static async start(options: SimulatedProxmoxOptions = {}): Promise<SimulatedProxmox> {
    const pve = new SimulatedProxmox(options);
    await new Promise<void>((resolve, reject) => {
      pve.#server.once('error', reject);
      pve.#server.listen(0, pve.host, () => {
        pve.#server.off('error', reject);
        resolve();
      });
    });
    return pve;
  }

  /** The TCP port it listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Every request answered so far, oldest first. */
  get requests(): readonly SimulatedRequest[] {
    return [...this.#requests];
  }

  /**
   * Add a VM to the cluster.
   *
   * @example
   * ```ts
   * pve.addVm({ vmid: 101, node: 'pve2', guest: agent.path });
   * ```
   */
  addVm(options: SimulatedVmOptions): this {
    const node = options.node ?? this.nodes[0] ?? 'pve1';
    if (!this.nodes.includes(node)) throw new TypeError(`addVm: ${node} is not a node of this cluster (${this.nodes.join(', ')})`);
    if (!/^[1-9][0-9]{2,8}$/.test(String(options.vmid))) throw new TypeError(`addVm: vmid must be an integer from 100 to 999999999, got ${String(options.vmid)}`);
    this.#vms.set(
      options.vmid,
      new SimulatedVm(
        { vmid: options.vmid, name: options.name ?? `vm${options.vmid}`, node, guestPath: guestPath(options.guest), running: options.running ?? true, agentConfigured: options.agent ?? true },
        this.#timing,
        // qemu-server's sync ids: "<pid>0<counter>", always growing.
        () => Number(`${process.pid}0${++this.#syncCounter}`),
      ),
    );
    return this;
  }

  /**
   * Add a user who can log in for a ticket (`root@pam` bypasses permission checks).
   *
   * @example
   * ```ts
   * pve.addUser('ops@pve', 'secret', { role: 'PVEVMAdmin' });
   * ```
   */
  addUser(user: string, password: string, grant?: { role?: SimulatedRole; privileges?: string[]; vmid?: number }): this {
    this.#realm.addUser(user, password);
    if (grant) this.grant(user, grant);
    return this;
  }

  /**
   * Add an API token and return it as the client takes it, `USER@REALM!TOKENID=SECRET`.
   * The token's user gets the same grant, so privilege separation (the default) leaves
   * the token exactly what is granted here; `privsep: false` gives it its user's rights.
   *
   * @example
   * ```ts
   * const token = pve.addToken('automation@pve!qga', { role: 'PVEVMUser', vmid: 100 });
   * ```
   */
  addToken(id: string, options: { role?: SimulatedRole; privileges?: string[]; vmid?: number; secret?: string; privsep?: boolean } = {}): string {
    const bang = id.indexOf('!');
    if (bang < 1 || !id.slice(0, bang).includes('@')) throw new TypeError(`addToken: id must look like USER@REALM!TOKENID, got ${id}`);
    const secret = this.#realm.addToken(id, options.secret);
    if (options.privsep === false) this.#acl.shareUserRights(id);
    if (options.role !== undefined || options.privileges !== undefined) {
      this.grant(id, options);
      this.grant(id.slice(0, bang), options);
    }
    return `${id}=${secret}`;
  }

  /**
   * Remove a token (its requests then get 401).
   *
   * @example
   * ```ts
   * pve.removeToken('automation@pve!qga');
   * ```
   */
  removeToken(id: string): this {
    this.#realm.removeToken(id);
    return this;
  }

  /**
   * Grant a role or privileges on one VM (`vmid`) or on all.
   *
   * @example
   * ```ts
   * pve.grant('automation@pve!qga', { privileges: ['VM.Audit', 'VM.GuestAgent.Audit'], vmid: 100 });
   * ```
   */
  grant(principal: string, grant: { role?: SimulatedRole | undefined; privileges?: string[] | undefined; vmid?: number | undefined }): this {
    const privileges = [...(grant.role ? rolePrivileges(this.privileges, grant.role) : []), ...(grant.privileges ?? [])];
    this.#acl.grant(principal, privileges, grant.vmid ?? '*');
    return this;
  }

  /**
   * Take every grant of `principal` away.
   *
   * @example
   * ```ts
   * pve.revoke('automation@pve!qga');
   * ```
   */
  revoke(principal: string): this {
    this.#acl.revoke(principal);
    return this;
  }

  /**
   * Stop a VM ("VM N is not running"), or start it again.
   *
   * @example
   * ```ts
   * pve.setRunning(100, false);
   * ```
   */
  setRunning(vmid: number, running: boolean): this {
    this.#vm(vmid).running = running;
    return this;
  }

  /**
   * Take the VM's agent down (qemu-server's pre-check ping fails: "QEMU guest agent is not
   * running", after the ping timeout), or bring it back.
   *
   * @example
   * ```ts
   * pve.setAgentRunning(100, false);
   * setTimeout(() => pve.setAgentRunning(100, true), 500); // a guest that boots
   * ```
   */
  setAgentRunning(vmid: number, running: boolean): this {
    this.#vm(vmid).agentDown = !running;
    return this;
  }

  /**
   * Make the VM's agent slow: the next `times` commands (`command`, or any but
   * qemu-server's pre-check ping) hold the agent socket `ms` before they are answered. Past
   * qemu-server's timeout (`timing.agentCommand`) the call fails with "got timeout". Works
   * the same with a real qemu-ga behind (the delay is on the way to it).
   *
   * @example
   * ```ts
   * pve.setTiming({ agentCommand: 1_000 }).slowAgent(100, 2_000, { command: 'guest-get-osinfo' });
   * ```
   */
  slowAgent(vmid: number, ms: number, options: { command?: string; times?: number } = {}): this {
    this.#vm(vmid).slowness.push({ ms, command: options.command, times: options.times ?? 1 });
    return this;
  }

  /**
   * Add or remove the `agent` key of the VM config ("No QEMU guest agent configured").
   *
   * @example
   * ```ts
   * pve.setAgentConfigured(100, false);
   * ```
   */
  setAgentConfigured(vmid: number, configured: boolean): this {
    this.#vm(vmid).agentConfigured = configured;
    return this;
  }

  /**
   * Migrate a VM live to `node`: its config moves at once (the old node then answers
   * "Configuration file … does not exist"), the new node says "not running" for `downtime`
   * ms, then the VM resumes there with its guest state kept. Resolves once it resumed.
   *
   * @example
   * ```ts
   * await pve.migrate(100, 'pve2', { downtime: 300 });
   * ```
   */
  async migrate(vmid: number, node: string, options: { downtime?: number } = {}): Promise<void> {
    const vm = this.#vm(vmid);
    if (!this.nodes.includes(node)) throw new TypeError(`migrate: ${node} is not a node of this cluster`);
    vm.node = node;
    vm.running = false;
    await new Promise((resolve) => setTimeout(resolve, options.downtime ?? 200));
    vm.running = true;
  }

  /**
   * Change time limits while running, e.g. to make a later agent command time out.
   *
   * @example
   * ```ts
   * pve.setTiming({ agentCommand: 1 }); // qemu-server gives up on every command: "got timeout"
   * ```
   */
  setTiming(timing: SimulatedTiming): this {
    for (const [key, value] of Object.entries(timing) as [keyof SimulatedTiming, number | undefined][]) if (value !== undefined) this.#timing[key] = value;
    return this;
  }

  /**
   * Hold the next `times` calls (of `endpoint`, or of any agent endpoint) silent for `ms`
   * before pvedaemon runs them: longer than the proxy timeout, they get a 596 while the
   * work still happens.
   *
   * @example
   * ```ts
   * pve.delay(40_000, { endpoint: 'fsfreeze-freeze' }); // with timing.proxyTimeout: 30_000 → 596
   * ```
   */
  delay(ms: number, options: { endpoint?: string; times?: number } = {}): this {
    this.#hopFaults.push({ ms, fail: false, endpoint: options.endpoint, times: options.times ?? 1 });
    return this;
  }

  /**
   * Make the proxy hop fail for the next `times` calls (of `endpoint`, or of any agent
   * endpoint): 595 with an empty body, as when pveproxy cannot reach pvedaemon or the
   * VM's node. The call does not run.
   *
   * @example
   * ```ts
   * pve.failHop({ endpoint: 'exec' });
   * ```
   */
  failHop(options: { endpoint?: string; times?: number } = {}): this {
    this.#hopFaults.push({ ms: 0, fail: true, endpoint: options.endpoint, times: options.times ?? 1 });
    return this;
  }

  /**
   * Forget the request log.
   *
   * @example
   * ```ts
   * pve.clearRequests();
   * ```
   */
  clearRequests(): this {
    this.#requests.length = 0;
    return this;
  }

  /**
   * Stop listening and drop open connections. Safe to call more than once.
   *
   * @example
   * ```ts
   * afterAll(() => pve.stop());
   * ```
   */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#stopping;
  }

  /**
   * Same as {@link SimulatedProxmox.stop}, for `await using`.
   *
   * @example
   * ```ts
   * await using pve = await SimulatedProxmox.start(); // stopped at the end of the scope
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #vm(vmid: number): SimulatedVm {
    const vm = this.#vms.get(vmid);
    if (!vm) throw new TypeError(`no VM ${vmid} in this simulated cluster`);
    return vm;
  }

  #takeHopFault(endpoint: string): { delay: number; fail: boolean } | undefined {
    const index = this.#hopFaults.findIndex((d) => d.endpoint === undefined || d.endpoint === endpoint);
    if (index === -1) return undefined;
    const fault = this.#hopFaults[index] as HopFault;
    if (--fault.times <= 0) this.#hopFaults.splice(index, 1);
    return { delay: fault.ms, fail: fault.fail };
  }
}

function guestPath(guest: SimulatedGuest | undefined): string | undefined {
  if (guest === undefined) return undefined;
  return typeof guest === 'string' ? guest : guest.path;
}
