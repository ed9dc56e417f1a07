/**
 * Reads one upstream schema into the facts the model keeps: its definitions (commands and
 * types) with their doc comments' version notes. Includes are spliced in, pragmas (QAPI
 * generator switches) and events (the agent sends none) are left out, and the result is
 * checked as the generator will build it, so a broken schema fails at import time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hasFacts, type ReleaseFacts } from '../generate/model.js';
import type { QapiExpr } from '../generate/qapi-expr.js';
import { buildSchema } from '../generate/schema-model.js';
import { parseQapi } from './parser.js';
import type { SchemaSource } from './sources.js';

export function extractRelease(source: SchemaSource, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): ReleaseFacts {
  const definitions = parseWithIncludes(source.text, source.file, read)
    .filter((e) => e.kind !== 'pragma' && e.kind !== 'event')
    .map(({ kind, name, expr, doc }) => ({ kind, name, expr, ...(doc !== undefined && hasFacts(doc) ? { doc } : {}) }));
  buildSchema(definitions, `${path.basename(source.file)} (QEMU ${source.version})`);
  return { version: source.version, sha256: source.sha256, definitions };
}

/**
 * Parses a schema file, splicing in `{ 'include': 'path' }` files (relative to the including
 * file; a file included twice is read once). QGA schemas have no includes; QMP's do.
 */
export function parseWithIncludes(text: string, file: string, read: (file: string) => string): QapiExpr[] {
  const exprs: QapiExpr[] = [];
  const seen = new Set([path.resolve(file)]);
  const visit = (src: string, from: string): void => {
    for (const e of parseQapi(src, path.basename(from))) {
      if (e.kind !== 'include') {
        exprs.push(e);
        continue;
      }
      const target = path.resolve(path.dirname(from), e.name);
      if (seen.has(target)) continue;
      seen.add(target);
      visit(read(target), target);
    }
  };
  visit(text, file);
  return exprs;
}
