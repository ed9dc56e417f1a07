/**
 * The schema model: the facts of the QGA schema of every supported QEMU release, kept in
 * the repository (`schema/qga-schema-model.json`) and the generator's only input. It is
 * written by the schema import (`npm run schema:import`) from QEMU's `qga/qapi-schema.json`
 * and holds each definition's QAPI expression (names, member types, `if` conditions,
 * features, flags) and its doc comment's version notes; no doc text.
 *
 * A definition is stored once per run of consecutive releases in which it stays the same
 * (`first` … `last`, both in `releases`), so adding a release changes only what changed in it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SchemaError } from './expr-reader.js';
import type { Release } from './merge.js';
import { QAPI_KINDS, type DocFacts, type QapiExpr, type QapiKind, type QapiObject, type QapiValue } from './qapi-expr.js';
import { buildSchema } from './schema-model.js';
import { compareVersions } from './versions.js';

/** Bumped when the file's layout changes incompatibly. */
export const MODEL_FORMAT = 1;

/** Where the model lives, relative to the repository root. */
export const MODEL_PATH = path.join('schema', 'qga-schema-model.json');

export interface ModelRelease {
  /** QEMU version label: `7.2.0`, `master`. */
  version: string;
  /** Of the upstream `qga/qapi-schema.json` the facts were taken from. */
  sha256: string;
}

export interface ModelDefinition {
  name: string;
  /** First and last release (of `releases`) in which the definition looks like this. */
  first: string;
  last: string;
  /** The doc comment's `Since:` version. */
  since?: string;
  /** Inline `(since X.Y)` notes of members, values or branches. */
  memberSince?: Record<string, string>;
  /** The QAPI expression, e.g. `{ "command": "guest-ping" }`. */
  expr: QapiObject;
}

export interface SchemaModel {
  releases: ModelRelease[];
  commands: ModelDefinition[];
  types: ModelDefinition[];
}

/** One release's definitions, as the import extracted them and the generator rebuilds them. */
export interface ReleaseFacts extends ModelRelease {
  definitions: QapiExpr[];
}

const TYPE_KINDS: ReadonlySet<QapiKind> = new Set(['struct', 'enum', 'union', 'alternate']);

export function readModel(file: string): SchemaModel {
  return parseModel(readFileSync(file, 'utf8'), path.basename(file));
}

/** Parses and checks the model file; every problem names the file and the definition. */
export function parseModel(text: string, file: string): SchemaModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (_key, value: unknown) => (isObject(value) ? Object.assign(Object.create(null) as object, value) : value));
  } catch (error) {
    throw new SchemaError(`${file}: not JSON: ${(error as Error).message}`);
  }
  const fail = (message: string): never => {
    throw new SchemaError(`${file}: ${message}`);
  };
  if (!isObject(raw)) return fail('expected an object');
  if (raw.format !== MODEL_FORMAT) fail(`format ${String(raw.format)} is not ${MODEL_FORMAT}; re-run the schema import`);
  const releases = list(raw.releases, 'releases', fail).map((r, i) => readRelease(r, `releases[${i}]`, fail));
  if (releases.length === 0) fail('no releases');
  releases.forEach((r, i) => {
    const prev = releases[i - 1];
    if (prev !== undefined && compareVersions(prev.version, r.version) >= 0) fail(`releases are not in ascending order at ${r.version}`);
  });
  const order = new Map(releases.map((r, i) => [r.version, i]));
  const read = (key: 'commands' | 'types', kinds: (k: QapiKind) => boolean): ModelDefinition[] => {
    const defs = list(raw[key], key, fail).map((d, i) => readDefinition(d, `${key}[${i}]`, order, kinds, fail));
    checkNoOverlap(defs, order, fail);
    return defs;
  };
  return { releases, commands: read('commands', (k) => k === 'command'), types: read('types', (k) => TYPE_KINDS.has(k)) };
}

/** Each release's definitions, rebuilt from the runs they are stored in. */
export function modelReleaseFacts(model: SchemaModel): ReleaseFacts[] {
  return model.releases.map((release, i) => {
    const definitions: QapiExpr[] = [];
    for (const def of [...model.commands, ...model.types]) {
      if (indexOf(model, def.first) > i || indexOf(model, def.last) < i) continue;
      const doc: DocFacts = { memberSince: { ...def.memberSince } };
      if (def.since !== undefined) doc.since = def.since;
      const kind = kindOf(def.expr)!;
      definitions.push({ kind, name: def.name, expr: def.expr, ...(hasFacts(doc) ? { doc } : {}) });
    }
    return { ...release, definitions };
  });
}

