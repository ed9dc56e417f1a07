/**
 * Folds the definitions of several releases into the model's runs (a definition is stored
 * once for each stretch of consecutive releases in which it stays the same) and writes the
 * model as deterministic, diff-friendly JSON.
 */
import { hasFacts, MODEL_FORMAT, type ModelDefinition, type ReleaseFacts, type SchemaModel } from '../generate/model.js';
import type { QapiExpr } from '../generate/qapi-expr.js';
import { compareVersions } from '../generate/versions.js';
import { formatJson } from './json-format.js';

const ABOUT =
  "Facts of QEMU's QGA schema (qga/qapi-schema.json) per release, for qga-client's generator: " +
  'definitions, members, types, conditions, features and since versions, without documentation text. ' +
  'Written by `npm run schema:import`; do not edit by hand.';

export function modelFromReleases(releases: readonly ReleaseFacts[]): SchemaModel {
  const sorted = [...releases].sort((a, b) => compareVersions(a.version, b.version));
  sorted.forEach((r, i) => {
    if (i > 0 && compareVersions(sorted[i - 1]!.version, r.version) === 0) throw new Error(`two schemas for QEMU ${r.version}`);
  });
  const runs = (pick: (d: QapiExpr) => boolean): ModelDefinition[] => {
    const out: ModelDefinition[] = [];
    const open = new Map<string, { def: ModelDefinition; key: string; at: number }>();
    sorted.forEach((release, at) => {
      for (const d of release.definitions.filter(pick)) {
        const def = toDefinition(d, release.version);
        const key = JSON.stringify([def.since, def.memberSince, def.expr]);
        const current = open.get(d.name);
        if (current !== undefined && current.key === key && current.at === at - 1) {
          current.def.last = release.version;
          current.at = at;
        } else {
          out.push(def);
          open.set(d.name, { def, key, at });
        }
      }
    });
    const rank = new Map(sorted.map((r, i) => [r.version, i]));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : rank.get(a.first)! - rank.get(b.first)!));
  };
  return {
    releases: sorted.map((r) => ({ version: r.version, sha256: r.sha256 })),
    commands: runs((d) => d.kind === 'command'),
    types: runs((d) => d.kind !== 'command'),
  };
}

function toDefinition(d: QapiExpr, version: string): ModelDefinition {
  const def: ModelDefinition = { name: d.name, first: version, last: version, expr: d.expr };
  if (d.doc !== undefined && hasFacts(d.doc)) {
    if (d.doc.since !== undefined) def.since = d.doc.since;
    if (Object.keys(d.doc.memberSince).length > 0) def.memberSince = { ...d.doc.memberSince };
  }
  return def;
}

/** The model file's text: fixed key order, short values on one line, a final newline. */
export function formatModel(model: SchemaModel): string {
  const definition = (d: ModelDefinition): object => ({
    name: d.name,
    first: d.first,
    last: d.last,
    ...(d.since === undefined ? {} : { since: d.since }),
    ...(d.memberSince === undefined ? {} : { memberSince: d.memberSince }),
    expr: d.expr,
  });
  return `${formatJson({
    about: ABOUT,
    format: MODEL_FORMAT,
    releases: model.releases.map((r) => ({ version: r.version, sha256: r.sha256 })),
    commands: model.commands.map(definition),
    types: model.types.map(definition),
  })}\n`;
}
