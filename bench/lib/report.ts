/**
 * Turns case reports into figures (best / median, ratio, verdict), the console summary,
 * `bench/results/*.json` and the markdown table the README includes.
 */
import { best, median } from './stats.js';
import type { CaseReport, Goal, Row, Series } from './types.js';

export type CaseStatus = 'ok' | 'unavailable' | 'skipped' | 'failed';

export interface RowFigures {
  name: string;
  unit: string;
  direction: Row['direction'];
  rawLabel: string;
  library: { best: number; median: number; samples: number[] };
  raw?: { best: number; median: number; samples: number[] } | undefined;
  /**
   * Library ÷ raw: the median of the per-round ratios when both sides have one sample per
   * round (each round runs both sides back to back, so load drift cancels), else the ratio
   * of the medians.
   */
  ratio?: number | undefined;
  goal?: Goal | undefined;
  /** `out of reach`: missed, and the row's floor (the best any client does here) misses too. */
  verdict?: 'met' | 'missed' | 'out of reach' | undefined;
  /** The floor's ratio against the same baseline, when the row has a floor. */
  floorRatio?: number | undefined;
  note?: string | undefined;
}

export interface CaseResult {
  name: string;
  title: string;
  status: CaseStatus;
  message?: string | undefined;
  durationMs: number;
  /** 1-minute load average when the case started: the machine is shared, so say how busy. */
  loadAverage?: number | undefined;
  rows: RowFigures[];
  series: Series[];
  notes: string[];
}

export interface RunResult {
  generatedAt: string;
  mode: 'full' | 'smoke';
  environment: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    agent: string;
    agentRestarts: number;
  };
  cases: CaseResult[];
}

function judge(goal: Goal, value: number): boolean {
  if (goal.op === '>=') return value >= goal.value;
  if (goal.op === '<=') return value <= goal.value;
  return value < goal.value;
}

/** `judge: false` (smoke runs) reports the figures without verdicts. */
export function figuresOf(row: Row, judgeGoals = true): RowFigures {
  const library = { best: best(row.library, row.direction), median: median(row.library), samples: row.library };
  const raw = row.raw && row.raw.length > 0 ? { best: best(row.raw, row.direction), median: median(row.raw), samples: row.raw } : undefined;
  const ratio = raw ? ratioOf(library.samples, raw.samples) : undefined;
  const floor = row.floor && row.floor.length > 0 ? row.floor : undefined;
  const floorRatio = raw && floor ? ratioOf(floor, raw.samples) : undefined;
  let verdict: RowFigures['verdict'];
  if (row.goal && judgeGoals) {
    const goal = row.goal;
    const value = goal.on === 'ratio' ? ratio : library.median;
    const floorValue = goal.on === 'ratio' ? floorRatio : floor && median(floor);
    if (value !== undefined && Number.isFinite(value)) {
      if (judge(goal, value)) verdict = 'met';
      else verdict = floorValue !== undefined && !judge(goal, floorValue) ? 'out of reach' : 'missed';
    }
  }
  return { name: row.name, unit: row.unit, direction: row.direction, rawLabel: row.rawLabel ?? 'raw', library, raw, ratio, goal: row.goal, verdict, floorRatio, note: row.note };
}

/**
 * The median of the per-round ratios when both sides have one sample per round (each round
 * runs both back to back, so load drift cancels), else the ratio of the medians.
 */
function ratioOf(samples: number[], baseline: number[]): number {
  const paired = baseline.length === samples.length && samples.length > 1;
  return paired ? median(samples.map((value, i) => value / baseline[i]!)) : median(samples) / median(baseline);
}

export function caseResult(name: string, title: string, report: CaseReport, durationMs: number, judgeGoals: boolean): CaseResult {
  return { name, title, status: 'ok', durationMs, rows: report.rows.map((row) => figuresOf(row, judgeGoals)), series: report.series ?? [], notes: report.notes ?? [] };
}

/** A figure with about three significant digits. */
export function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function goalText(goal: Goal | undefined): string {
  if (!goal) return '';
  const op = goal.op === '>=' ? '≥' : goal.op === '<=' ? '≤' : '<';
  return goal.on === 'ratio' ? `ratio ${op} ${goal.value}` : `${op} ${goal.value}`;
}

/** Why a goal is out of reach: what the floor itself achieves. */
function floorText(row: RowFigures): string {
  return `the fastest raw client's ratio is ${fmt(row.floorRatio)}`;
}

function verdictMark(row: RowFigures): string {
  if (row.verdict === 'met') return '✅';
  if (row.verdict === 'missed') return '❌';
  if (row.verdict === 'out of reach') return `⚠️ out of reach here: ${floorText(row)}`;
  return row.note ? `(${row.note})` : '';
}

function cell(figures: { best: number; median: number } | undefined, unit: string): string {
  if (!figures) return '–';
  const u = unit ? ` ${unit}` : '';
  return figures.best === figures.median || figures.best === undefined ? `${fmt(figures.median)}${u}` : `${fmt(figures.best)} / ${fmt(figures.median)}${u}`;
}

