/**
 * Merges the schemas of several QEMU releases into one view.
 *
 * - Shapes come from the newest release that has the definition.
 * - Each definition records the first and last saved release that has it, the release it
 *   was removed in (if any), and what changed on the way: members/arguments/enum values added
 *   or removed, member types changed (e.g. `capture-output` becoming an alternate in 8.1),
 *   build conditions changed.
 * - `Since:` is taken from the doc comment, but the saved files are the ground truth for
 *   "present in release X": a Since that contradicts them is replaced from a hand-checked
 *   table (SINCE_CORRECTIONS) or, failing that, reported and replaced by the first release
 *   that has it.
 */
import { sameCond } from './conditions.js';
import { SINCE_CORRECTIONS } from './policy.js';
import type { CommandDef, Cond, Schema, TypeDef, TypeRef } from './schema-model.js';
import { compareVersions } from './versions.js';

export interface Release {
  version: string;
  schema: Schema;
}

/**
 * A difference between two consecutive saved releases: `previous` lacks it, `saved` has it.
 * `version` is when it happened: `saved`, or an earlier release between the two when the
 * docs say so and agree with the files (e.g. 8.1 between saved 8.0.0 and 8.2.0).
 */
export type Change = { previous: string; saved: string; version: string } & (
  | { kind: 'added'; member: string }
  | { kind: 'removed'; member: string }
  | { kind: 'type-changed'; member: string; from: string; to: string }
  | { kind: 'optionality-changed'; member: string; optional: boolean }
  | { kind: 'cond-changed'; from: Cond; to: Cond | undefined }
);

export interface Merged<T> {
  def: T;
  /** Release that introduced it: the doc's Since, corrected against the saved files. */
  since?: string;
  firstSaved: string;
  lastSaved: string;
  /** First saved release without it, when a later release dropped it. */
  removedIn?: string;
  changes: Change[];
  /**
   * When a member/value/branch appeared, if later than the definition itself. `notIn` is
   * set when only the saved files date it: it appeared after `notIn`, by `version`.
   */
  memberSince: Record<string, { version: string; notIn?: string }>;
}

export interface MergedSchema {
  versions: string[];
  commands: Map<string, Merged<CommandDef>>;
  types: Map<string, Merged<TypeDef>>;
  /** Problems worth a look that do not stop generation (printed by the CLI). */
  warnings: string[];
}

interface Item {
  name: string;
  type: string;
  optional: boolean;
}

/** The members/arguments/values/branches of a definition, for diffing releases. */
function itemsOf(def: CommandDef | TypeDef): Item[] {
  const ref = (t: TypeRef): string => (t.array ? `[${t.name}]` : t.name);
  switch (def.kind) {
    case 'command':
      return typeof def.data === 'object' ? def.data.map((m) => ({ name: m.name, type: ref(m.type), optional: m.optional })) : [];
    case 'struct':
      return def.members.map((m) => ({ name: m.name, type: ref(m.type), optional: m.optional }));
    case 'union':
      return [
        ...(typeof def.base === 'object' ? def.base.map((m) => ({ name: m.name, type: ref(m.type), optional: m.optional })) : []),
        ...def.branches.map((b) => ({ name: b.name, type: ref(b.type), optional: false })),
      ];
    case 'alternate':
      return def.branches.map((b) => ({ name: b.name, type: ref(b.type), optional: false }));
    case 'enum':
      return def.values.map((v) => ({ name: v.name, type: '', optional: false }));
  }
}

export function mergeReleases(
  releases: readonly Release[],
  corrections: Readonly<Record<string, string>> = SINCE_CORRECTIONS,
): MergedSchema {
  if (releases.length === 0) throw new Error('no schema to generate from');
  const sorted = [...releases].sort((a, b) => compareVersions(a.version, b.version));
  const versions = sorted.map((r) => r.version);
  const warnings: string[] = [];
  const types = mergeKind(sorted, (s) => s.types, corrections, warnings);
  const commands = mergeKind(sorted, (s) => s.commands, corrections, warnings);
  // A member whose type became a new type changed when that type appeared (if its Since
  // falls between the two saved releases): capture-output became GuestExecCaptureOutput in 8.1.
  for (const merged of [...types.values(), ...commands.values()]) {
    for (const change of merged.changes) {
      if (change.kind !== 'type-changed') continue;
      const since = types.get(change.to.replace(/^\[|\]$/g, ''))?.since;
      if (since !== undefined && inRange(since, change.previous, change.saved)) change.version = since;
    }
  }
  return { versions, commands, types, warnings };
}

/** previous < v <= saved */
function inRange(v: string, previous: string, saved: string): boolean {
  return compareVersions(v, previous) > 0 && compareVersions(v, saved) <= 0;
}

