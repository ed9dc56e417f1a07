/**
 * `npm run bench`: the library against a raw node:net client, in the same run.
 *
 *   npm run bench                  every case, full size (minutes); writes bench/results/latest.*
 *   npm run bench -- --smoke       every case, tiny (seconds), no timing goals judged; for CI
 *   npm run bench -- --case ping   one case (repeatable, or comma-separated); merged into latest.*
 *
 * Starts a private real qemu-ga (scripts/test-env/qemu-ga/start-qemu-ga --respawn) for the cases that
 * need one, and stops it at the end, also on Ctrl-C.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { qga } from './lib/qga.js';
import { clientsCase } from './cases/clients.js';
import { downloadCase } from './cases/download.js';
import { execCase } from './cases/exec.js';
import { readCase, writeCase } from './cases/files.js';
import { fleetCase } from './cases/fleet.js';
import { framerCase } from './cases/framer.js';
import { libvirtCase } from './cases/libvirt.js';
import { pingCase } from './cases/ping.js';
import { proxmoxCase } from './cases/proxmox.js';
import { findMissing, type Missing, SETUP_COMMAND, skipOrFail } from '../scripts/test-env/prerequisites.js';
import { agentRestarts, startRealAgent, type RealAgent } from './lib/agent.js';
import { caseResult, consoleLines, markdown, readmeSection, type CaseResult, type RunResult } from './lib/report.js';
import { NotAvailable, Skipped, type BenchCase, type BenchContext } from './lib/types.js';
import { RawQgaClient } from './raw-client.js';

const CASES: BenchCase[] = [pingCase, execCase, readCase, writeCase, downloadCase, framerCase, clientsCase, fleetCase, libvirtCase, proxmoxCase];

function parseArgs(argv: string[]): { smoke: boolean; only: Set<string> | undefined } {
  let smoke = false;
  const only = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--smoke') smoke = true;
    else if (arg === '--case') {
      const value = argv[++i];
      if (!value) throw new Error('--case needs a name');
      for (const name of value.split(',')) only.add(name.trim());
    } else if (arg.startsWith('--case=')) for (const name of arg.slice(7).split(',')) only.add(name.trim());
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: npm run bench -- [--smoke] [--case NAME]\ncases: ${CASES.map((c) => c.name).join(', ')}`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  for (const name of only) if (!CASES.some((c) => c.name === name)) throw new Error(`unknown case ${name}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  return { smoke, only: only.size > 0 ? only : undefined };
}

const repoRoot = resolve(import.meta.dirname, '..');
const { smoke, only } = parseArgs(process.argv.slice(2));
const selected = CASES.filter((c) => !only || only.has(c.name));
const log = (message: string): void => console.log(message);
const started = performance.now();
const loadAverageStart = loadavg();
log(`qga-client bench (${smoke ? 'smoke' : 'full'}): ${selected.map((c) => c.name).join(', ')}; load average ${loadAverageStart.map((l) => l.toFixed(2)).join(' ')}`);

const workDir = await mkdtemp(join(tmpdir(), 'qga-bench-'));
let agent: RealAgent | undefined;
let agentProblem: string | undefined;
const NO_AGENT = 'no real agent';
// The README's benchmark section lies between these; a full run rewrites it.
const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';
let agentVersion = NO_AGENT;
const cleanup = async (): Promise<void> => {
  await agent?.stop().catch((error: unknown) => console.error(`stopping the agent failed: ${String(error)}`));
  await rm(workDir, { recursive: true, force: true });
};
const onSignal = (): void => {
  void cleanup().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const results: CaseResult[] = [];
try {
  if (selected.some((c) => c.needsAgent)) {
    // What the machine lacks, found before starting anything (or reported by start-qemu-ga).
    let missing = findMissing('integration');
    try {
      if (missing.length === 0) {
        agent = await startRealAgent(repoRoot);
        const probe = await qga.QgaClient.connect({ path: agent.socket, waitForAgent: 5_000 });
        agentVersion = `qemu-ga ${(await probe.call('guest-info')).version}`;
        await probe.close();
        log(`real agent: ${agentVersion}`);
      }
    } catch (error) {
      const reported = (error as { missing?: Missing[] }).missing;
      if (reported === undefined) throw error;
      missing = reported;
    }
    if (missing.length > 0) {
      // CI installs the agent: there a missing agent is a failure, not a skip.
      skipOrFail('bench', 'the cases that need a real agent', missing);
      agentProblem = `this machine lacks ${missing.map((m) => m.what).join('; ')} (${SETUP_COMMAND})`;
    }
  }
  const context: BenchContext = {
    repoRoot,
    smoke,
    socket: agent?.socket,
    workDir,
    log,
    // A generous per-call timeout: a 48 MiB chunk on a loaded machine must not time out.
    connectLibrary: () => qga.QgaClient.connect({ path: agent!.socket, waitForAgent: 5_000, timeout: 120_000 }),
    connectRaw: () => RawQgaClient.connect(agent!.socket, 5_000),
  };
  for (const benchCase of selected) {
    const caseStart = performance.now();
    if (benchCase.needsAgent && !agent) {
      results.push({ name: benchCase.name, title: benchCase.title, status: 'skipped', message: `no real agent: ${agentProblem ?? ''}`, durationMs: 0, rows: [], series: [], notes: [] });
      log(consoleLines(results.at(-1)!).join('\n'));
      continue;
    }
    log(`${benchCase.name}: ${benchCase.title} …`);
    const caseLoad = loadavg()[0];
    let result: CaseResult;
    try {
      result = caseResult(benchCase.name, benchCase.title, await benchCase.run(context), performance.now() - caseStart, !smoke);
    } catch (error) {
      const unavailable = error instanceof NotAvailable;
      const skipped = error instanceof Skipped;
      result = {
        name: benchCase.name,
        title: benchCase.title,
        status: skipped ? 'skipped' : unavailable ? 'unavailable' : 'failed',
        message: unavailable || skipped ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error),
        durationMs: performance.now() - caseStart,
        rows: [],
        series: [],
        notes: [],
      };
    }
    result.loadAverage = caseLoad;
    results.push(result);
    log(consoleLines(result).join('\n'));
  }
} finally {
  const restarts = agent ? await agentRestarts(agent) : 0;
  await cleanup();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const run: RunResult = {
    generatedAt: new Date().toISOString(),
    mode: smoke ? 'smoke' : 'full',
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverageStart,
      loadAverageEnd: loadavg(),
      agent: agentVersion,
      agentRestarts: restarts,
    },
    cases: results,
  };
  await writeResults(run);
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; load average now ${run.environment.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')}`);
}

const failed = results.filter((r) => r.status === 'failed');
if (failed.length > 0) {
  console.error(`${failed.length} case(s) failed: ${failed.map((r) => r.name).join(', ')}`);
  process.exitCode = 1;
} else if (smoke) {
  const skipped = results.filter((r) => r.status === 'skipped').map((r) => r.name);
  log(
    skipped.length === 0
      ? 'smoke: every case ran (timings are not judged in smoke mode)'
      : `smoke: ${results.length - skipped.length} case(s) ran, ${skipped.length} SKIPPED (${skipped.join(', ')}); timings are not judged in smoke mode`,
  );
}

/**
 * Smoke runs go to smoke.* (not committed). A full run of some cases only is merged into
 * latest.json, so cases can be re-measured one at a time when the machine is quiet.
 */
