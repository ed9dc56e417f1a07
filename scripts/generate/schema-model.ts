/**
 * Turns one release's QAPI expressions into typed definitions: commands, structs, enums,
 * unions and alternates, with long-hand members, `if` and `features` normalised.
 * Checks that every type reference resolves, so a bad schema fails here and not in tsc.
 */
import { ExprReader, opt, SchemaError } from './expr-reader.js';
import type { DocFacts, QapiExpr } from './qapi-expr.js';

export { opt } from './expr-reader.js';

/** `if` condition: a macro name, or all/any/not of conditions. */
export type Cond = string | { all: Cond[] } | { any: Cond[] } | { not: Cond };

/** A type reference: a type name, or an array of one. */
export interface TypeRef {
  name: string;
  array: boolean;
}

export interface Feature {
  name: string;
  if?: Cond;
}

export interface Member {
  /** Wire name (without the `*` that marks it optional). */
  name: string;
  optional: boolean;
  type: TypeRef;
  if?: Cond;
  features: Feature[];
}

export interface EnumValue {
  name: string;
  if?: Cond;
  features: Feature[];
}

export interface Branch {
  /** Discriminator value (union) or branch name (alternate). */
  name: string;
  type: TypeRef;
  if?: Cond;
}

interface DefBase {
  name: string;
  if?: Cond;
  features: Feature[];
  /** Version facts from the definition's doc comment. */
  doc?: DocFacts;
}

export interface StructDef extends DefBase {
  kind: 'struct';
  base?: string;
  members: Member[];
}
export interface EnumDef extends DefBase {
  kind: 'enum';
  values: EnumValue[];
}
export interface UnionDef extends DefBase {
  kind: 'union';
  /** Inline base members, or the name of a struct holding them. */
  base: Member[] | string;
  discriminator: string;
  branches: Branch[];
}
export interface AlternateDef extends DefBase {
  kind: 'alternate';
  branches: Branch[];
}
export type TypeDef = StructDef | EnumDef | UnionDef | AlternateDef;

export interface CommandDef extends DefBase {
  kind: 'command';
  /** Inline argument members, or the name of the type holding them. */
  data?: Member[] | string;
  boxed: boolean;
  returns?: TypeRef;
  successResponse: boolean;
}

export interface Schema {
  commands: Map<string, CommandDef>;
  types: Map<string, TypeDef>;
}

/** Built-in QAPI types (lower case by convention, user types are CamelCase). */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'str',
  'number',
  'int',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'size',
  'bool',
  'null',
  'any',
  'QType',
]);

/**
 * Builds one release's schema from its expressions; `file` names where they came from in
 * errors. Includes must already be resolved (the schema import does that).
 */
export function buildSchema(exprs: readonly QapiExpr[], file = '<schema>'): Schema {
  const schema: Schema = { commands: new Map(), types: new Map() };
  for (const e of exprs) {
    const at = `${file}${e.line === undefined ? '' : `:${e.line}`}: ${e.kind} '${e.name}'`;
    const x = new ExprReader(e.expr, at);
    const common = { name: e.name, features: x.features('features'), ...opt('if', x.cond('if')), ...opt('doc', e.doc) };
    switch (e.kind) {
      case 'command': {
        const data = x.optional('data');
        const returns = x.optional('returns');
        const def: CommandDef = {
          kind: 'command',
          ...common,
          ...opt('data', data === undefined ? undefined : typeof data === 'string' ? data : x.members(data, 'data')),
          boxed: x.bool('boxed', false),
          ...opt('returns', returns === undefined ? undefined : x.typeRef(returns, 'returns')),
          successResponse: x.bool('success-response', true),
        };
        if (schema.commands.has(e.name)) throw new SchemaError(`${at}: defined twice`);
        schema.commands.set(e.name, def);
        continue;
      }
      case 'struct':
        addType(schema, at, {
          kind: 'struct',
          ...common,
          ...opt('base', x.optionalString('base')),
          members: x.members(x.required('data'), 'data'),
        });
        continue;
      case 'enum':
        addType(schema, at, { kind: 'enum', ...common, values: x.enumValues(x.required('data')) });
        continue;
      case 'union': {
        const base = x.required('base');
        addType(schema, at, {
          kind: 'union',
          ...common,
          base: typeof base === 'string' ? base : x.members(base, 'base'),
          discriminator: x.string('discriminator'),
          branches: x.branches(x.required('data')),
        });
        continue;
      }
      case 'alternate':
        addType(schema, at, { kind: 'alternate', ...common, branches: x.branches(x.required('data')) });
        continue;
      case 'include':
        // Resolved by the schema import, which knows the including file's folder.
        throw new SchemaError(`${at}: 'include' must be resolved before building the schema`);
      case 'event':
      case 'pragma':
        // Events: the agent sends none. Pragmas: generator switches with no wire meaning.
        continue;
    }
  }
  checkReferences(schema, file);
  return schema;
}

function addType(schema: Schema, at: string, def: TypeDef): void {
  if (schema.types.has(def.name) || BUILTIN_TYPES.has(def.name)) throw new SchemaError(`${at}: defined twice`);
  schema.types.set(def.name, def);
}

/** Every type name used anywhere must be a built-in or defined in the same schema. */
function checkReferences(schema: Schema, file: string): void {
  const check = (name: string, where: string): void => {
    if (!BUILTIN_TYPES.has(name) && !schema.types.has(name)) {
      throw new SchemaError(`${file}: ${where} refers to unknown type '${name}'`);
    }
  };
  for (const c of schema.commands.values()) {
    if (typeof c.data === 'string') check(c.data, `command '${c.name}'`);
    else for (const m of c.data ?? []) check(m.type.name, `command '${c.name}' argument '${m.name}'`);
    if (c.returns) check(c.returns.name, `command '${c.name}' returns`);
  }
  for (const t of schema.types.values()) {
    if (t.kind === 'struct') {
      if (t.base !== undefined) check(t.base, `struct '${t.name}' base`);
      for (const m of t.members) check(m.type.name, `struct '${t.name}' member '${m.name}'`);
    } else if (t.kind === 'union') {
      if (typeof t.base === 'string') check(t.base, `union '${t.name}' base`);
      else for (const m of t.base) check(m.type.name, `union '${t.name}' member '${m.name}'`);
      for (const b of t.branches) check(b.type.name, `union '${t.name}' branch '${b.name}'`);
    } else if (t.kind === 'alternate') {
      for (const b of t.branches) check(b.type.name, `alternate '${t.name}' branch '${b.name}'`);
    }
  }
}
