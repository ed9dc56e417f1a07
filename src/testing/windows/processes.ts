/**
 * The simulated Windows guest's processes: the agent's exec table (an entry per
 * guest-exec, deleted by the first status that reports the exit) and every process
 * running in the guest, so `taskkill /T` can end a tree. Windows pids are multiples of 4.
 * @module
 */
import { Capture } from '../commands/exec.js';

/** One running (or finished) guest process. */
export class WinProcess {
  readonly pid: number;
  readonly parent: number;
  readonly children = new Set<WinProcess>();
  #killed = false;
  readonly #onKill: (() => void)[] = [];

  constructor(pid: number, parent: number) {
    this.pid = pid;
    this.parent = parent;
  }

  get killed(): boolean {
    return this.#killed;
  }

  /** Called once when the process is ended from outside. */
  onKill(fn: () => void): void {
    if (this.#killed) fn();
    else this.#onKill.push(fn);
  }

  /** `TerminateProcess`: this process and (with `tree`) its descendants. */
  kill(tree: boolean): void {
    if (tree) for (const child of this.children) child.kill(true);
    if (this.#killed) return;
    this.#killed = true;
    for (const fn of this.#onKill.splice(0)) fn();
  }
}

/** What the agent keeps for one guest-exec until a status reports the exit. */
export interface ExecEntry {
  readonly process: WinProcess;
  readonly out: Capture;
  readonly err: Capture;
  finished: boolean;
  /** The exit code as `GetExitCodeProcess` gives it (a DWORD). */
  exitCode: number;
}

/** Pids in use and the agent's exec table. */
export class WindowsProcessTable {
  /** The agent's own guest-exec entries, by pid. */
  readonly execs = new Map<bigint, ExecEntry>();
  /** Every live process, by pid. */
  readonly live = new Map<number, WinProcess>();
  #next = 4712;

  /** A new process under `parent` (the agent's pid for guest-exec children). */
  start(parent: number): WinProcess {
    while (this.live.has(this.#next) || this.execs.has(BigInt(this.#next))) this.#next += 4;
    const proc = new WinProcess(this.#next, parent);
    this.#next += 4;
    this.live.set(proc.pid, proc);
    this.live.get(parent)?.children.add(proc);
    return proc;
  }

  /** The process has exited. */
  end(proc: WinProcess): void {
    this.live.delete(proc.pid);
    this.live.get(proc.parent)?.children.delete(proc);
  }

  /** End every process (agent stop, simulated reboot). */
  killAll(): void {
    for (const proc of [...this.live.values()]) proc.kill(true);
  }

  /** A reboot: nothing runs, and the agent's table is empty. */
  reset(): void {
    this.killAll();
    this.live.clear();
    this.execs.clear();
  }
}
