/** Emits `index.ts` (re-exports) and the folder's README. */
import { docBlock, type GenerationInfo, headerLine } from './format.js';

export function emitIndex(info: GenerationInfo): string {
  return [
    headerLine(info),
    '',
    ...docBlock([{ text: 'Everything generated from the QGA schemas.' }, { tag: '@module' }]),
    "export * from './types.js';",
    "export * from './commands.js';",
    "export type * from './methods.js';",
    "export * from './validators.js';",
    '',
  ].join('\n');
}

export function emitReadme(info: GenerationInfo): string {
  const range = info.oldest === info.newest ? info.oldest : `${info.oldest} … ${info.newest}`;
  return `# src/generated — DO NOT EDIT

Every file in this folder is written by \`npm run generate\` (\`scripts/generate.ts\`) from the
schema model \`schema/qga-schema-model.json\`: the facts of the QEMU Guest Agent schemas of
QEMU ${range} (schema sha256 \`${info.sha256}\`).
Hand edits are lost on the next run and fail \`npm run generate:check\` in CI.

To change what is generated, edit \`scripts/generate/\` (summaries live in
\`scripts/generate/summaries.ts\`) and run \`npm run generate\`; to add a QEMU release, run
\`npm run schema:import\` first (see the README). The integer typing rule is described in
\`docs/integers.md\`.
`;
}
