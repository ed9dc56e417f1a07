/**
 * Turns one release's parsed QAPI expressions into typed definitions: commands, structs,
 * enums, unions and alternates, with long-hand members, `if` and `features` normalised.
 * Checks that every type reference resolves, so a bad schema fails here and not in tsc.
 */
import { parseQapi, type QapiDoc, type QapiExpr, type QapiObject, type QapiValue } from './parser.js';

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
  doc?: QapiDoc;
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

class SchemaError extends Error {
  override name = 'SchemaError';
}

export function loadSchema(text: string, file: string): Schema {
  return buildSchema(parseQapi(text, file), file);
}

export function buildSchema(exprs: QapiExpr[], file = '<schema>'): Schema {
  const schema: Schema = { commands: new Map(), types: new Map() };
  for (const e of exprs) {
    const at = `${file}:${e.line}: ${e.kind} '${e.name}'`;
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
        // Resolving includes needs the including file's directory; QGA schemas have none.
        throw new SchemaError(`${at}: 'include' is not supported (QGA schemas are self-contained)`);
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

/** `{ key: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Typed access to the keys of one expression, with errors that say where. */
class ExprReader {
  constructor(
    readonly expr: QapiObject,
    readonly at: string,
  ) {}

  optional(key: string): QapiValue | undefined {
    return Object.hasOwn(this.expr, key) ? this.expr[key] : undefined;
  }

  required(key: string): QapiValue {
    const v = this.optional(key);
    if (v === undefined) this.fail(`'${key}' is missing`);
    return v;
  }

  string(key: string): string {
    const v = this.required(key);
    if (typeof v !== 'string') this.fail(`'${key}' must be a string`);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.optional(key) === undefined ? undefined : this.string(key);
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.optional(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(`'${key}' must be true or false`);
    return v;
  }

  cond(key: string, value: QapiValue | undefined = this.optional(key)): Cond | undefined {
    if (value === undefined) return undefined;
    return this.condValue(value, key);
  }

  condValue(v: QapiValue, where: string): Cond {
    if (typeof v === 'string') return v;
    if (isObject(v)) {
      const keys = Object.keys(v);
      const op = keys[0];
      if (keys.length === 1 && (op === 'all' || op === 'any')) {
        const list = v[op];
        if (!Array.isArray(list) || list.length === 0) this.fail(`'${where}': '${op}' needs a non-empty list`);
        const items = list.map((c) => this.condValue(c, where));
        return op === 'all' ? { all: items } : { any: items };
      }
      if (keys.length === 1 && op === 'not') return { not: this.condValue(v.not!, where) };
    }
    return this.fail(`'${where}' is not a valid condition`);
  }

  features(key: string): Feature[] {
    const v = this.optional(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(`'${key}' must be a list`);
    return v.map((f) => {
      if (typeof f === 'string') return { name: f };
      if (isObject(f) && typeof f.name === 'string') {
        return { name: f.name, ...opt('if', f.if === undefined ? undefined : this.condValue(f.if, key)) };
      }
      return this.fail(`'${key}' entries must be names or { 'name': ... }`);
    });
  }

  typeRef(v: QapiValue, where: string): TypeRef {
    if (typeof v === 'string') return { name: v, array: false };
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return { name: v[0], array: true };
    return this.fail(`'${where}' must be a type name or a one-element array`);
  }

  members(v: QapiValue, where: string): Member[] {
    if (!isObject(v)) this.fail(`'${where}' must be an object of members`);
    return Object.entries(v).map(([key, spec]) => {
      const optional = key.startsWith('*');
      const name = optional ? key.slice(1) : key;
      if (isObject(spec)) {
        // Long-hand member: { 'type': ..., 'if': ..., 'features': [...] }
        const inner = new ExprReader(spec, `${this.at} member '${name}'`);
        return {
          name,
          optional,
          type: inner.typeRef(inner.required('type'), 'type'),
          ...opt('if', inner.cond('if')),
          features: inner.features('features'),
        };
      }
      return { name, optional, type: this.typeRef(spec, `${where}.${name}`), features: [] };
    });
  }

  enumValues(v: QapiValue): EnumValue[] {
    if (!Array.isArray(v)) this.fail(`'data' of an enum must be a list`);
    return v.map((item) => {
      if (typeof item === 'string') return { name: item, features: [] };
      if (isObject(item)) {
        const inner = new ExprReader(item, `${this.at} value`);
        return { name: inner.string('name'), ...opt('if', inner.cond('if')), features: inner.features('features') };
      }
      return this.fail(`enum values must be names or { 'name': ... }`);
    });
  }

  branches(v: QapiValue): Branch[] {
    if (!isObject(v)) this.fail(`'data' must be an object of branches`);
    return Object.entries(v).map(([name, spec]) => {
      if (isObject(spec)) {
        const inner = new ExprReader(spec, `${this.at} branch '${name}'`);
        return { name, type: inner.typeRef(inner.required('type'), 'type'), ...opt('if', inner.cond('if')) };
      }
      return { name, type: this.typeRef(spec, name) };
    });
  }

  fail(message: string): never {
    throw new SchemaError(`${this.at}: ${message}`);
  }
}

function isObject(v: QapiValue | undefined): v is QapiObject {
  return typeof v === 'object' && !Array.isArray(v);
}
