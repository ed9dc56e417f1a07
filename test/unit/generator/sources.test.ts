import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { combinedSha256, compareVersions, defaultSchemaDir, findSchemaSources } from '../../../scripts/generate/sources.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const saved = defaultSchemaDir(repoRoot);

describe('schema sources', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'qga-sources-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads a QEMU checkout, taking the version from its VERSION file', () => {
    const qemu = tmp();
    mkdirSync(path.join(qemu, 'qga'));
    copyFileSync(path.join(saved, 'qapi-schema-master.json'), path.join(qemu, 'qga', 'qapi-schema.json'));
    writeFileSync(path.join(qemu, 'VERSION'), '10.2.50\n');
    const viaFile = findSchemaSources(repoRoot, [path.join(qemu, 'qga', 'qapi-schema.json')], undefined);
    expect(viaFile.map((s) => s.version)).toEqual(['10.2.50']);
    const viaEnv = findSchemaSources(repoRoot, [], path.join(qemu, 'qga'));
    expect(viaEnv.map((s) => s.version)).toEqual(['10.2.50']);
    expect(viaEnv[0]!.sha256).toBe(viaFile[0]!.sha256);
  });

  it('takes saved files named qapi-schema-<version>.json from --schema, sorted', () => {
    const files = ['9.2.0', '7.2.0'].map((v) => path.join(saved, `qapi-schema-${v}.json`));
    expect(findSchemaSources(repoRoot, files, undefined).map((s) => s.version)).toEqual(['7.2.0', '9.2.0']);
  });

  it('refuses a file whose version cannot be told, and a folder without schemas', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'schema.json'), '');
    expect(() => findSchemaSources(repoRoot, [path.join(dir, 'schema.json')], undefined)).toThrow(/cannot tell the QEMU version/);
    expect(() => findSchemaSources(repoRoot, [], dir)).toThrow(/no qapi-schema/);
  });

  it('hashes content and version, not paths', () => {
    const a = findSchemaSources(repoRoot, [path.join(saved, 'qapi-schema-7.2.0.json')], undefined);
    const dir = tmp();
    copyFileSync(path.join(saved, 'qapi-schema-7.2.0.json'), path.join(dir, 'qapi-schema-7.2.0.json'));
    const b = findSchemaSources(repoRoot, [], dir);
    expect(combinedSha256(b)).toBe(combinedSha256(a));
  });

  it('compares versions numerically with master last', () => {
    const sorted = ['master', '10.0.0', '9.2.0', '10.2.50', '0.15.0', '2.10'].sort(compareVersions);
    expect(sorted).toEqual(['0.15.0', '2.10', '9.2.0', '10.0.0', '10.2.50', 'master']);
  });
});
