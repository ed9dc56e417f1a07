/**
 * Emits `commands.ts`: the argument interfaces, `QgaCommandMap` (wire name → argument and
 * return types), `QgaCommandName`, and the runtime table `QGA_COMMANDS` of per-command
 * facts that the client reads instead of special-casing command names.
 */
import { describeCond } from '../conditions.js';
import type { Merged } from '../merge.js';
import type { CommandDef, Member } from '../schema-model.js';
import { tsType } from '../type-map.js';
import { docBlock, headerLine, pascalCase, quote } from './format.js';
import { commandDocParts, type EmitContext, hasFeature, summaryOf } from './notes.js';
import { memberLines } from './types.js';
import { camelCase } from './format.js';

/** What the emitters need to know about each command's signature. */
export interface CommandShape {
  merged: Merged<CommandDef>;
  method: string;
  /** TS type of the argument object, or undefined without arguments. */
  argsType?: string;
  /** Name of the generated argument interface (inline `data` only). */
  argsInterface?: string;
  argsRequired: boolean;
  returns: string;
}

export function commandShapes(ctx: EmitContext): CommandShape[] {
  const methods = new Map<string, string>();
  const shapes: CommandShape[] = [];
  for (const merged of ctx.schema.commands.values()) {
    const def = merged.def;
    const method = camelCase(def.name);
    const clash = methods.get(method);
    if (clash !== undefined) throw new Error(`commands ${clash} and ${def.name} both map to method ${method}`);
    methods.set(method, def.name);
    if (summaryOf(ctx, def.name) === undefined) {
      throw new Error(`no summary for command ${def.name}: add one to scripts/generate/summaries.ts`);
    }
    const returns = def.returns === undefined ? 'void' : tsType(def.returns, 'out', `${def.name}#returns`, ctx.wideIntegers);
    const shape: CommandShape = { merged, method, argsRequired: false, returns };
    if (typeof def.data === 'string') {
      shape.argsType = def.data;
      shape.argsRequired = namedTypeRequired(ctx, def.data);
    } else if (def.data !== undefined && def.data.length > 0) {
      const name = `${pascalCase(def.name)}Args`;
      if (ctx.schema.types.has(name)) throw new Error(`argument interface ${name} clashes with a schema type`);
      shape.argsType = name;
      shape.argsInterface = name;
      shape.argsRequired = def.data.some((m) => !m.optional);
    }
    shapes.push(shape);
  }
  return shapes;
}

/** Whether an argument type given by name (`'data': 'Type'`, `boxed`) has a required member. */
function namedTypeRequired(ctx: EmitContext, name: string): boolean {
  const def = ctx.schema.types.get(name)?.def;
  if (def === undefined) return true;
  if (def.kind === 'struct') {
    return def.members.some((m: Member) => !m.optional) || (def.base !== undefined && namedTypeRequired(ctx, def.base));
  }
  // A union needs its discriminator; other kinds cannot be argument objects.
  return true;
}

export function emitCommands(ctx: EmitContext, shapes: readonly CommandShape[]): string {
  const out: string[] = [headerLine(ctx.info), ''];
  out.push(...docBlock([{ text: 'Command table of the QEMU Guest Agent protocol: argument types, the command map and per-command facts.' }, { tag: '@module' }]));
  out.push("import type { QgaCommandInfo } from '../client/command-info.js';");
  const used = usedTypeNames(ctx, shapes);
  if (used.length > 0) out.push(...importLines(used, './types.js'));
  out.push('');

  for (const s of [...shapes].filter((x) => x.argsInterface !== undefined).sort((a, b) => cmp(a.argsInterface!, b.argsInterface!))) {
    const def = s.merged.def;
    out.push(...docBlock([{ text: `Arguments of \`${def.name}\` (\`${s.method}\`).` }]));
    out.push(`export interface ${s.argsInterface!} {`, ...memberLines(ctx, s.merged, def.data as Member[], 'in'), '}', '');
  }

  out.push(
    ...docBlock([
      { text: 'Every QGA command by wire name: the type of its argument object (`undefined` when it takes none) and of its result (`void` when the agent answers `{}`).' },
    ]),
    'export interface QgaCommandMap {',
  );
  for (const s of shapes) {
    out.push(...docBlock(commandDocParts(ctx, s.merged, s.method, { method: false }), '  '));
    out.push(`  ${quote(s.merged.def.name)}: {`, ...mapEntryLines(s), '  };');
  }
  out.push('}', '');
  out.push(...docBlock([{ text: 'Wire name of any QGA command.' }]), 'export type QgaCommandName = keyof QgaCommandMap;', '');

  out.push(
    ...docBlock([
      { text: 'What the client knows about each command, from the schemas of every supported QEMU release.' },
      { tag: '@example' },
      {
        code: [
          "const { since, successResponse } = QGA_COMMANDS['guest-exec']; // '2.5', true",
          'const linuxOnly = Object.values(QGA_COMMANDS).filter((c) => c.platform?.includes(\'Linux\'));',
        ],
      },
    ]),
    'export const QGA_COMMANDS: { readonly [N in QgaCommandName]: QgaCommandInfo } = {',
  );
  for (const s of shapes) out.push(...infoLines(s, ctx.idempotent[s.merged.def.name] === true));
  out.push('};');
  return out.join('\n') + '\n';
}

