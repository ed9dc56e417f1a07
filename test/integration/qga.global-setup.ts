/**
 * Starts one real, sandboxed qemu-ga (scripts/test-env/qemu-ga/start-qemu-ga --respawn) for the
 * integration project and provides its socket to the tests. When the machine lacks the
 * `qemu-ga` binary, a local run skips with a notice that says so and how to install it; with
 * CI set, the run fails instead (scripts/test-env/prerequisites.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { QEMU_GA_MISSING, skipOrFail, suiteCanRun } from '../../scripts/test-env/prerequisites.js';

declare module 'vitest' {
  export interface ProvidedContext {
    qgaSocket: string;
    qgaDir: string;
    qgaBlocked: string;
  }
}

export const QGA_TOOLS = resolve(import.meta.dirname, '..', '..', 'scripts', 'test-env', 'qemu-ga');
const LABEL = 'integration';
const TITLE = 'the real-agent tests';

function provideSkipped(project: TestProject): undefined {
  project.provide('qgaSocket', '');
  project.provide('qgaDir', '');
  project.provide('qgaBlocked', '');
  return undefined;
}

export default function setup(project: TestProject): (() => void) | undefined {
  const start = resolve(QGA_TOOLS, 'start-qemu-ga');
  // A missing script is a broken checkout, not a missing package: never a skip.
  if (!existsSync(start)) throw new Error(`[${LABEL}] ${start} is missing from the repository`);
  if (!suiteCanRun('integration', LABEL, TITLE)) return provideSkipped(project);
  let out: string;
  try {
    out = execFileSync(start, ['--respawn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    // Exit 3 is start-qemu-ga's "qemu-ga not found" (the binary went away since the check).
    if ((error as { status?: number }).status !== 3) throw error;
    skipOrFail(LABEL, TITLE, [QEMU_GA_MISSING]);
    return provideSkipped(project);
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
