/**
 * The libvirt case's surroundings: a real libvirtd (scripts/test-env/libvirt/start-libvirtd),
 * a test domain booted for the run and destroyed after it, and the baseline service —
 * libvirt's C client library through python3-libvirt (bench/workers/libvirt-c.py).
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { NotAvailable } from './types.js';

const isCi = (): boolean => {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
};

/** Missing prerequisites are a failure in CI and "not available" locally. */
function missing(what: string): never {
  const message = `${what}; install and set up with: sudo npm run setup:test-env`;
  if (isCi()) throw new Error(`libvirt bench: ${message}`);
  throw new NotAvailable(`libvirt bench (${message})`);
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(' ')}: ${error.message} ${stderr}`)) : resolvePromise(stdout)));
  });
}

/** A Python that has the libvirt bindings: `python3`, else the system one (pyenv and venvs often lack them). */
function pythonWithLibvirt(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import libvirt, libvirt_qemu'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

export interface LibvirtBenchEnv {
  domain: string;
  baseline: Baseline;
  stop(): Promise<void>;
}

/** Starts libvirtd if needed, boots a domain and the baseline service. */
export async function startLibvirtEnv(repoRoot: string): Promise<LibvirtBenchEnv> {
  if (process.getuid?.() !== 0) missing('not running as root');
  const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin` } }).status === 0;
  if (!has('libvirtd') || !has('virsh') || !has('qemu-system-x86_64')) missing('libvirtd, virsh or qemu-system-x86_64 is not installed');
  const python = pythonWithLibvirt();
  if (!python) missing('python3-libvirt (the C library baseline) is not installed');
  const tools = resolve(repoRoot, 'scripts', 'test-env', 'libvirt');
  await run(resolve(tools, 'start-libvirtd'), []);
  const domain = `qga-bench-${process.pid}`;
  const stopDomain = () => run(resolve(tools, 'stop-libvirt-vm'), [domain]).then(() => undefined, () => undefined);
  try {
    await run(resolve(tools, 'start-libvirt-vm'), ['--timeout', '180', domain]);
    const baseline = await Baseline.start(python, resolve(repoRoot, 'bench', 'workers', 'libvirt-c.py'), domain);
    return {
      domain,
      baseline,
      stop: async () => {
        await baseline.stop();
        await stopDomain();
      },
    };
  } catch (error) {
    await stopDomain();
    throw error;
  }
}

/** The python3-libvirt service: one JSON command in, one JSON answer out. */
export class Baseline {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';
  /** The daemon's libvirt version, e.g. `9.0.0`. */
  libvirtVersion = '?';

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stderr.setEncoding('utf8').on('data', (text: string) => (this.#stderr = (this.#stderr + text).slice(-2000)));
    this.#lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(python: string, script: string, domain: string): Promise<Baseline> {
    const baseline = new Baseline(spawn(python, [script, domain], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const { libvirt } = (await baseline.#next()) as { libvirt: number };
    baseline.libvirtVersion = `${Math.floor(libvirt / 1_000_000)}.${Math.floor(libvirt / 1000) % 1000}.${libvirt % 1000}`;
    return baseline;
  }

  /** Runs one operation in the service; throws when libvirt reported an error. */
  async call<T>(op: string, args: Record<string, unknown>): Promise<T> {
    this.#child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
    const answer = (await this.#next()) as T & { error?: string };
    if (answer.error !== undefined) throw new Error(`python3-libvirt ${op}: ${answer.error}`);
    return answer;
  }

  async stop(): Promise<void> {
    this.#child.stdin.end();
    await new Promise((r) => this.#child.once('close', r));
  }

  async #next(): Promise<unknown> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error(`the python3-libvirt baseline exited: ${this.#stderr}`);
    return JSON.parse(value) as unknown;
  }
}
