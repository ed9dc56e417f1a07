/**
 * What a benchmark case is and what it reports.
 *
 * A case returns rows: each row is one figure measured for the library and (usually) for
 * the raw baseline in the same run, one sample per round. The runner turns samples into
 * best / median and the ratio library ÷ raw, and checks the row's goal.
 */
import type { QgaClient } from '../../src/index.js';
import type { RawQgaClient } from '../raw-client.js';

/** Whether a larger figure is better (rates) or a smaller one (latencies, memory). */
export type Direction = 'higher' | 'lower';

/** A goal from the issue: on the ratio library ÷ raw, or on the library's own figure. */
export interface Goal {
  on: 'ratio' | 'library';
  op: '>=' | '<=' | '<';
  value: number;
}

export interface Row {
  name: string;
  unit: string;
  direction: Direction;
  library: number[];
  /** Raw baseline samples; absent when the row has no raw counterpart. */
  raw?: number[] | undefined;
  /** Label of the baseline column when it is not the raw client (e.g. `JSON.parse`). */
  rawLabel?: string | undefined;
  goal?: Goal | undefined;
  /**
   * Samples of the best any client can do here, against the same baseline (e.g. the raw
   * client at its fastest). When the library misses the goal and this floor misses it too,
   * the goal is out of reach on this machine, and is reported so rather than as missed.
   */
  floor?: number[] | undefined;
  /** Only informational: shown, never judged. */
  note?: string | undefined;
}

/** A curve, e.g. time against reply size for the framer. */
export interface Series {
  name: string;
  xLabel: string;
  yLabel: string;
  points: { x: number; y: number }[];
}

export interface CaseReport {
  rows: Row[];
  series?: Series[] | undefined;
  notes?: string[] | undefined;
}

export interface BenchContext {
  repoRoot: string;
  smoke: boolean;
  /** The real agent's socket; undefined when it could not be started. */
  socket: string | undefined;
  /** A host temp dir the agent can also reach (it runs on this host). */
  workDir: string;
  log(message: string): void;
  connectLibrary(): Promise<QgaClient>;
  connectRaw(): Promise<RawQgaClient>;
}

export interface BenchCase {
  name: string;
  title: string;
  /** The case talks to the real agent. */
  needsAgent: boolean;
  run(context: BenchContext): Promise<CaseReport>;
}

/** Thrown by a case whose library feature has not landed yet. */
export class NotAvailable extends Error {
  constructor(what: string) {
    super(`${what}: not available yet`);
    this.name = 'NotAvailable';
  }
}

/**
 * Thrown by a case whose surroundings this machine lacks (after the loud notice; in CI a
 * missing piece throws a plain error instead, so the case fails).
 */
export class Skipped extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'Skipped';
  }
}
