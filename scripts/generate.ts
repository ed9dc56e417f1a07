/**
 * Generates `src/generated` from the QEMU Guest Agent schemas.
 *
 *   npm run generate                      write src/generated
 *   npm run generate:check                exit 1 if src/generated is not what would be written
 *   tsx scripts/generate.ts --schema FILE...   use these schema files (e.g. a QEMU checkout's
 *                                         qga/qapi-schema.json) instead of the shared folder;
 *                                         QGA_SCHEMA_DIR=DIR does the same for a folder
 *   --out DIR                             write or check DIR instead of src/generated
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGenerated, generateFromSources, writeGenerated } from './generate/run.js';
import { findSchemaSources } from './generate/sources.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  check: boolean;
  schemas: string[];
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { check: false, schemas: [], out: path.join(repoRoot, 'src', 'generated') };
  let mode: 'schema' | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--check') args.check = true;
    else if (a === '--schema') mode = 'schema';
    else if (a === '--out') {
      const dir = argv[++i];
      if (dir === undefined) throw new Error('--out needs a folder');
      args.out = path.resolve(dir);
    } else if (mode === 'schema' && !a.startsWith('--')) args.schemas.push(a);
    else throw new Error(`unknown argument: ${a}`);
  }
  if (mode === 'schema' && args.schemas.length === 0) throw new Error('--schema needs at least one file');
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const sources = findSchemaSources(repoRoot, args.schemas, process.env.QGA_SCHEMA_DIR);
  const { files, warnings } = generateFromSources(sources);
  for (const w of warnings) console.warn(`warning: ${w}`);
  const shown = path.relative(process.cwd(), args.out) || '.';
  if (args.check) {
    const result = checkGenerated(args.out, files);
    if (result.ok) {
      console.log(`${shown} is up to date (QEMU ${sources.map((s) => s.version).join(', ')}).`);
      return 0;
    }
    console.error(`${shown} is not what the generator writes; run \`npm run generate\`:`);
    for (const p of result.problems) console.error(`  ${p}`);
    return 1;
  }
  writeGenerated(args.out, files);
  console.log(`wrote ${files.size} files to ${shown} from QEMU ${sources.map((s) => s.version).join(', ')}.`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`generate: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