async function writeResults(run: RunResult): Promise<void> {
  const dir = resolve(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const base = run.mode === 'smoke' ? 'smoke' : 'latest';
  let merged = run;
  if (run.mode === 'full' && only) {
    try {
      const previous = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as RunResult;
      const cases = CASES.map((c) => run.cases.find((r) => r.name === c.name) ?? previous.cases.find((r) => r.name === c.name)).filter((c): c is CaseResult => c !== undefined);
      // A run of agent-less cases only says nothing about the agent the others met.
      const agent = run.environment.agent === NO_AGENT ? previous.environment.agent : run.environment.agent;
      merged = { ...run, environment: { ...run.environment, agent }, cases };
    } catch {
      // no previous results: write what this run has
    }
  }
  await writeFile(join(dir, `${base}.json`), JSON.stringify(merged, null, 2) + '\n');
  await writeFile(join(dir, `${base}.md`), markdown(merged));
  log(`results: bench/results/${base}.json, bench/results/${base}.md`);
  if (run.mode === 'full') await updateReadme(merged);
}

/** Rewrites the README's benchmark section, between its markers, from the results. */
async function updateReadme(run: RunResult): Promise<void> {
  const path = resolve(repoRoot, 'README.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) {
    log(`README.md has no ${README_START} … ${README_END} section; not updated`);
    return;
  }
  await writeFile(path, `${text.slice(0, start + README_START.length)}\n${readmeSection(run)}\n${text.slice(end)}`);
  log('README.md: benchmark section updated');
}
