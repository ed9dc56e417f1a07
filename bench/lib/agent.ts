/**
 * The real qemu-ga for the benchmark, started with the project's start-qemu-ga script (one
 * private agent on a unix socket, restarted by its supervisor if it exits: qemu-ga 7.2
 * sometimes exits when a client leaves, and the bench connects and leaves many times).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { QEMU_GA_MISSING } from '../../scripts/test-env/prerequisites.js';

const run = promisify(execFile);

export interface RealAgent {
  socket: string;
  pid: string;
  dir: string;
  stop(): Promise<void>;
}

/** Where the project's agent scripts live, from the repository root. */
export function agentTools(repoRoot: string): string {
  return resolve(repoRoot, 'scripts', 'test-env', 'qemu-ga');
}

/**
 * Starts the agent, or explains why not: the error's `missing` lists what the machine lacks
 * when start-qemu-ga finds no qemu-ga (exit 3). Call {@link findMissing} first to find that
 * out without starting anything; a missing script is a broken checkout and throws plainly.
 */
export async function startRealAgent(repoRoot: string): Promise<RealAgent> {
  const tools = agentTools(repoRoot);
  const start = resolve(tools, 'start-qemu-ga');
  if (!existsSync(start)) throw new Error(`${start} is missing from the repository`);
  let stdout: string;
  try {
    ({ stdout } = await run(start, ['--respawn'], { encoding: 'utf8' }));
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    const failure = new Error(`start-qemu-ga failed (exit ${String(e.code)}): ${e.stderr?.trim() ?? ''}`);
    throw e.code === 3 ? Object.assign(failure, { missing: [QEMU_GA_MISSING] }) : failure;
  }
  const env = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const socket = env.get('QGA_SOCKET');
  const pid = env.get('QGA_PID');
  const dir = env.get('QGA_DIR');
  if (!socket || !pid || !dir) throw new Error(`start-qemu-ga printed no socket/pid: ${stdout}`);
  let stopped = false;
  return {
    socket,
    pid,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(resolve(tools, 'stop-qemu-ga'), [pid], { encoding: 'utf8' });
    },
  };
}

/** How often the supervisor restarted the agent (a figure that moved a lot is suspect). */
export async function agentRestarts(agent: RealAgent): Promise<number> {
  try {
    return Number((await readFile(resolve(agent.dir, 'respawns'), 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}
