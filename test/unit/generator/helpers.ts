import { generateFromSources, type Generated, type GenerateOptions } from '../../../scripts/generate/run.js';
import type { SchemaSource } from '../../../scripts/generate/sources.js';

/** Generate from in-memory schemas keyed by QEMU version, with a summary for every command. */
export function generate(versions: Record<string, string>, options: GenerateOptions = {}): Generated {
  const sources: SchemaSource[] = Object.entries(versions).map(([version, text]) => ({
    version,
    file: `qapi-schema-${version}.json`,
    text,
    sha256: '0'.repeat(64),
  }));
  const summaries: Record<string, string> = { ...options.summaries };
  for (const text of Object.values(versions)) {
    for (const m of text.matchAll(/'command':\s*'([^']+)'/g)) summaries[m[1]!] ??= `Summary of ${m[1]!}.`;
  }
  return generateFromSources(sources, { examples: {}, wideIntegers: new Set(), sinceCorrections: {}, ...options, summaries });
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