function mergeKind<T extends CommandDef | TypeDef>(
  releases: readonly Release[],
  pick: (s: Schema) => Map<string, T>,
  corrections: Readonly<Record<string, string>>,
  warnings: string[],
): Map<string, Merged<T>> {
  const names = new Set<string>();
  for (const r of releases) for (const n of pick(r.schema).keys()) names.add(n);
  const out = new Map<string, Merged<T>>();
  for (const name of [...names].sort()) {
    const present = releases.map((r) => pick(r.schema).get(name));
    const first = present.findIndex((d) => d !== undefined);
    const last = present.findLastIndex((d) => d !== undefined);
    const def = present[last]!;
    const merged: Merged<T> = {
      def,
      firstSaved: releases[first]!.version,
      lastSaved: releases[last]!.version,
      changes: [],
      memberSince: Object.create(null) as Merged<T>['memberSince'],
    };
    if (last < releases.length - 1) merged.removedIn = releases[last + 1]!.version;
    const gap = present.slice(first, last + 1).findIndex((d) => d === undefined);
    if (gap !== -1) warnings.push(`${name}: missing from ${releases[first + gap]!.version} but present before and after`);

    const docSince = present.findLast((d) => d?.doc?.since !== undefined)?.doc?.since;
    const since = checkSince(name, docSince, corrections[name], releases, first, warnings);
    if (since !== undefined) merged.since = since;

    for (let i = first + 1; i <= last; i++) {
      const prev = present[i - 1];
      const next = present[i];
      if (prev === undefined || next === undefined) continue;
      merged.changes.push(...diff(prev, next, releases[i - 1]!.version, releases[i]!.version));
    }
    fillMemberSince(merged, present, releases, first, since);
    out.set(name, merged);
  }
  return out;
}

/** The doc's Since, unless the saved files prove it wrong (see SINCE_CORRECTIONS). */
function checkSince(
  name: string,
  docSince: string | undefined,
  corrected: string | undefined,
  releases: readonly Release[],
  first: number,
  warnings: string[],
): string | undefined {
  const prev = first > 0 ? releases[first - 1]!.version : undefined;
  const firstSaved = releases[first]!.version;
  const fits = (v: string): boolean => (prev === undefined ? compareVersions(v, firstSaved) <= 0 : inRange(v, prev, firstSaved));
  if (corrected !== undefined) {
    if (!fits(corrected)) warnings.push(`${name}: correction ${corrected} contradicts the saved schemas`);
    return corrected;
  }
  if (docSince === undefined) return undefined;
  if (fits(docSince) || prev === undefined) return docSince;
  warnings.push(`${name}: doc says since ${docSince}, but ${prev} lacks it; using ${firstSaved}`);
  return firstSaved;
}

function diff(prev: CommandDef | TypeDef, next: CommandDef | TypeDef, previous: string, saved: string): Change[] {
  const changes: Change[] = [];
  const at = { previous, saved, version: saved };
  const inline = next.doc?.memberSince ?? {};
  const when = (member: string): typeof at => {
    const doc = inline[member];
    return doc !== undefined && inRange(doc, previous, saved) ? { ...at, version: doc } : at;
  };
  // A condition appearing where there was none is QEMU 9.1's switch from "built but disabled"
  // to "not built", true of most commands; only report real narrowing/widening.
  if (prev.if !== undefined && !sameCond(prev.if, next.if)) {
    changes.push({ kind: 'cond-changed', from: prev.if, to: next.if, ...at });
  }
  const before = new Map(itemsOf(prev).map((m) => [m.name, m]));
  const after = new Map(itemsOf(next).map((m) => [m.name, m]));
  for (const [member, m] of after) {
    const old = before.get(member);
    if (old === undefined) changes.push({ kind: 'added', member, ...when(member) });
    else if (old.type !== m.type) changes.push({ kind: 'type-changed', member, from: old.type, to: m.type, ...at });
    else if (old.optional !== m.optional) changes.push({ kind: 'optionality-changed', member, optional: m.optional, ...at });
  }
  for (const member of before.keys()) if (!after.has(member)) changes.push({ kind: 'removed', member, ...at });
  return changes;
}

/**
 * When a member appeared: the saved release that first has it, refined by the doc's inline
 * `(since X.Y)` when that falls between the two saved releases; for members older than the
 * saved range, the inline note alone (when later than the definition's own Since).
 */
function fillMemberSince<T extends CommandDef | TypeDef>(
  merged: Merged<T>,
  present: readonly (T | undefined)[],
  releases: readonly Release[],
  first: number,
  since: string | undefined,
): void {
  const inline = merged.def.doc?.memberSince ?? {};
  for (const item of itemsOf(merged.def)) {
    const doc = inline[item.name];
    const addedAt = present.findIndex((d, i) => i >= first && d !== undefined && itemsOf(d).some((m) => m.name === item.name));
    if (addedAt > first) {
      const prev = releases[addedAt - 1]!.version;
      const saved = releases[addedAt]!.version;
      merged.memberSince[item.name] = doc !== undefined && inRange(doc, prev, saved) ? { version: doc } : { version: saved, notIn: prev };
    } else if (doc !== undefined && (since === undefined || compareVersions(doc, since) > 0)) {
      merged.memberSince[item.name] = { version: doc };
    }
  }
}
