/**
 * Emits `types.ts`: one TS type per QAPI struct, enum, union and alternate, under its QAPI
 * name, with wire member names unchanged. Enums also get a `…Values` array at runtime.
 */
import type { Merged } from '../merge.js';
import type { AlternateDef, CommandDef, EnumDef, Member, StructDef, TypeDef, UnionDef } from '../schema-model.js';
import { type Direction, tsType } from '../type-map.js';
import { docBlock, headerLine, propName, quote, unionLines, WIDTH } from './format.js';
import { type EmitContext, memberDocParts, platformText, summaryOf, typeDocParts } from './notes.js';

export function emitTypes(ctx: EmitContext): string {
  const out: string[] = [headerLine(ctx.info), '', ...moduleDoc(ctx), ''];
  for (const m of ctx.schema.types.values()) {
    out.push(...emitType(ctx, m), '');
  }
  return out.join('\n').trimEnd() + '\n';
}

function moduleDoc(ctx: EmitContext): string[] {
  const { oldest, newest } = ctx.info;
  return docBlock([
    {
      text: `Types of the QEMU Guest Agent protocol, generated from the QGA schemas of QEMU ${oldest} to ${newest}. Each type keeps its QAPI name and the wire spelling of its members (\`'out-data'\`, \`supported_commands\`). Shapes follow the newest schema; members that older releases lack say since when they exist.`,
    },
    {
      text: 'Integers: the client never rounds. Any integer outside Number.MAX_SAFE_INTEGER arrives as a `bigint`. Members that really pass 2^53 — every `uint64`/`size` (byte and time counters), nanosecond timestamps, file offsets and trim byte counts — are typed `number | bigint`; other integers (pids, exit codes, handles, counts) are `number`. Every integer the client sends accepts `number | bigint`. See docs/integers.md.',
    },
    { tag: '@module' },
  ]);
}

function emitType(ctx: EmitContext, m: Merged<TypeDef>): string[] {
  const def = m.def;
  const direction: Direction = ctx.inputOnly.has(def.name) ? 'in' : 'out';
  switch (def.kind) {
    case 'struct':
      return emitStruct(ctx, m as Merged<StructDef>, direction);
    case 'enum':
      return emitEnum(ctx, m as Merged<EnumDef>);
    case 'union':
      return emitUnion(ctx, m as Merged<UnionDef>, direction);
    case 'alternate':
      return emitAlternate(ctx, m as Merged<AlternateDef>, direction);
  }
}

/** `name?: type;` lines with their docs; shared with the argument interfaces of commands. */
export function memberLines(
  ctx: EmitContext,
  owner: Merged<CommandDef | TypeDef>,
  members: readonly Member[],
  direction: Direction,
): string[] {
  const lines: string[] = [];
  for (const member of members) {
    lines.push(...docBlock(memberDocParts(ctx, owner, member), '  '));
    const type = tsType(member.type, direction, `${owner.def.name}.${member.name}`, ctx.wideIntegers);
    // Outgoing optional members may be `undefined` (the encoder drops them); replies
    // simply omit them, so the reply types stay exact.
    const optional = member.optional ? (direction === 'in' ? `?: ${type} | undefined` : `?: ${type}`) : `: ${type}`;
    lines.push(`  ${propName(member.name)}${optional};`);
  }
  return lines;
}

function emitStruct(ctx: EmitContext, m: Merged<StructDef>, direction: Direction): string[] {
  const def = m.def;
  const ext = def.base === undefined ? '' : ` extends ${def.base}`;
  const body = memberLines(ctx, m, def.members, direction);
  const doc = docBlock(typeDocParts(ctx, m));
  if (body.length === 0) return [...doc, `export type ${def.name} = Record<string, never>;`];
  return [...doc, `export interface ${def.name}${ext} {`, ...body, '}'];
}

function emitEnum(ctx: EmitContext, m: Merged<EnumDef>): string[] {
  const def = m.def;
  const values = def.values.map((v) => quote(v.name));
  const notes = def.values
    .map((v) => {
      const bits = [summaryOf(ctx, `${def.name}.${v.name}`), platformText(v.if)];
      const since = m.memberSince[v.name];
      if (since !== undefined) bits.push(`Since QEMU ${since.version}${since.notIn === undefined ? '' : ` (not in ${since.notIn})`}.`);
      const text = bits.filter((b) => b !== undefined && b !== '').join(' ');
      return text === '' ? undefined : `\`${v.name}\`: ${text}`;
    })
    .filter((t) => t !== undefined);
  const lines = [...docBlock(typeDocParts(ctx, m, [{ list: notes }])), ...unionLines(`export type ${def.name} = `, values)];
  const example = `const isValid = (value: string): value is ${def.name} => (${def.name}Values as readonly string[]).includes(value);`;
  lines.push(...docBlock([{ text: `Every value of {@link ${def.name}}, in schema order.` }, { tag: '@example' }, { code: [example] }]));
  const oneLine = `export const ${def.name}Values = [${values.join(', ')}] as const;`;
  if (oneLine.length <= WIDTH) lines.push(oneLine);
  else lines.push(`export const ${def.name}Values = [`, ...values.map((v) => `  ${v},`), '] as const;');
  return lines;
}

