import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modelReleaseFacts, modelReleases, parseModel, type SchemaModel } from '../../../scripts/generate/model.js';
import { formatModel, modelFromReleases } from '../../../scripts/schema-import/build-model.js';
import { extractRelease } from '../../../scripts/schema-import/extract.js';
import { findSchemaSources } from '../../../scripts/schema-import/sources.js';
import { fixtures, repoRoot } from './helpers.js';

const releasesDir = path.join(fixtures, 'releases');
const sourceTree = path.join(fixtures, 'source-tree');
const importModel = (paths: string[], version?: string): SchemaModel =>
  modelFromReleases(findSchemaSources(paths, version).map((s) => extractRelease(s)));

describe('schema import from a folder of release files', () => {
  const model = importModel([releasesDir]);
  const text = formatModel(model);

  it('lists the releases oldest first, each with the sha256 of its file', () => {
    expect(model.releases.map((r) => r.version)).toEqual(['1.0.0', '2.0.0']);
    for (const r of model.releases) expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.releases[0]!.sha256).not.toBe(model.releases[1]!.sha256);
  });

  it('stores a definition once while it stays the same, and once more for each change', () => {
    expect(model.commands.map((c) => [c.name, c.first, c.last])).toEqual([
      ['guest-hello', '1.0.0', '2.0.0'],
      ['guest-retired', '1.0.0', '1.0.0'],
      ['guest-wave', '2.0.0', '2.0.0'],
    ]);
    expect(model.types.map((t) => [t.name, t.first, t.last])).toEqual([
      ['Greeting', '1.0.0', '1.0.0'],
      ['Greeting', '2.0.0', '2.0.0'],
      ['Lang', '2.0.0', '2.0.0'],
    ]);
  });

  it('keeps the expressions and the version notes of the doc comments', () => {
    const hello = model.commands[0]!;
    expect(hello).toEqual({
      name: 'guest-hello',
      first: '1.0.0',
      last: '2.0.0',
      since: '0.9',
      memberSince: { name: '1.1' },
      expr: { command: 'guest-hello', data: { '*name': 'str' }, returns: 'Greeting' },
    });
    expect(model.commands[2]!.expr).toEqual({
      command: 'guest-wave',
      data: { times: 'int' },
      'success-response': false,
      features: ['unstable'],
      if: { any: ['CONFIG_LINUX', 'CONFIG_WIN32'] },
    });
    expect(model.types[1]!.memberSince).toEqual({ lang: '1.5' });
  });

  it('leaves out the doc text, pragmas and events', () => {
    expect(text).not.toMatch(/prose|who to|say hello|fixture/i);
    expect(text).not.toMatch(/pragma|doc-required|GUEST_WAVED/);
  });

  it('writes the same bytes whatever order the files come in', () => {
    const files = ['2.0.0', '1.0.0'].map((v) => path.join(releasesDir, `qapi-schema-${v}.json`));
    expect(formatModel(importModel(files))).toBe(text);
  });

  it('reads back exactly what it wrote', () => {
    const read = parseModel(text, 'model.json');
    expect(read).toEqual(model);
    expect(formatModel(modelFromReleases(modelReleaseFacts(read)))).toBe(text);
  });

  it('rebuilds each release as the files define it', () => {
    const [one, two] = modelReleases(parseModel(text, 'model.json'));
    expect([...one!.schema.commands.keys()].sort()).toEqual(['guest-hello', 'guest-retired']);
    expect([...two!.schema.commands.keys()].sort()).toEqual(['guest-hello', 'guest-wave']);
    expect(two!.schema.types.get('Greeting')).toMatchObject({ members: [{ name: 'text' }, { name: 'lang', optional: true }] });
    expect(two!.schema.commands.get('guest-wave')).toMatchObject({ successResponse: false, features: [{ name: 'unstable' }] });
  });
});

describe('schema import from a QEMU source tree', () => {
  it("takes the version from the tree's VERSION file, or from --version", () => {
    expect(findSchemaSources([sourceTree]).map((s) => s.version)).toEqual(['2.0.50']);
    expect(findSchemaSources([path.join(sourceTree, 'qga')]).map((s) => s.version)).toEqual(['2.0.50']);
    expect(findSchemaSources([sourceTree], 'master').map((s) => s.version)).toEqual(['master']);
  });

  it('refuses what it cannot label or find', () => {
    expect(() => findSchemaSources([releasesDir], 'master')).toThrow(/--version labels one qga\/qapi-schema.json, but 0 were given/);
    expect(() => findSchemaSources([sourceTree, path.join(sourceTree, 'qga')])).toThrow(/two schema files for QEMU 2\.0\.50/);
    expect(() => findSchemaSources([fixtures])).toThrow(/no qapi-schema-<version>\.json/);
    expect(() => findSchemaSources([path.join(fixtures, 'nowhere')])).toThrow(/schema not found/);
    expect(() => findSchemaSources([])).toThrow(/no schema given/);
  });
});

describe('the schema:import command', () => {
  const dirs: string[] = [];
  const tmpModel = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qga-import-'));
    dirs.push(dir);
    return path.join(dir, 'model.json');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'schema-import.ts'), ...args], { encoding: 'utf8' });

  it('adds a release from a source tree to the model, keeping the others, as importing all at once would', () => {
    const model = tmpModel();
    expect(run('--schema', releasesDir, '--model', model).status).toBe(0);
    const added = run('--add', '--schema', sourceTree, '--version', 'master', '--model', model);
    expect(added.status, added.stderr).toBe(0);
    const incremental = readFileSync(model, 'utf8');
    expect(parseModel(incremental, 'model.json').releases.map((r) => r.version)).toEqual(['1.0.0', '2.0.0', 'master']);
    expect(incremental).toBe(formatModel(importModel([releasesDir, sourceTree], 'master')));
    // The new release changed only guest-wave: one more entry, everything else untouched.
    expect(parseModel(incremental, 'model.json').commands.filter((c) => c.name === 'guest-wave').map((c) => c.last)).toEqual(['2.0.0', 'master']);
  });

  it('--check passes on an up-to-date model and exits 1 on a stale one, writing nothing', () => {
    const model = tmpModel();
    run('--schema', releasesDir, '--model', model);
    const before = readFileSync(model, 'utf8');
    expect(run('--check', '--schema', releasesDir, '--model', model).status).toBe(0);
    const stale = run('--check', '--schema', path.join(releasesDir, 'qapi-schema-1.0.0.json'), '--model', model);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('differs from what the import writes');
    expect(readFileSync(model, 'utf8')).toBe(before);
  });

  it('exits 2 with the reason when the schema is broken', () => {
    const result = run('--schema', path.join(fixtures, 'nowhere'), '--model', tmpModel());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^schema:import: schema not found: /);
  });
});
