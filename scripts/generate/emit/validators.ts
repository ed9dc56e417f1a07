/**
 * Emits `validators.ts`: `QGA_SHAPES`, the data the hand-written runtime validator
 * (`src/client/validate.ts`) checks replies against. Data only, no code: one compact entry
 * per schema type and the result type of every command that returns something.
 *
 * The shapes mirror the generated TS types, not the bare schema: bases are flattened into
 * their structs and unions, `QType` is a string, and an integer says `|bigint` exactly
 * where its TS type is `number | bigint` (type-map.ts decides both), so a value that passes
 * the validator is a value of the declared type.
 */
import type { Merged } from '../merge.js';
import type { AlternateDef, Member, TypeDef, TypeRef, UnionDef } from '../schema-model.js';
import { admitsBigint, type Direction, isIntegerType } from '../type-map.js';
import type { CommandShape } from './commands.js';
import { docBlock, headerLine, propName, quote, WIDTH } from './format.js';
import type { EmitContext } from './notes.js';

export function emitValidators(ctx: EmitContext, shapes: readonly CommandShape[]): string {
  const out: string[] = [headerLine(ctx.info), ''];
  out.push(
    ...docBlock([
      { text: 'Runtime shapes of the QGA types and command results, for the reply validator (the `validate` connect option).' },
      { tag: '@module' },
    ]),
  );
  out.push("import type { QgaShapeTable } from '../client/validate.js';", '');
  out.push(
    ...docBlock([
      {
        text: 'The shape of every QGA type and the result type of every command that returns a value, as data. A type reference is a type name of `types`, `[ref]` for an array, or a built-in: `str`, `bool`, `number`, `null`, `any`, or an integer kind (`int`, `uint16`, `uint64`, …) that ends in `|bigint` where its TS type is `number | bigint`. A member name starting with `*` is optional, as in the QAPI schema. Bases are flattened into their structs and unions.',
      },
      { tag: '@example' },
      {
        code: [
          "QGA_SHAPES.returns['guest-get-time']; // 'int|bigint'",
          "QGA_SHAPES.types['GuestFsfreezeStatus']; // { enum: ['thawed', 'frozen'] }",
          "validateValue('GuestOSInfo', JSON.parse(saved)); // [] when it matches",
        ],
      },
    ]),
    'export const QGA_SHAPES: QgaShapeTable = {',
    '  returns: {',
  );
  for (const s of shapes) {
    const def = s.merged.def;
    if (def.returns === undefined || !def.successResponse) continue;
    out.push(`    ${key(def.name)}: ${quote(shapeRef(ctx, def.returns, 'out', `${def.name}#returns`))},`);
  }
  out.push('  },', '  types: {');
  for (const m of ctx.schema.types.values()) out.push(...entryLines(key(m.def.name), typeShape(ctx, m), '    '));
  out.push('  },', '};');
  return out.join('\n') + '\n';
}

/** A type reference in the table's notation; see the TSDoc of QGA_SHAPES. */
export function shapeRef(ctx: EmitContext, ref: TypeRef, direction: Direction, place: string): string {
  let base = ref.name === 'QType' ? 'str' : ref.name;
  if (isIntegerType(ref.name) && admitsBigint(ref.name, direction, ctx.wideIntegers.has(place))) base += '|bigint';
  return ref.array ? `[${base}]` : base;
}

/** An object literal to print: source text, an array, or keys (already printable) → values. */
type Literal = string | readonly Literal[] | ReadonlyMap<string, Literal>;

/** An object literal key; `__proto__` would set the prototype instead of a member. */
function key(name: string): string {
  if (name === '__proto__' || name === '*__proto__') throw new Error(`'${name}' cannot be a key of the shape table`);
  return propName(name);
}

function typeShape(ctx: EmitContext, m: Merged<TypeDef>): Literal {
  const def = m.def;
  const direction: Direction = ctx.inputOnly.has(def.name) ? 'in' : 'out';
  switch (def.kind) {
    case 'struct':
      return new Map([['struct', membersLiteral(structMembers(ctx, def.name))]]);
    case 'enum':
      return new Map([['enum', def.values.map((v) => quote(v.name))]]);
    case 'union':
      return unionShape(ctx, def, direction);
    case 'alternate':
      return alternateShape(ctx, def, direction);
  }
}

/** Members with their place and direction, so each is typed as the TS member it mirrors. */
interface PlacedMember {
  member: Member;
  ref: string;
}

/** A struct's members, its bases' first, each typed by the struct that declares it (as `extends` does). */
function structMembers(ctx: EmitContext, name: string): PlacedMember[] {
  const def = ctx.schema.types.get(name)?.def;
  if (def?.kind !== 'struct') throw new Error(`${name} is not a struct`);
  const direction: Direction = ctx.inputOnly.has(name) ? 'in' : 'out';
  const own = def.members.map((member) => ({ member, ref: shapeRef(ctx, member.type, direction, `${name}.${member.name}`) }));
  return [...(def.base === undefined ? [] : structMembers(ctx, def.base)), ...own];
}

function membersLiteral(members: readonly PlacedMember[]): Map<string, Literal> {
  return new Map(members.map(({ member, ref }) => [key(member.optional ? `*${member.name}` : member.name), quote(ref)]));
}

function unionShape(ctx: EmitContext, def: UnionDef, direction: Direction): Literal {
  const base =
    typeof def.base === 'string'
      ? structMembers(ctx, def.base)
      : def.base.map((member) => ({ member, ref: shapeRef(ctx, member.type, direction, `${def.name}.${member.name}`) }));
  if (!base.some((b) => b.member.name === def.discriminator)) {
    throw new Error(`union ${def.name}: discriminator '${def.discriminator}' is not a base member`);
  }
  const branches = new Map<string, Literal>(def.branches.map((b) => [key(b.name), quote(shapeRef(ctx, b.type, direction, `${def.name}.${b.name}`))]));
  return new Map<string, Literal>([
    ['union', membersLiteral(base)],
    ['tag', quote(def.discriminator)],
    ['branches', branches],
  ]);
}

function alternateShape(ctx: EmitContext, def: AlternateDef, direction: Direction): Literal {
  return new Map([['alternate', def.branches.map((b) => quote(shapeRef(ctx, b.type, direction, `${def.name}.${b.name}`)))]]);
}

/** `key: value,` on one line when it fits, else the value's members one per line. */
function entryLines(name: string, value: Literal, indent: string): string[] {
  const one = `${indent}${name}: ${inline(value)},`;
  if (one.length <= WIDTH || typeof value === 'string') return [one];
  if (isArray(value)) return [`${indent}${name}: [`, ...value.map((v) => `${indent}  ${inline(v)},`), `${indent}],`];
  const inner = [...value].flatMap(([k, v]) => entryLines(k, v, `${indent}  `));
  return [`${indent}${name}: {`, ...inner, `${indent}},`];
}

function inline(value: Literal): string {
  if (typeof value === 'string') return value;
  if (isArray(value)) return `[${value.map(inline).join(', ')}]`;
  return value.size === 0 ? '{}' : `{ ${[...value].map(([k, v]) => `${k}: ${inline(v)}`).join(', ')} }`;
}

function isArray(value: Literal): value is readonly Literal[] {
  return Array.isArray(value);
}
