/**
 * Reads the keys of one QAPI expression into the typed pieces of schema-model.ts (members,
 * enum values, branches, conditions, features), accepting both the short and the long-hand
 * forms, with errors that name the file, line and definition.
 */
import type { QapiObject, QapiValue } from './qapi-expr.js';
import type { Branch, Cond, EnumValue, Feature, Member, TypeRef } from './schema-model.js';

export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** `{ key: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Typed access to the keys of one expression, with errors that say where. */
export class ExprReader {
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
