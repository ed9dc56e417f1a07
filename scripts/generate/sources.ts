/**
 * Finds the QGA schema files to generate from and labels each with its QEMU version.
 *
 * Default: every `qapi-schema-<version>.json` in the shared schema folder next to the repo.
 * `QGA_SCHEMA_DIR` or `--schema FILE...` point elsewhere, e.g. at a QEMU checkout's
 * `qga/qapi-schema.json` (its version then comes from the checkout's `VERSION` file).
 * The files are read in place; nothing is copied into the project.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SchemaSource {
  /** QEMU version label: `7.2.0`, `10.2.50`, `master`. */
  version: string;
  file: string;
  text: string;
  /** Of this file's text; files it includes are not covered (QGA schemas include none). */
  sha256: string;
}

const SAVED_NAME = /^qapi-schema-(.+)\.json$/;

export function defaultSchemaDir(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'qga-schema');
}

/** Schema files from `--schema` arguments, else `QGA_SCHEMA_DIR`, else the shared folder. */
export function findSchemaSources(repoRoot: string, files: readonly string[], envDir: string | undefined): SchemaSource[] {
  const paths = files.length > 0 ? files.map((f) => path.resolve(f)) : listSchemaDir(envDir ?? defaultSchemaDir(repoRoot));
  const sources = paths.map(readSource);
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.version)) throw new Error(`two schema files for QEMU ${s.version} (${s.file})`);
    seen.add(s.version);
  }
  return sources.sort((a, b) => compareVersions(a.version, b.version));
}

function listSchemaDir(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`schema folder not found: ${dir}`);
  const saved = readdirSync(dir).filter((f) => SAVED_NAME.test(f));
  if (saved.length > 0) return saved.map((f) => path.join(dir, f));
  // A QEMU checkout's qga/ folder.
  const single = path.join(dir, 'qapi-schema.json');
  if (existsSync(single)) return [single];
  throw new Error(`no qapi-schema-*.json or qapi-schema.json in ${dir}`);
}

function readSource(file: string): SchemaSource {
  const text = readFileSync(file, 'utf8');
  return { version: versionOf(file), file, text, sha256: createHash('sha256').update(text).digest('hex') };
}

/** From the file name (`qapi-schema-9.2.0.json`) or a checkout's `VERSION` (`qga/../VERSION`). */
function versionOf(file: string): string {
  const saved = SAVED_NAME.exec(path.basename(file))?.[1];
  if (saved !== undefined) return saved;
  const versionFile = path.resolve(path.dirname(file), '..', 'VERSION');
  if (existsSync(versionFile)) return readFileSync(versionFile, 'utf8').trim();
  throw new Error(`cannot tell the QEMU version of ${file}: name it qapi-schema-<version>.json`);
}

/**
 * Numeric comparison of `X.Y[.Z]` versions; `master` (or any non-numeric label) sorts after
 * every numbered release.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === undefined || pb === undefined) {
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function parseVersion(v: string): number[] | undefined {
  return /^\d+(\.\d+){0,2}$/.test(v) ? v.split('.').map(Number) : undefined;
}

/** One hash over all inputs, stable for the same files whatever their paths. */
export function combinedSha256(sources: readonly SchemaSource[]): string {
  const h = createHash('sha256');
  for (const s of sources) h.update(`${s.version} ${s.sha256}\n`);
  return h.digest('hex');
}
