import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, readModel } from '../../../scripts/generate/model.js';
import { checkGenerated, generateFromModel, type Generated, writeGenerated } from '../../../scripts/generate/run.js';
import { repoRoot } from './helpers.js';

const committed = path.join(repoRoot, 'src', 'generated');
const fromModel = (): Generated => generateFromModel(readModel(path.join(repoRoot, MODEL_PATH)));

describe('generate --check', () => {
  let generated: Generated;
  const dirs: string[] = [];
  const copy = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qga-check-test-'));
    dirs.push(dir);
    cpSync(committed, dir, { recursive: true });
    return dir;
  };

  beforeAll(() => {
    generated = fromModel();
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('passes on the committed output', () => {
    expect(checkGenerated(committed, generated.files)).toEqual({ ok: true, problems: [] });
  });

  it('detects a hand edit', () => {
    const dir = copy();
    const types = path.join(dir, 'types.ts');
    writeFileSync(types, readFileSync(types, 'utf8').replace("'out-data'?: string;", "'out-data'?: string | null;"));
    expect(checkGenerated(dir, generated.files)).toEqual({ ok: false, problems: ['differs: types.ts'] });
  });

  it('detects a missing and an extra file', () => {
    const dir = copy();
    unlinkSync(path.join(dir, 'methods.ts'));
    writeFileSync(path.join(dir, 'helpers.ts'), 'export {};\n');
    expect(checkGenerated(dir, generated.files).problems).toEqual(['extra: helpers.ts', 'missing: methods.ts']);
  });

  it('writing repairs the folder, removing files it did not generate', () => {
    const dir = copy();
    writeFileSync(path.join(dir, 'index.ts'), '// hand-written stub\n');
    writeFileSync(path.join(dir, 'stale.ts'), 'export {};\n');
    writeGenerated(dir, generated.files);
    expect(checkGenerated(dir, generated.files).ok).toBe(true);
  });

  it('is byte-identical run to run', () => {
    const again = fromModel();
    expect([...again.files.entries()]).toEqual([...generated.files.entries()]);
    expect(again.warnings).toEqual([]);
  });
});

describe('the command line', () => {
  it('generates from the model file it is given: other sources in the model, other headers', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qga-check-model-'));
    try {
      // The same facts said to come from other upstream files: every header's hash changes.
      const model = readFileSync(path.join(repoRoot, MODEL_PATH), 'utf8').replace(/"sha256": "[0-9a-f]{64}"/, `"sha256": "${'b'.repeat(64)}"`);
      writeFileSync(path.join(dir, 'model.json'), model);
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'generate.ts'), '--check', '--model', path.join(dir, 'model.json')], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('differs: commands.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 and lists the differing files when --check finds a hand edit', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qga-check-cli-'));
    try {
      cpSync(committed, dir, { recursive: true });
      writeFileSync(path.join(dir, 'index.ts'), '// edited\n');
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'generate.ts'), '--check', '--out', dir], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('differs: index.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
