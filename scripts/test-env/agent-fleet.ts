/**
 * Many real, sandboxed qemu-ga processes at once (scripts/test-env/qemu-ga), for the fleet
 * suite and the fleet benchmark: each has its own socket, state dir and supervisor
 * (`--respawn`), ~3 MiB and ~0.2 s to start.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TOOLS = resolve(import.meta.dirname, 'qemu-ga');

export interface FleetAgent {
  socket: string;
  /** The supervisor's pid (what stop-qemu-ga takes). */
  pid: number;
  dir: string;
  /** The request log (with `verbose`). */
  log: string;
}

/**
 * The running qemu-ga's own pid: the supervisor records its current child in
 * `qemu-ga.child` (the pidfile holds the supervisor's pid), and it changes on a restart.
 */
export function agentPid(agent: FleetAgent): number {
  return Number(readFileSync(join(agent.dir, 'qemu-ga.child'), 'utf8').trim());
}

/**
 * Starts `count` agents, `parallel` at a time. Rejects (after stopping those that
 * started) with `notInstalled` set when start-qemu-ga exits 3.
 */
export async function startFleet(count: number, options: { parallel?: number; verbose?: boolean } = {}): Promise<FleetAgent[]> {
  const agents: FleetAgent[] = [];
  let next = 0;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      next += 1;
      try {
        const { stdout } = await run(resolve(TOOLS, 'start-qemu-ga'), ['--respawn', ...(options.verbose ? ['--verbose'] : [])], { encoding: 'utf8' });
        const env = new Map(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const));
        agents.push({ socket: env.get('QGA_SOCKET')!, pid: Number(env.get('QGA_PID')), dir: env.get('QGA_DIR')!, log: env.get('QGA_LOG')! });
      } catch (error) {
        const e = error as { code?: number; stderr?: string };
        failure = Object.assign(new Error(`start-qemu-ga failed (exit ${String(e.code)}): ${e.stderr?.trim() ?? ''}`), { notInstalled: e.code === 3 });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel ?? 16, count) }, worker));
  if (failure !== undefined) {
    await stopFleet(agents);
    throw failure;
  }
  return agents;
}

/** Stops every agent (a stopped one is continued first, so it can exit). */
export async function stopFleet(agents: readonly FleetAgent[]): Promise<void> {
  for (const agent of agents) {
    try {
      process.kill(agentPid(agent), 'SIGCONT');
    } catch {
      // Already gone.
    }
  }
  const queue = [...agents];
  const worker = async (): Promise<void> => {
    for (let agent = queue.shift(); agent; agent = queue.shift()) {
      await run(resolve(TOOLS, 'stop-qemu-ga'), [String(agent.pid)]).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
