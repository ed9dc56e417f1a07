/**
 * The layers' dependencies point one way: a file imports (at run time) only from its own
 * layer or the layers below it. Type-only imports are exempt: they vanish from the build,
 * and a lower layer may name a higher one's type (helpers take a `QgaClient`, whose methods
 * delegate to them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src'));

/** Lowest first. The root holds what every layer shares (errors, option checks, abort helpers). */
const LAYERS: readonly (readonly string[])[] = [['.'], ['transport', 'protocol', 'guest-os'], ['channels'], ['generated'], ['helpers'], ['client'], ['pool'], ['testing']];

function layerOf(file: string): number {
  const rel = relative(SRC, file);
  const top = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
  const rank = LAYERS.findIndex((names) => names.includes(top));
  if (rank < 0) throw new Error(`${rel}: in no layer; add its folder to LAYERS`);
  return rank;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Runtime imports and re-exports of `file` (whose source is `text`) that reach into a higher layer. */
function upwardImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'(\.[^']+)'/gm)) {
    if (match[1]) continue;
    const target = normalize(join(dirname(file), match[2]!));
    if (layerOf(target) > layerOf(file)) found.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
  }
  return found;
}

describe('layering', () => {
  const files = sourceFiles(SRC).filter((file) => relative(SRC, file) !== 'index.ts');

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('no file imports from a higher layer at run time', () => {
    expect(files.flatMap((file) => upwardImports(file))).toEqual([]);
  });

  it('the check sees an upward import (a channel importing the client) and lets a type-only one pass', () => {
    const channel = join(SRC, 'channels', 'direct', 'direct-channel.ts');
    const text = "import { QgaClient } from '../../client/qga-client.js';\nimport type { CallOptions } from '../../client/connect-options.js';\n";
    expect(upwardImports(channel, text)).toEqual(['channels/direct/direct-channel.ts -> client/qga-client.js']);
  });
});
