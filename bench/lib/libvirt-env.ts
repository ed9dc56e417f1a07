/**
 * The libvirt case's surroundings: a real libvirtd (scripts/test-env/libvirt/start-libvirtd),
 * a test domain booted for the run and destroyed after it, and the baseline service —
 * libvirt's C client library through python3-libvirt (bench/workers/libvirt-c.py).
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findMissing, type Missing, SETUP_COMMAND, skipOrFail } from '../../scripts/test-env/prerequisites.js';
import { Skipped } from './types.js';

const LABEL = 'bench';
const TITLE = 'the libvirt benchmarks';

/** In CI a missing piece throws (the case fails); locally: the loud notice, then Skipped. */
function lacking(missing: readonly Missing[]): never {
  skipOrFail(LABEL, TITLE, missing);
  throw new Skipped(`this machine lacks ${missing.map((m) => m.what).join('; ')} (${SETUP_COMMAND})`);
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
  const missing = findMissing('libvirt');
  if (process.getuid?.() !== 0) missing.push({ piece: 'libvirtd', what: 'root: libvirtd and the test domain are started as root' });
  const python = pythonWithLibvirt() ?? '';
  if (!python) missing.push({ piece: 'libvirtd', what: "python3-libvirt, libvirt's C library for Python (the baseline)" });
  if (missing.length > 0) lacking(missing);
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
