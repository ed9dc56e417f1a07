/**
 * Imports QEMU's QGA schemas into the schema model (`schema/qga-schema-model.json`), the
 * facts `npm run generate` reads. Run it when a QEMU release is added; see the README's
 * "Adding a new QEMU release".
 *
 *   npm run schema:import -- --schema DIR          every qapi-schema-<version>.json in DIR
 *                                                  becomes the model (other releases dropped)
 *   npm run schema:import -- --add --schema QEMU_SRC --version 11.0.0
 *                                                  add or replace one release from a QEMU source
 *                                                  tree (its qga/qapi-schema.json), keeping the rest
 *   --schema PATH...   folders of qapi-schema-<version>.json files, QEMU source trees, or files
 *   --version V        label for a qga/qapi-schema.json (default: the tree's VERSION file)
 *   --add              keep the model's other releases
 *   --check            write nothing; exit 1 if the model differs from what would be written
 *   --model FILE       the model file (default schema/qga-schema-model.json)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_PATH, modelReleaseFacts, readModel } from './generate/model.js';
import { formatModel, modelFromReleases } from './schema-import/build-model.js';
import { extractRelease } from './schema-import/extract.js';
import { findSchemaSources } from './schema-import/sources.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  schemas: string[];
  version?: string;
  add: boolean;
  check: boolean;
  model: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { schemas: [], add: false, check: false, model: path.join(repoRoot, MODEL_PATH) };
  let inSchemas = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--schema') inSchemas = true;
    else if (a === '--version') args.version = value();
    else if (a === '--add') args.add = true;
    else if (a === '--check') args.check = true;
    else if (a === '--model') args.model = path.resolve(value());
    else if (inSchemas && !a.startsWith('--')) args.schemas.push(a);
    else throw new Error(`unknown argument: ${a}`);
    if (a !== '--schema' && a.startsWith('--')) inSchemas = false;
  }
  if (args.schemas.length === 0) throw new Error('--schema needs a folder of qapi-schema-<version>.json files, a QEMU source tree or a file');
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const imported = findSchemaSources(args.schemas, args.version).map((s) => extractRelease(s));
  const kept = args.add && existsSync(args.model) ? modelReleaseFacts(readModel(args.model)) : [];
  const replaced = new Set(imported.map((r) => r.version));
  const model = modelFromReleases([...kept.filter((r) => !replaced.has(r.version)), ...imported]);
  const text = formatModel(model);
  const shown = path.relative(process.cwd(), args.model) || args.model;
  const summary = `QEMU ${model.releases.map((r) => r.version).join(', ')}: ${model.commands.length} command and ${model.types.length} type entries`;
  const current = existsSync(args.model) ? readFileSync(args.model, 'utf8') : undefined;
  if (args.check) {
    if (current === text) {
      console.log(`${shown} is what the import writes (${summary}).`);
      return 0;
    }
    console.error(`${shown} differs from what the import writes from ${imported.map((r) => r.version).join(', ')}; run it without --check.`);
    return 1;
  }
  if (current === text) {
    console.log(`${shown} unchanged (${summary}).`);
    return 0;
  }
  mkdirSync(path.dirname(args.model), { recursive: true });
  writeFileSync(args.model, text);
  console.log(`wrote ${shown} (${summary}); now run \`npm run generate\`.`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`schema:import: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
