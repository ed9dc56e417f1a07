/**
 * QAPI type references → TypeScript type text, including the integer rule
 * (docs/integers.md): `uint64`/`size` and the WIDE_INTEGERS places are `number | bigint`;
 * every integer the client sends accepts `number | bigint`; other integers are `number`.
 */
import type { MergedSchema } from './merge.js';
import type { TypeRef } from './schema-model.js';

/** Whether a value travels to the agent (`in`) or from it (`out`). */
export type Direction = 'in' | 'out';

const NARROW_INTS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32']);
const WIDE_INTS = new Set(['uint64', 'size']);

const SIMPLE: Readonly<Record<string, string>> = {
  str: 'string',
  number: 'number',
  bool: 'boolean',
  null: 'null',
  any: 'unknown',
  QType: 'string',
};

export function isIntegerType(name: string): boolean {
  return NARROW_INTS.has(name) || WIDE_INTS.has(name);
}

/**
 * @param place the policy key of the member (`Type.member`, `command.arg`, `command#returns`)
 * @param wide the `int` places typed `number | bigint` (policy.ts WIDE_INTEGERS)
 */
export function tsType(ref: TypeRef, direction: Direction, place: string, wide: ReadonlySet<string>): string {
  const base = baseType(ref.name, direction, wide.has(place));
  if (!ref.array) return base;
  const element = base.includes(' ') ? `(${base})` : base;
  return direction === 'in' ? `readonly ${element}[]` : `${element}[]`;
}

function baseType(name: string, direction: Direction, wide: boolean): string {
  if (isIntegerType(name)) return admitsBigint(name, direction, wide) ? 'number | bigint' : 'number';
  return SIMPLE[name] ?? name;
}

/**
 * Whether an integer at this place is typed `number | bigint` (else `number`): every
 * `uint64`/`size`, every integer sent to the agent, and the WIDE_INTEGERS places. The
 * runtime shapes (emit/validators.ts) use the same answer, so the validator accepts a
 * `bigint` exactly where the type does.
 */
export function admitsBigint(name: string, direction: Direction, wide: boolean): boolean {
  return WIDE_INTS.has(name) || (NARROW_INTS.has(name) && (direction === 'in' || wide));
}

/** Every key of the wide-integer table must name an integer in the newest view of the schema. */
export function checkWideIntegers(schema: MergedSchema, wide: ReadonlySet<string>): void {
  const known = new Set<string>();
  for (const { def } of schema.types.values()) {
    if (def.kind === 'struct') for (const m of def.members) if (isIntegerType(m.type.name)) known.add(`${def.name}.${m.name}`);
  }
  for (const { def } of schema.commands.values()) {
    if (typeof def.data === 'object') for (const m of def.data) if (isIntegerType(m.type.name)) known.add(`${def.name}.${m.name}`);
    if (def.returns && isIntegerType(def.returns.name)) known.add(`${def.name}#returns`);
  }
  const stale = [...wide].filter((k) => !known.has(k));
  if (stale.length > 0) throw new Error(`WIDE_INTEGERS entries match no integer in the schema: ${stale.join(', ')}`);
}

/**
 * Which named types are reached only from command arguments. Their integers accept
 * `number | bigint` like any argument; types also seen in replies keep the reply typing.
 */
export function inputOnlyTypes(schema: MergedSchema): Set<string> {
  const reach = (roots: string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const name = stack.pop()!;
      const t = schema.types.get(name)?.def;
      if (t === undefined || seen.has(name)) continue;
      seen.add(name);
      if (t.kind === 'struct') {
        if (t.base !== undefined) stack.push(t.base);
        stack.push(...t.members.map((m) => m.type.name));
      } else if (t.kind === 'union') {
        if (typeof t.base === 'string') stack.push(t.base);
        else stack.push(...t.base.map((m) => m.type.name));
        stack.push(...t.branches.map((b) => b.type.name));
      } else if (t.kind === 'alternate') {
        stack.push(...t.branches.map((b) => b.type.name));
      }
    }
    return seen;
  };
  const ins: string[] = [];
  const outs: string[] = [];
  for (const { def } of schema.commands.values()) {
    if (typeof def.data === 'string') ins.push(def.data);
    else ins.push(...(def.data ?? []).map((m) => m.type.name));
    if (def.returns) outs.push(def.returns.name);
  }
  const out = reach(outs);
  return new Set([...reach(ins)].filter((n) => !out.has(n)));
}