/** The console summary of one case. */
export function consoleLines(result: CaseResult): string[] {
  if (result.status !== 'ok') return [`${result.name}: ${result.status.toUpperCase()}${result.message ? ` — ${result.message}` : ''}`];
  const load = result.loadAverage === undefined ? '' : `, load ${result.loadAverage.toFixed(2)}`;
  const lines = [`${result.name}: ${result.title}  (${(result.durationMs / 1000).toFixed(1)} s${load})`];
  for (const row of result.rows) {
    const raw = row.raw ? `  ${row.rawLabel} ${cell(row.raw, row.unit)}` : '';
    const ratio = row.ratio !== undefined ? `  ratio ${fmt(row.ratio)}` : '';
    const floor = row.verdict === 'out of reach' ? ` (${floorText(row)})` : '';
    const goal = row.goal ? `  [goal ${goalText(row.goal)}${row.verdict ? `: ${row.verdict}${floor}` : ', not judged'}]` : row.note ? `  (${row.note})` : '';
    lines.push(`  ${row.name}: library ${cell(row.library, row.unit)}${raw}${ratio}${goal}`);
  }
  return lines;
}

/** The markdown the README includes: one table of every row, then the framer series. */
export function markdown(run: RunResult): string {
  const env = run.environment;
  const out: string[] = [];
  out.push(`<!-- generated by \`npm run bench\` on ${run.generatedAt.slice(0, 10)}; do not edit by hand -->`);
  out.push('');
  out.push(
    `Node ${env.node}, ${env.cpus} CPU(s), ${env.agent}; load average ${env.loadAverageStart.map((l) => l.toFixed(1)).join(' ')} at start. ` +
      'Cells are best / median over the rounds; the ratio is the median over rounds of library ÷ baseline measured in the same round. ' +
      `Cases measured at ${run.cases.filter((c) => c.loadAverage !== undefined).map((c) => `${c.name} load ${c.loadAverage!.toFixed(1)}`).join(', ')}.`,
  );
  out.push('');
  out.push('| case | measure | library | baseline | library ÷ baseline | goal | |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const c of run.cases) {
    if (c.status !== 'ok') {
      out.push(`| ${c.name} | ${c.title} | ${c.status}${c.message ? `: ${c.message.replaceAll('|', '\\|')}` : ''} | | | | |`);
      continue;
    }
    for (const row of c.rows) {
      const baseline = row.raw ? `${cell(row.raw, row.unit)}${row.rawLabel !== 'raw' ? ` (${row.rawLabel})` : ''}` : '–';
      out.push(`| ${c.name} | ${row.name} | ${cell(row.library, row.unit)} | ${baseline} | ${fmt(row.ratio)} | ${goalText(row.goal)} | ${verdictMark(row)} |`);
    }
  }
  const framer = run.cases.find((c) => c.name === 'framer' && c.status === 'ok');
  if (framer && framer.series.length > 0) {
    out.push('');
    out.push('One reply of N MiB, ms (median):');
    out.push('');
    const xs = [...new Set(framer.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    out.push(`| MiB | ${framer.series.map((s) => s.name).join(' | ')} |`);
    out.push(`| --- | ${framer.series.map(() => '---').join(' | ')} |`);
    for (const x of xs) out.push(`| ${x} | ${framer.series.map((s) => fmt(s.points.find((p) => p.x === x)?.y)).join(' | ')} |`);
    const lines = framer.series.filter((s) => s.points.length === xs.length);
    if (lines.length > 0) {
      out.push('');
      out.push('```mermaid');
      out.push('xychart-beta');
      out.push(`  title "One reply through the framer (${lines.map((s) => s.name).join(', ')})"`);
      out.push(`  x-axis "MiB" [${xs.join(', ')}]`);
      out.push('  y-axis "ms"');
      for (const s of lines) out.push(`  line [${s.points.map((p) => p.y.toFixed(1)).join(', ')}]`);
      out.push('```');
    }
  }
  out.push('');
  return out.join('\n');
}

/**
 * The README's benchmark section: every row that has a goal, with its verdict, and a
 * pointer to the full table. Written between the README's bench markers by a full run.
 */
export function readmeSection(run: RunResult): string {
  const env = run.environment;
  const out: string[] = [];
  out.push(`<!-- written by \`npm run bench\` on ${run.generatedAt.slice(0, 10)} from bench/results/latest.json; do not edit by hand -->`);
  out.push('');
  out.push(
    `Measured against a real agent (${env.agent}) on Node ${env.node}, ${env.cpus} CPU(s), each case interleaved with a raw \`node:net\` client ` +
      'doing the same wire work (or the stated baseline) in the same run. Library ÷ baseline is the median over rounds of the ratio within a round.',
  );
  out.push('');
  out.push('| case | goal | library | baseline | library ÷ baseline | |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const c of run.cases) {
    if (c.status !== 'ok') continue;
    for (const row of c.rows) {
      if (!row.goal) continue;
      const baseline = row.raw ? `${cell(row.raw, row.unit)}${row.rawLabel !== 'raw' ? ` (${row.rawLabel})` : ''}` : '–';
      out.push(`| ${c.name}: ${row.name} | ${goalText(row.goal)} | ${cell(row.library, row.unit)} | ${baseline} | ${fmt(row.ratio)} | ${verdictMark(row)} |`);
    }
  }
  out.push('');
  out.push('Cells are best / median over the rounds. Every row, the informational ones and the framer series with its chart: [bench/results/latest.md](bench/results/latest.md); how it is measured and what a missed goal means: [docs/performance.md](docs/performance.md).');
  return out.join('\n');
}