/**
 * The `args` and `returns` members of one map entry, each with a line of doc: the API
 * reference documents every member, and these say what the bare types cannot (no
 * arguments, optional arguments, an empty or missing reply).
 */
function mapEntryLines(s: CommandShape): string[] {
  const def = s.merged.def;
  const args =
    s.argsType === undefined
      ? 'Takes no arguments.'
      : s.argsRequired
        ? 'The argument object, keyed by wire names.'
        : 'The argument object, keyed by wire names; every member is optional.';
  const returns = !def.successResponse
    ? 'Nothing: no reply on success, the call resolves to `undefined` once sent.'
    : def.returns === undefined
      ? 'Nothing: the agent answers `{}`, the call resolves to `undefined`.'
      : 'What the call resolves to.';
  return [
    ...docBlock([{ text: args }], '    '),
    `    args: ${s.argsType ?? 'undefined'};`,
    ...docBlock([{ text: returns }], '    '),
    `    returns: ${s.returns};`,
  ];
}

function infoLines(s: CommandShape, idempotent: boolean): string[] {
  const { def, since, firstSaved, removedIn } = s.merged;
  const fields: [string, string][] = [
    ['name', quote(def.name)],
    ['method', quote(s.method)],
    // No Since in the docs: the oldest saved release that has it is the best we know.
    ['since', quote(since ?? firstSaved)],
  ];
  if (removedIn !== undefined) fields.push(['removedIn', quote(removedIn)]);
  if (def.if !== undefined) fields.push(['platform', quote(describeCond(def.if))]);
  fields.push(
    ['successResponse', String(def.successResponse)],
    ['hasArguments', String(s.argsType !== undefined)],
    ['argumentsRequired', String(s.argsRequired)],
    ['hasReturn', String(def.returns !== undefined)],
    ['deprecated', String(hasFeature(def.features, 'deprecated'))],
    ['unstable', String(hasFeature(def.features, 'unstable'))],
    ['idempotent', String(idempotent)],
  );
  return [`  ${quote(def.name)}: {`, ...fields.map(([k, v]) => `    ${k}: ${v},`), '  },'];
}

/** Schema type names referenced by argument interfaces, the map or the methods. */
export function usedTypeNames(ctx: EmitContext, shapes: readonly CommandShape[]): string[] {
  const names = new Set<string>();
  const add = (n: string): void => {
    if (ctx.schema.types.has(n)) names.add(n);
  };
  for (const s of shapes) {
    const def = s.merged.def;
    if (typeof def.data === 'string') add(def.data);
    else for (const m of def.data ?? []) add(m.type.name);
    if (def.returns) add(def.returns.name);
  }
  return [...names].sort(cmp);
}

/** `import type { A, B } from '…';`, wrapped one name per line when long. */
export function importLines(names: readonly string[], from: string): string[] {
  const one = `import type { ${names.join(', ')} } from '${from}';`;
  if (one.length <= 100) return [one];
  return ['import type {', ...names.map((n) => `  ${n},`), `} from '${from}';`];
}

/** Code-point order: the same on every machine and locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
