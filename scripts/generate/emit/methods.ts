/**
 * Emits `methods.ts`: `QgaCommandMethods`, one camelCased method per command, the
 * signatures the client implements on top of its generic `call()`.
 */
import { cmp, type CommandShape, importLines } from './commands.js';
import { docBlock, headerLine } from './format.js';
import { commandDocParts, type EmitContext } from './notes.js';

export function emitMethods(ctx: EmitContext, shapes: readonly CommandShape[]): string {
  const out: string[] = [headerLine(ctx.info), ''];
  out.push(...docBlock([{ text: 'One method per QGA command, named by camelCasing its wire name.' }, { tag: '@module' }]));
  out.push("import type { CallOptions } from '../call-options.js';");
  const argsNames = shapes.flatMap((s) => (s.argsInterface === undefined ? [] : [s.argsInterface])).sort(cmp);
  const typeNames = new Set<string>();
  for (const s of shapes) {
    for (const t of [s.argsInterface === undefined ? s.argsType : undefined, s.returns]) {
      for (const word of (t ?? '').match(/[A-Z][A-Za-z0-9_]*/g) ?? []) if (ctx.schema.types.has(word)) typeNames.add(word);
    }
  }
  if (argsNames.length > 0) out.push(...importLines(argsNames, './commands.js'));
  if (typeNames.size > 0) out.push(...importLines([...typeNames].sort(cmp), './types.js'));
  out.push('');
  out.push(
    ...docBlock([
      {
        text: 'Typed wrappers for every QGA command; `QgaClient` implements them. Arguments and results use the wire names of the schema. Not every agent has every command: the agent decides by its version, build and configuration (see `guest-info`).',
      },
    ]),
    'export interface QgaCommandMethods {',
  );
  shapes.forEach((s, i) => {
    if (i > 0) out.push('');
    out.push(...docBlock(commandDocParts(ctx, s.merged, s.method, { method: true }), '  '));
    out.push(`  ${s.method}(${params(s)}): Promise<${s.returns}>;`);
  });
  out.push('}');
  return out.join('\n') + '\n';
}

function params(s: CommandShape): string {
  if (s.argsType === undefined) return 'options?: CallOptions';
  return `args${s.argsRequired ? '' : '?'}: ${s.argsType}, options?: CallOptions`;
}
