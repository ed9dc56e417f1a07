/**
 * The schema import against QEMU's own files. They are not part of the repository, so these
 * tests run only when QGA_SCHEMA_DIR names them: a folder of qapi-schema-<version>.json files
 * (every supported release) or a QEMU source tree (one release; QGA_SCHEMA_VERSION labels it,
 * default the tree's VERSION file).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, modelReleaseFacts, readModel } from '../../../scripts/generate/model.js';
import { formatModel, modelFromReleases } from '../../../scripts/schema-import/build-model.js';
import { extractRelease } from '../../../scripts/schema-import/extract.js';
import { findSchemaSources, type SchemaSource } from '../../../scripts/schema-import/sources.js';
import { repoRoot } from './helpers.js';

const dir = process.env['QGA_SCHEMA_DIR'] ?? '';
const NOT_RUN = 'QGA_SCHEMA_DIR is not set (a folder of upstream qapi-schema-<version>.json files, or a QEMU source tree)';
const modelFile = path.join(repoRoot, MODEL_PATH);
const sources = (): SchemaSource[] => findSchemaSources([dir], process.env['QGA_SCHEMA_VERSION'] || undefined);

/** Runs of this many words shared with QEMU's doc text count as copied. */
const COPIED_WORDS = 7;

describe('schema import of the upstream QGA schemas', () => {
  beforeAll(() => {
    if (dir === '') console.info(`[schema import] the check against QEMU's own schema files was NOT run: ${NOT_RUN}.`);
  });

  it('reproduces the committed model exactly from a folder of every release', (ctx) => {
    ctx.skip(dir === '', NOT_RUN);
    const given = sources();
    ctx.skip(given.length === 1, 'QGA_SCHEMA_DIR is one source tree; the per-release check covers it');
    expect(formatModel(modelFromReleases(given.map((s) => extractRelease(s))))).toBe(readFileSync(modelFile, 'utf8'));
  });

  it("gives the committed model's facts for each release it is given", (ctx) => {
    ctx.skip(dir === '', NOT_RUN);
    const committed = new Map(modelReleaseFacts(readModel(modelFile)).map((r) => [r.version, r]));
    for (const source of sources()) {
      const imported = extractRelease(source);
      const inModel = committed.get(source.version);
      expect(inModel, `the model has no release ${source.version}: add it with npm run schema:import -- --add`).toBeDefined();
      expect(imported.sha256, `QEMU ${source.version}`).toBe(inModel!.sha256);
      const byName = (r: typeof imported): string[] => r.definitions.map((d) => JSON.stringify(d)).sort();
      expect(byName(imported), `QEMU ${source.version}`).toEqual(byName(inModel!));
    }
  });

  it(`shares no run of ${COPIED_WORDS} words with QEMU's doc text, in the model or the generated code`, (ctx) => {
    ctx.skip(dir === '', NOT_RUN);
    const copied = new Set<string>();
    for (const s of sources()) {
      const docText = s.text
        .split('\n')
        .filter((l) => l.trimStart().startsWith('#'))
        .join(' ');
      for (const run of wordRuns(docText)) copied.add(run);
    }
    const generated = path.join(repoRoot, 'src', 'generated');
    const ours = [modelFile, ...readdirSync(generated).map((f) => path.join(generated, f))];
    const found = ours.flatMap((f) => wordRuns(readFileSync(f, 'utf8')).filter((r) => copied.has(r)).map((r) => `${path.basename(f)}: ${r}`));
    expect(found).toEqual([]);
  });
});

function wordRuns(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
  const runs: string[] = [];
  for (let i = 0; i + COPIED_WORDS <= words.length; i++) runs.push(words.slice(i, i + COPIED_WORDS).join(' '));
  return runs;
}
