/**
 * Starts one real, sandboxed qemu-ga (scripts/test-env/qemu-ga/start-qemu-ga --respawn) for the
 * integration project and provides its socket to the tests. Without the agent, a local
 * run skips with a loud notice; with CI set, the run fails instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    qgaSocket: string;
    qgaDir: string;
    qgaBlocked: string;
  }
}

export const QGA_TOOLS = resolve(import.meta.dirname, '..', '..', 'scripts', 'test-env', 'qemu-ga');

export default function setup(project: TestProject): (() => void) | undefined {
  const start = resolve(QGA_TOOLS, 'start-qemu-ga');
  let out: string;
  try {
    if (!existsSync(start)) throw Object.assign(new Error(`${start} not found`), { status: 3 });
    out = execFileSync(start, ['--respawn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 3 && !process.env['CI']) {
      console.warn('\n*** qemu-ga is not installed: real-agent tests are SKIPPED (apt-get install -y qemu-guest-agent) ***\n');
      project.provide('qgaSocket', '');
      project.provide('qgaDir', '');
      project.provide('qgaBlocked', '');
      return undefined;
    }
    throw error;
  }
  const env = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  project.provide('qgaSocket', env['QGA_SOCKET'] ?? '');
  project.provide('qgaDir', env['QGA_DIR'] ?? '');
  project.provide('qgaBlocked', env['QGA_BLOCKED'] ?? '');
  return () => {
    execFileSync(resolve(QGA_TOOLS, 'stop-qemu-ga'), [env['QGA_PID'] ?? ''], { stdio: 'inherit' });
  };
}
