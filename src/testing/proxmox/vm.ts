/**
 * One simulated VM as qemu-server sees it: its node, whether it runs, whether the `agent`
 * key is in its config, and its agent socket, used for one command at a time (the chardev
 * takes one client; a second waits, and gives up when its own timeout passes). The
 * pre-checks before every agent command come in qemu-server's order (`PVE/QemuServer/Agent.pm`).
 * @module
 */
import { AgentLinkError, agentCommand, type AgentAnswer } from './agent-link.js';

/** An error the simulated API answers with: status, and pveproxy's message. */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string> | undefined,
  ) {
    super(message);
    this.name = 'PveError';
  }
}

/** QMPClient's timeouts for the commands that have their own (qemu-server `PVE/QemuServer/Agent.pm`). */
const LONG_TIMEOUTS: Readonly<Record<string, number>> = {
  'guest-fsfreeze-freeze': 60 * 60 * 1000,
  'guest-fsfreeze-thaw': 3 * 60 * 1000,
  'guest-fstrim': 10 * 60 * 1000,
  'guest-shutdown': 10 * 60 * 1000,
};

/** The timing a VM's agent commands run under (ms). */
export interface AgentTiming {
  agentPing: number;
  agentCommand: number;
}

/** A VM of the simulated cluster. */
export class SimulatedVm {
  readonly vmid: number;
  name: string;
  node: string;
  guestPath: string | undefined;
  running: boolean;
  /** The `agent` key is in the config. */
  agentConfigured: boolean;
  /** The agent is down (a fault): its socket answers nothing. */
  agentDown = false;
  /** Injected slowness of the agent: the next matching commands answer this late. */
  readonly slowness: { ms: number; command: string | undefined; times: number }[] = [];
  readonly #timing: AgentTiming;
  readonly #nextSyncId: () => number;
  #chardev: Promise<void> = Promise.resolve();

  constructor(init: { vmid: number; name: string; node: string; guestPath: string | undefined; running: boolean; agentConfigured: boolean }, timing: AgentTiming, nextSyncId: () => number) {
    this.vmid = init.vmid;
    this.name = init.name;
    this.node = init.node;
    this.guestPath = init.guestPath;
    this.running = init.running;
    this.agentConfigured = init.agentConfigured;
    this.#timing = timing;
    this.#nextSyncId = nextSyncId;
  }

  /**
   * qemu-server's checks before an agent command, each a 500: the config must be on the
   * node asked (a VM that migrated is not), the `agent` key present, the VM running, and
   * a guest-ping answered within 3 s.
   */
  async precheck(node: string): Promise<void> {
    if (this.node !== node) throw new PveError(500, `Configuration file 'nodes/${node}/qemu-server/${this.vmid}.conf' does not exist`);
    if (!this.agentConfigured) throw new PveError(500, 'No QEMU guest agent configured');
    if (!this.running) throw new PveError(500, `VM ${this.vmid} is not running`);
    try {
      await this.#run('guest-ping', undefined, this.#timing.agentPing);
    } catch {
      throw new PveError(500, 'QEMU guest agent is not running');
    }
  }

  /** One agent command after the pre-checks; failures in QMPClient's words. */
  async command(execute: string, args?: Record<string, unknown>): Promise<AgentAnswer> {
    const timeout = LONG_TIMEOUTS[execute] ?? this.#timing.agentCommand;
    try {
      return await this.#run(execute, args, timeout, this.#takeSlowness(execute));
    } catch (error) {
      if (!(error instanceof AgentLinkError)) throw error;
      if (error.kind === 'connect') throw new PveError(500, `unable to connect to VM ${this.vmid} qga socket - ${error.message}`);
      throw new PveError(500, `VM ${this.vmid} qga command '${execute}' failed - ${error.message}`);
    }
  }

  /** The injected delay for `execute`, consumed; 0 for none. */
  #takeSlowness(execute: string): number {
    const index = this.slowness.findIndex((s) => s.command === undefined || s.command === execute);
    if (index === -1) return 0;
    const entry = this.slowness[index]!;
    if (--entry.times <= 0) this.slowness.splice(index, 1);
    return entry.ms;
  }

  /** Waits for the chardev (within `timeout`), then runs the command on a fresh connection. */
  async #run(execute: string, args: Record<string, unknown> | undefined, timeout: number, slowness = 0): Promise<AgentAnswer> {
    const deadline = performance.now() + timeout;
    const previous = this.#chardev;
    let release!: () => void;
    this.#chardev = new Promise<void>((resolve) => (release = resolve));
    const waited = await within(previous, timeout);
    if (!waited) {
      // Gave up waiting: the chardev passes on once its holder is done.
      void previous.then(release);
      throw new AgentLinkError('timeout', 'got timeout');
    }
    try {
      const path = this.guestPath;
      if (path === undefined || this.agentDown) {
        await sleep(Math.max(0, deadline - performance.now()));
        throw new AgentLinkError('connect', 'unable to open monitor socket');
      }
      if (slowness > 0) {
        // A slow agent: the answer would come after `slowness` ms; past the deadline it never
        // counts. Decided before sleeping: timers may fire a fraction of a millisecond early.
        const remaining = Math.max(0, deadline - performance.now());
        await sleep(Math.min(slowness, remaining));
        if (slowness >= remaining) throw new AgentLinkError('timeout', 'got timeout');
      }
      return await agentCommand(path, execute, args, Math.max(1, deadline - performance.now()), this.#nextSyncId());
    } finally {
      release();
    }
  }
}

/** True once `promise` settled within `ms`, false when `ms` passed first. */
function within(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
