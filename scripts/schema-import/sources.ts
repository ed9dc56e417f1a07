/**
 * Finds the upstream QGA schema files to import and labels each with its QEMU version.
 *
 * A path may be a folder of `qapi-schema-<version>.json` files (copies of
 * `qga/qapi-schema.json` taken from QEMU's history), a QEMU source tree (its
 * `qga/qapi-schema.json`, version from the tree's `VERSION` file), its `qga/` folder, or a
 * schema file. The files are read in place; nothing of them is copied into the project.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compareVersions } from '../generate/versions.js';

export interface SchemaSource {
  /** QEMU version label: `7.2.0`, `10.2.50`, `master`. */
  version: string;
  file: string;
  text: string;
  /** Of this file's text; files it includes are not covered (QGA schemas include none). */
  sha256: string;
}

const SAVED_NAME = /^qapi-schema-(.+)\.json$/;

/**
 * Every schema under `paths`, oldest first. `version` labels the one schema whose name does
 * not carry a version (a source tree's `qga/qapi-schema.json`), e.g. `master` or `11.0.0`.
 */
export function findSchemaSources(paths: readonly string[], version?: string): SchemaSource[] {
  if (paths.length === 0) throw new Error('no schema given: pass a folder of qapi-schema-<version>.json files or a QEMU source tree');
  const files = paths.flatMap((p) => schemaFiles(path.resolve(p)));
  const unnamed = files.filter((f) => !SAVED_NAME.test(path.basename(f)));
  if (version !== undefined && unnamed.length !== 1) {
    throw new Error(`--version labels one qga/qapi-schema.json, but ${unnamed.length} were given`);
  }
  const sources = files.map((f) => readSource(f, SAVED_NAME.test(path.basename(f)) ? undefined : version));
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.version)) throw new Error(`two schema files for QEMU ${s.version} (${s.file})`);
    seen.add(s.version);
  }
  return sources.sort((a, b) => compareVersions(a.version, b.version));
}

function schemaFiles(p: string): string[] {
  if (!existsSync(p)) throw new Error(`schema not found: ${p}`);
  if (!statSync(p).isDirectory()) return [p];
  const saved = readdirSync(p).filter((f) => SAVED_NAME.test(f));
  if (saved.length > 0) return saved.sort().map((f) => path.join(p, f));
  for (const single of [path.join(p, 'qga', 'qapi-schema.json'), path.join(p, 'qapi-schema.json')]) {
    if (existsSync(single)) return [single];
  }
  throw new Error(`no qapi-schema-<version>.json, qga/qapi-schema.json or qapi-schema.json in ${p}`);
}

function readSource(file: string, version: string | undefined): SchemaSource {
  const text = readFileSync(file, 'utf8');
  return { version: version ?? versionOf(file), file, text, sha256: createHash('sha256').update(text).digest('hex') };
}

/** From the file name (`qapi-schema-9.2.0.json`) or a source tree's `VERSION` (`qga/../VERSION`). */
function versionOf(file: string): string {
  const saved = SAVED_NAME.exec(path.basename(file))?.[1];
  if (saved !== undefined) return saved;
  const versionFile = path.resolve(path.dirname(file), '..', 'VERSION');
  if (existsSync(versionFile)) return readFileSync(versionFile, 'utf8').trim();
  throw new Error(`cannot tell the QEMU version of ${file}: pass --version, or name it qapi-schema-<version>.json`);
}
