/**
 * Runs a bench worker in its own node process, so memory figures (RSS, heap) are not
 * polluted by the runner's own allocations. The worker prints one JSON line on stdout as
 * its result; stderr goes through for diagnostics.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface ChildOptions {
  repoRoot: string;
  /** Worker file relative to bench/workers. */
  worker: string;
  args: string[];
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeFlags?: string[];
  timeoutMs: number;
}

export function runWorker<T>(options: ChildOptions): Promise<T> {
  const file = resolve(options.repoRoot, 'bench', 'workers', options.worker);
  const flags = [...(options.nodeFlags ?? []), '--import', 'tsx', file, ...options.args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, flags, { cwd: options.repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${options.worker} took longer than ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`worker ${options.worker} exited with ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(last) as T);
      } catch {
        reject(new Error(`worker ${options.worker} printed no JSON result: ${stdout.slice(-500)} ${stderr.slice(-1000)}`));
      }
    });
  });
}

/** A long-lived helper process (e.g. the agents for the many-clients case). */
export interface Service<T> {
  ready: T;
  stop(): Promise<void>;
}

/**
 * Starts a worker that prints one JSON line when ready and then runs until its stdin
 * closes (so it cannot outlive the runner).
 */
export function startService<T>(options: Omit<ChildOptions, 'timeoutMs'> & { readyTimeoutMs: number }): Promise<Service<T>> {
  const file = resolve(options.repoRoot, 'bench', 'workers', options.worker);
  const flags = [...(options.nodeFlags ?? []), '--import', 'tsx', file, ...options.args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, flags, { cwd: options.repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const stop = async (): Promise<void> => {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service ${options.worker} not ready within ${options.readyTimeoutMs} ms: ${stderr.slice(-1000)}`));
    }, options.readyTimeoutMs);
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const newline = stdout.indexOf('\n');
      if (ready || newline === -1) return;
      ready = true;
      clearTimeout(timer);
      try {
        resolvePromise({ ready: JSON.parse(stdout.slice(0, newline)) as T, stop });
      } catch (error) {
        void stop();
        reject(error);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`service ${options.worker} exited with ${String(code)}: ${stderr.slice(-2000)}`));
    });
  });
}
