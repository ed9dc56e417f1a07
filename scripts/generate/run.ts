/**
 * Ties the steps together: schema model → releases → merged view → file texts, and writing
 * or checking `src/generated`.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emitCommands, commandShapes } from './emit/commands.js';
import type { GenerationInfo } from './emit/format.js';
import { emitIndex, emitReadme } from './emit/index-file.js';
import { emitMethods } from './emit/methods.js';
import type { EmitContext } from './emit/notes.js';
import { emitTypes } from './emit/types.js';
import { emitValidators } from './emit/validators.js';
import { type MergedSchema, mergeReleases } from './merge.js';
import { MODEL_PATH, modelReleases, schemaSha256, type SchemaModel } from './model.js';
import { IDEMPOTENT, SINCE_CORRECTIONS, WIDE_INTEGERS } from './policy.js';
import { EXAMPLES, SUMMARIES } from './summaries.js';
import { checkWideIntegers, inputOnlyTypes } from './type-map.js';

export interface Generated {
  /** File name (relative to the output folder) → content. */
  files: Map<string, string>;
  warnings: string[];
}

/** The hand-written tables; defaults are the project's (tests pass their own). */
export interface GenerateOptions {
  summaries?: Readonly<Record<string, string>>;
  examples?: Readonly<Record<string, string>>;
  wideIntegers?: ReadonlySet<string>;
  sinceCorrections?: Readonly<Record<string, string>>;
  idempotent?: Readonly<Record<string, boolean>>;
}

/** `file` names the model in errors. */
export function generateFromModel(model: SchemaModel, options: GenerateOptions = {}, file = MODEL_PATH): Generated {
  const schema = mergeReleases(modelReleases(model, file), options.sinceCorrections ?? SINCE_CORRECTIONS);
  const info: GenerationInfo = {
    oldest: schema.versions[0]!,
    newest: schema.versions.at(-1)!,
    sha256: schemaSha256(model.releases),
  };
  return generateFromSchema(schema, info, options);
}

export function generateFromSchema(schema: MergedSchema, info: GenerationInfo, options: GenerateOptions = {}): Generated {
  const wideIntegers = options.wideIntegers ?? WIDE_INTEGERS;
  checkWideIntegers(schema, wideIntegers);
  const idempotent = options.idempotent ?? IDEMPOTENT;
  checkIdempotent(schema, idempotent);
  const summaries = options.summaries ?? SUMMARIES;
  const ctx: EmitContext = {
    schema,
    info,
    summaries,
    examples: options.examples ?? EXAMPLES,
    inputOnly: inputOnlyTypes(schema),
    wideIntegers,
    idempotent,
  };
  const shapes = commandShapes(ctx);
  const files = new Map<string, string>([
    ['README.md', emitReadme(info)],
    ['commands.ts', emitCommands(ctx, shapes)],
    ['index.ts', emitIndex(info)],
    ['methods.ts', emitMethods(ctx, shapes)],
    ['types.ts', emitTypes(ctx)],
    ['validators.ts', emitValidators(ctx, shapes)],
  ]);
  return { files, warnings: [...schema.warnings, ...staleSummaries(schema, summaries)] };
}

/** Summary keys that match nothing: typos, or definitions QEMU dropped. */
function staleSummaries(schema: MergedSchema, summaries: Readonly<Record<string, string>>): string[] {
  const keys = new Set<string>();
  for (const { def } of [...schema.commands.values(), ...schema.types.values()]) {
    keys.add(def.name);
    const members =
      def.kind === 'command'
        ? typeof def.data === 'object' ? def.data : []
        : def.kind === 'struct'
          ? def.members
          : def.kind === 'enum'
            ? def.values
            : def.kind === 'union'
              ? [...(typeof def.base === 'object' ? def.base : []), ...def.branches]
              : def.branches;
    for (const m of members) keys.add(`${def.name}.${m.name}`);
  }
  return Object.keys(summaries)
    .filter((k) => !keys.has(k))
    .map((k) => `summary for '${k}' matches nothing in the schema`);
}

/** Writes the files and removes any other file from the folder (it is generated-only). */
export function writeGenerated(targetDir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(targetDir, { recursive: true });
  for (const name of readdirSync(targetDir)) {
    if (!files.has(name)) rmSync(path.join(targetDir, name), { recursive: true, force: true });
  }
  for (const [name, text] of files) {
    const file = path.join(targetDir, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
}

export interface CheckResult {
  ok: boolean;
  /** One line per problem: `differs: types.ts`, `missing: index.ts`, `extra: notes.txt`. */
  problems: string[];
}

/**
 * Regenerates into a temporary folder and compares it with `targetDir` byte for byte.
 */
export function checkGenerated(targetDir: string, files: ReadonlyMap<string, string>): CheckResult {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'qga-generate-'));
  try {
    writeGenerated(tmp, files);
    const expected = new Set(readdirSync(tmp));
    const actual = new Set(existsSync(targetDir) ? readdirSync(targetDir) : []);
    const problems: string[] = [];
    for (const name of [...new Set([...expected, ...actual])].sort()) {
      if (!actual.has(name)) problems.push(`missing: ${name}`);
      else if (!expected.has(name)) problems.push(`extra: ${name}`);
      else if (!readFileSync(path.join(tmp, name)).equals(readFileSync(path.join(targetDir, name)))) {
        problems.push(`differs: ${name}`);
      }
    }
    return { ok: problems.length === 0, problems };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Every command reviewed for retries, and no entry for a command that does not exist. */
function checkIdempotent(schema: MergedSchema, table: Readonly<Record<string, boolean>>): void {
  const missing = [...schema.commands.keys()].filter((name) => !Object.hasOwn(table, name));
  if (missing.length > 0) throw new Error(`IDEMPOTENT (scripts/generate/policy.ts) does not say whether these commands may be retried: ${missing.join(', ')}`);
  const stale = Object.keys(table).filter((name) => !schema.commands.has(name));
  if (stale.length > 0) throw new Error(`IDEMPOTENT entries match no command in the schema: ${stale.join(', ')}`);
}
