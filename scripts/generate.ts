/**
 * Generates `src/generated` from the schema model (`schema/qga-schema-model.json`), which
 * `npm run schema:import` extracts from QEMU's schemas. Nothing outside the repository is read.
 *
 *   npm run generate            write src/generated
 *   npm run generate:check      exit 1 if src/generated is not what would be written
 *   --model FILE                read this model instead of schema/qga-schema-model.json
 *   --out DIR                   write or check DIR instead of src/generated
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_PATH, readModel } from './generate/model.js';
import { checkGenerated, generateFromModel, writeGenerated } from './generate/run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  check: boolean;
  model: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { check: false, model: path.join(repoRoot, MODEL_PATH), out: path.join(repoRoot, 'src', 'generated') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return path.resolve(v);
    };
    if (a === '--check') args.check = true;
    else if (a === '--model') args.model = value();
    else if (a === '--out') args.out = value();
    else throw new Error(`unknown argument: ${a}`);
  }
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const model = readModel(args.model);
  const { files, warnings } = generateFromModel(model, {}, args.model);
  for (const w of warnings) console.warn(`warning: ${w}`);
  const shown = path.relative(process.cwd(), args.out) || '.';
  const versions = model.releases.map((r) => r.version).join(', ');
  if (args.check) {
    const result = checkGenerated(args.out, files);
    if (result.ok) {
      console.log(`${shown} is up to date (QEMU ${versions}).`);
      return 0;
    }
    console.error(`${shown} is not what the generator writes; run \`npm run generate\`:`);
    for (const p of result.problems) console.error(`  ${p}`);
    return 1;
  }
  writeGenerated(args.out, files);
  console.log(`wrote ${files.size} files to ${shown} from QEMU ${versions}.`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`generate: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