/** The releases the generator merges, each with its checked schema. */
export function modelReleases(model: SchemaModel, file = MODEL_PATH): Release[] {
  return modelReleaseFacts(model).map((r) => ({
    version: r.version,
    schema: buildSchema(r.definitions, `${path.basename(file)} (QEMU ${r.version})`),
  }));
}

/** One hash over the upstream files the model came from, stable whatever their paths. */
export function schemaSha256(releases: readonly ModelRelease[]): string {
  const h = createHash('sha256');
  for (const r of releases) h.update(`${r.version} ${r.sha256}\n`);
  return h.digest('hex');
}

/** A doc worth keeping: it says a version somewhere. */
export function hasFacts(doc: DocFacts): boolean {
  return doc.since !== undefined || Object.keys(doc.memberSince).length > 0;
}

export function kindOf(expr: QapiObject): QapiKind | undefined {
  const kinds = QAPI_KINDS.filter((k) => Object.hasOwn(expr, k));
  return kinds.length === 1 ? kinds[0] : undefined;
}

function indexOf(model: SchemaModel, version: string): number {
  return model.releases.findIndex((r) => r.version === version);
}

function readRelease(value: unknown, at: string, fail: (m: string) => never): ModelRelease {
  if (!isObject(value) || typeof value.version !== 'string' || typeof value.sha256 !== 'string') {
    return fail(`${at}: needs "version" and "sha256"`);
  }
  if (!/^[0-9a-f]{64}$/.test(value.sha256)) fail(`${at}: sha256 must be 64 hex digits`);
  return { version: value.version, sha256: value.sha256 };
}

function readDefinition(
  value: unknown,
  at: string,
  order: ReadonlyMap<string, number>,
  kindAllowed: (k: QapiKind) => boolean,
  fail: (m: string) => never,
): ModelDefinition {
  if (!isObject(value) || typeof value.name !== 'string') return fail(`${at}: needs a "name"`);
  const where = `${at} '${value.name}'`;
  const { first, last, since, memberSince, expr } = value;
  if (typeof first !== 'string' || !order.has(first)) return fail(`${where}: "first" must be one of the releases`);
  if (typeof last !== 'string' || !order.has(last)) return fail(`${where}: "last" must be one of the releases`);
  if (order.get(first)! > order.get(last)!) fail(`${where}: "first" is after "last"`);
  if (since !== undefined && typeof since !== 'string') fail(`${where}: "since" must be a string`);
  if (memberSince !== undefined && !(isObject(memberSince) && Object.values(memberSince).every((v) => typeof v === 'string'))) {
    fail(`${where}: "memberSince" must map names to versions`);
  }
  if (!isObject(expr) || !isQapiValue(expr)) return fail(`${where}: "expr" must be a QAPI expression (strings, booleans, lists, objects)`);
  const kind = kindOf(expr);
  if (kind === undefined || !kindAllowed(kind)) return fail(`${where}: "expr" has no definition keyword that belongs here`);
  if (expr[kind] !== value.name) fail(`${where}: "expr" defines '${String(expr[kind])}'`);
  return {
    name: value.name,
    first,
    last,
    ...(typeof since === 'string' ? { since } : {}),
    ...(memberSince === undefined ? {} : { memberSince: memberSince as Record<string, string> }),
    expr,
  };
}

/** A name may have several runs, but at most one per release. */
function checkNoOverlap(defs: readonly ModelDefinition[], order: ReadonlyMap<string, number>, fail: (m: string) => never): void {
  const taken = new Map<string, number[]>();
  for (const d of defs) {
    const seen = taken.get(d.name) ?? [];
    for (let i = order.get(d.first)!; i <= order.get(d.last)!; i++) {
      if (seen.includes(i)) fail(`'${d.name}' is defined twice for one release`);
      seen.push(i);
    }
    taken.set(d.name, seen);
  }
}

function list(value: unknown, key: string, fail: (m: string) => never): unknown[] {
  return Array.isArray(value) ? value : fail(`"${key}" must be a list`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isQapiValue(value: unknown): value is QapiValue {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (Array.isArray(value)) return value.every(isQapiValue);
  return isObject(value) && Object.values(value).every(isQapiValue);
}