function emitUnion(ctx: EmitContext, m: Merged<UnionDef>, direction: Direction): string[] {
  const def = m.def;
  const tag = propName(def.discriminator);
  const baseMembers = typeof def.base === 'string' ? undefined : def.base.filter((b) => b.name !== def.discriminator);
  const tagType = discriminatorType(ctx, def);
  const extra = (baseMembers ?? []).map((b) => {
    const type = tsType(b.type, direction, `${def.name}.${b.name}`, ctx.wideIntegers);
    return `${propName(b.name)}${b.optional ? '?' : ''}: ${type}`;
  });
  // Base given as a struct name: its members except the (narrowed) discriminator.
  const named = typeof def.base === 'string' ? `Omit<${def.base}, ${quote(def.discriminator)}> & ` : '';
  const head = (value: string): string => `${named}{ ${[`${tag}: ${value}`, ...extra].join('; ')} }`;
  const variants = def.branches.map((b) => `${head(quote(b.name))} & ${tsType(b.type, direction, `${def.name}.${b.name}`, ctx.wideIntegers)}`);
  const covered = def.branches.map((b) => quote(b.name));
  const rest = enumValues(ctx, tagType);
  if (rest === undefined || rest.length > covered.length) {
    // Discriminator values without a branch carry the base members only.
    variants.push(head(covered.length === 0 ? tagType : `Exclude<${tagType}, ${covered.join(' | ')}>`));
  }
  const members = variants.length > 1 ? variants.map((v) => (v.includes(' & ') ? `(${v})` : v)) : variants;
  return [...docBlock(typeDocParts(ctx, m)), ...unionLines(`export type ${def.name} = `, members)];
}

function discriminatorType(ctx: EmitContext, def: UnionDef): string {
  const base = typeof def.base === 'string' ? structMembers(ctx, def.base) : def.base;
  const member = base.find((b) => b.name === def.discriminator);
  if (member === undefined) throw new Error(`union ${def.name}: discriminator '${def.discriminator}' is not a base member`);
  if (ctx.schema.types.get(member.type.name)?.def.kind !== 'enum' || member.type.array) {
    throw new Error(`union ${def.name}: discriminator '${def.discriminator}' must be an enum`);
  }
  return member.type.name;
}

/** Members of a struct including its bases. */
function structMembers(ctx: EmitContext, name: string): Member[] {
  const def = ctx.schema.types.get(name)?.def;
  if (def?.kind !== 'struct') throw new Error(`${name} is not a struct`);
  return [...(def.base === undefined ? [] : structMembers(ctx, def.base)), ...def.members];
}

function enumValues(ctx: EmitContext, name: string): string[] | undefined {
  const def = ctx.schema.types.get(name)?.def;
  return def?.kind === 'enum' ? def.values.map((v) => quote(v.name)) : undefined;
}

function emitAlternate(ctx: EmitContext, m: Merged<AlternateDef>, direction: Direction): string[] {
  const def = m.def;
  const branches = def.branches.map((b) => {
    const text = summaryOf(ctx, `${def.name}.${b.name}`) ?? '';
    const since = m.memberSince[b.name];
    const sinceText = since === undefined ? '' : ` Since QEMU ${since.version}.`;
    const label = `\`${b.name}\` (\`${b.type.array ? `[${b.type.name}]` : b.type.name}\`)`;
    const rest = `${text}${sinceText}`.trim();
    return rest === '' ? label : `${label}: ${rest}`;
  });
  const types = def.branches.flatMap((b) => tsType(b.type, direction, `${def.name}.${b.name}`, ctx.wideIntegers).split(' | '));
  const doc = docBlock(typeDocParts(ctx, m, [{ text: 'The JSON type of the value picks the branch:' }, { list: branches }]));
  return [...doc, ...unionLines(`export type ${def.name} = `, [...new Set(types)])];
}
