import path from 'node:path';
import { mergeReleases, type MergedSchema } from '../../../scripts/generate/merge.js';
import { MODEL_PATH, modelReleases, readModel, type SchemaModel } from '../../../scripts/generate/model.js';
import { generateFromModel, type Generated, type GenerateOptions } from '../../../scripts/generate/run.js';
import { buildSchema, type Schema } from '../../../scripts/generate/schema-model.js';
import { modelFromReleases } from '../../../scripts/schema-import/build-model.js';
import { extractRelease } from '../../../scripts/schema-import/extract.js';
import type { SchemaSource } from '../../../scripts/schema-import/sources.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const fixtures = path.join(import.meta.dirname, 'fixtures');

/** An in-memory schema file. */
export function source(version: string, text: string, file = `qapi-schema-${version}.json`): SchemaSource {
  return { version, file, text, sha256: '0'.repeat(64) };
}

/** The model the schema import makes of in-memory schemas keyed by QEMU version. */
export function modelOf(versions: Record<string, string>): SchemaModel {
  return modelFromReleases(Object.entries(versions).map(([version, text]) => extractRelease(source(version, text))));
}

/**
 * Generate from in-memory schemas keyed by QEMU version, through the schema import and its
 * model as `npm run generate` does, with a summary for every command.
 */
export function generate(versions: Record<string, string>, options: GenerateOptions = {}): Generated {
  const summaries: Record<string, string> = { ...options.summaries };
  const idempotent: Record<string, boolean> = { ...options.idempotent };
  for (const text of Object.values(versions)) {
    for (const m of text.matchAll(/'command':\s*'([^']+)'/g)) {
      summaries[m[1]!] ??= `Summary of ${m[1]!}.`;
      idempotent[m[1]!] ??= false;
    }
  }
  return generateFromModel(modelOf(versions), { examples: {}, wideIntegers: new Set(), sinceCorrections: {}, ...options, summaries, idempotent });
}

/** One schema file as the generator sees it after the import (includes read through `read`). */
export function loadSchema(text: string, file: string, read?: (file: string) => string): Schema {
  return buildSchema(extractRelease(source('1.0', text, file), read).definitions, file);
}

/** The committed model of the supported QEMU releases, merged as the generator merges it. */
export function committedSchema(): { model: SchemaModel; merged: MergedSchema } {
  const model = readModel(path.join(repoRoot, MODEL_PATH));
  return { model, merged: mergeReleases(modelReleases(model)) };
}

export function file(gen: Generated, name: string): string {
  const text = gen.files.get(name);
  if (text === undefined) throw new Error(`no ${name}`);
  return text;
}

/** Lines of the generated file with doc comments removed, for matching code shapes. */
export function code(gen: Generated, name: string): string {
  return file(gen, name)
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .join('\n');
}

/** A QAPI doc block for a definition. */
export function doc(name: string, since: string, ...body: string[]): string {
  return ['##', `# @${name}:`, ...body.map((l) => `# ${l}`), '#', `# Since: ${since}`, '##', ''].join('\n');
}
