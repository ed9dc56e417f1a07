/**
 * Argument checking as QEMU's QObject input visitor does it
 * (`qapi/qobject-input-visitor.c`): members are visited in schema order, so the first
 * missing or mistyped one is reported; members nobody asked for are reported last.
 * @module
 */
import { genericError } from './errors.js';
import type { JValue } from './json-value.js';

/** The type of one argument. */
export type ArgType =
  | 'int'
  | 'str'
  | 'bool'
  | 'number'
  | { readonly list: ArgType }
  | {
      /** An alternate: picks its branch by the JSON type, like `GuestFileWhence`. */
      readonly alternate: string;
      readonly int?: boolean;
      readonly bool?: boolean;
      /** Accepted strings (an enum branch). */
      readonly enum?: readonly string[];
    };

/** Arguments of one command, in schema order. */
export type ArgSpec = Readonly<Record<string, { readonly type: ArgType; readonly optional?: boolean }>>;

/** Checked argument values: integers are exact `bigint`s. */
export type ArgValue = bigint | string | boolean | number | ArgValue[];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function invalidType(name: string, expected: string): Error {
  return genericError(`Invalid parameter type for '${name}', expected: ${expected}`);
}

function visit(type: ArgType, value: JValue, name: string): ArgValue {
  if (type === 'int') {
    if (value.t !== 'int' || value.v < INT64_MIN || value.v > INT64_MAX) throw invalidType(name, 'integer');
    return value.v;
  }
  if (type === 'str') {
    if (value.t !== 'str') throw invalidType(name, 'string');
    return value.v;
  }
  if (type === 'bool') {
    if (value.t !== 'bool') throw invalidType(name, 'boolean');
    return value.v;
  }
  if (type === 'number') {
    if (value.t === 'int') return Number(value.v);
    if (value.t !== 'num') throw invalidType(name, 'number');
    return value.v;
  }
  if ('list' in type) {
    if (value.t !== 'list') throw invalidType(name, 'array');
    return value.v.map((item, i) => visit(type.list, item, `${name}[${i}]`));
  }
  if (value.t === 'int' || value.t === 'num') {
    if (type.int) return visit('int', value, name);
  } else if (value.t === 'bool') {
    if (type.bool) return value.v;
  } else if (value.t === 'str' && type.enum) {
    if (!type.enum.includes(value.v)) throw genericError(`Parameter '${name}' does not accept value '${value.v}'`);
    return value.v;
  }
  throw invalidType(name, type.alternate);
}

/**
 * Check `args` against `spec`.
 * @returns the values, keyed by argument name (absent optional members are left out).
 * @throws SimulatedAgentError with the agent's text.
 */
export function visitArgs(spec: ArgSpec, args: ReadonlyMap<string, JValue>): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = {};
  for (const [name, member] of Object.entries(spec)) {
    const value = args.get(name);
    if (value === undefined) {
      if (!member.optional) throw genericError(`Parameter '${name}' is missing`);
      continue;
    }
    out[name] = visit(member.type, value, name);
  }
  for (const key of args.keys()) {
    if (!Object.hasOwn(spec, key)) throw genericError(`Parameter '${key}' is unexpected`);
  }
  return out;
}
