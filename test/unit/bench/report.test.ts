/**
 * The benchmark's verdicts decide what the README claims, so they are tested like code:
 * a goal is met, missed, or out of reach when even the fastest raw client misses it.
 */
import { describe, expect, it } from 'vitest';
import { figuresOf, markdown, type RunResult } from '../../../bench/lib/report.js';
import type { Row } from '../../../bench/lib/types.js';

const atMostOneTwentieth = { on: 'ratio', op: '<=', value: 0.05 } as const;

function latencyRow(library: number[], baseline: number[], floor?: number[]): Row {
  return { name: 'exec against a 100 ms poll', unit: 'ms', direction: 'lower', library, raw: baseline, floor, goal: atMostOneTwentieth };
}

describe('bench verdicts', () => {
  it('takes the median of per-round ratios when both sides have a sample per round', () => {
    const figures = figuresOf(latencyRow([4, 5, 6], [100, 100, 200]));
    // Per round: 0.04, 0.05, 0.03 → median 0.04 (the ratio of the medians would be 0.05).
    expect(figures.ratio).toBeCloseTo(0.04, 10);
    expect(figures.verdict).toBe('met');
  });

  it('reports a missed goal as missed when the fastest client meets it', () => {
    const figures = figuresOf(latencyRow([6, 6, 6], [100, 100, 100], [4, 4, 4]));
    expect(figures.verdict).toBe('missed');
    expect(figures.floorRatio).toBeCloseTo(0.04, 10);
  });

  it('reports a goal the fastest client misses too as out of reach, with that ratio', () => {
    const figures = figuresOf(latencyRow([6, 6, 6], [100, 100, 100], [5.5, 5.5, 5.5]));
    expect(figures.verdict).toBe('out of reach');
    expect(figures.floorRatio).toBeCloseTo(0.055, 10);
  });

  it('never calls a goal out of reach without a floor', () => {
    expect(figuresOf(latencyRow([6, 6, 6], [100, 100, 100])).verdict).toBe('missed');
  });

  it('judges nothing in smoke runs', () => {
    expect(figuresOf(latencyRow([6], [100], [5.5]), false).verdict).toBeUndefined();
  });

  it('marks each verdict distinctly in the results table', () => {
    const rows = [latencyRow([4, 4], [100, 100]), latencyRow([6, 6], [100, 100], [4, 4]), latencyRow([6, 6], [100, 100], [5.5, 5.5])];
    const run: RunResult = {
      generatedAt: '2026-12-02T00:00:00.000Z',
      mode: 'full',
      environment: { node: 'v20', platform: 'linux-x64', cpus: 2, cpuModel: 'cpu', loadAverageStart: [0, 0, 0], loadAverageEnd: [0, 0, 0], agent: 'qemu-ga', agentRestarts: 0 },
      cases: [{ name: 'exec', title: 'exec', status: 'ok', durationMs: 1, rows: rows.map((row) => figuresOf(row)), series: [], notes: [] }],
    };
    const table = markdown(run).split('\n').filter((line) => line.startsWith('| exec |'));
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/✅ \|$/);
    expect(table[1]).toMatch(/❌ \|$/);
    expect(table[2]).toMatch(/out of reach here: the fastest raw client's ratio is 0\.055 \|$/);
  });
});
