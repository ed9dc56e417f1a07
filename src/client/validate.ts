/**
 * Checks a value against the shapes generated from the QGA schema (`QGA_SHAPES`) and says
 * what does not match, with a path to each problem. Behind the `validate` connect option;
 * also usable on its own.
 *
 * Lenient where real agents differ without breaking the declared types: members the shape
 * does not know (a newer agent's additions) are ignored, and an integer may be a `bigint`
 * exactly where its type says `number | bigint` (docs/integers.md).
 * @module
 */
import { QgaProtocolError } from '../errors.js';
import { QGA_SHAPES } from '../generated/validators.js';

/**
 * A struct: member wire name → type reference; a name starting with `*` is optional.
 *
 * @example
 * ```ts
 * const shape: QgaStructShape = { struct: { name: 'str', '*prefix': 'int' } };
 * ```
 */
export interface QgaStructShape {
  /** Members, bases included. */
  readonly struct: Readonly<Record<string, string>>;
}

/**
 * An enum: its values, as they appear on the wire.
 *
 * @example
 * ```ts
 * const shape: QgaEnumShape = { enum: ['thawed', 'frozen'] };
 * ```
 */
export interface QgaEnumShape {
  /** Every value, in schema order. */
  readonly enum: readonly string[];
}

/**
 * A union: the base members (the tag among them) plus the members of the branch the tag's
 * value picks. A tag value without a branch means base members only.
 *
 * @example
 * ```ts
 * const shape: QgaUnionShape = { union: { type: 'GuestCpuStatsType' }, tag: 'type', branches: { linux: 'GuestLinuxCpuStats' } };
 * ```
 */
export interface QgaUnionShape {
  /** Base members, as in {@link QgaStructShape.struct}. */
  readonly union: Readonly<Record<string, string>>;
  /** Wire name of the discriminator member. */
  readonly tag: string;
  /** Tag value → struct type holding that branch's members. */
  readonly branches: Readonly<Record<string, string>>;
}

/**
 * An alternate: no tag; the value must match one of the alternatives.
 *
 * @example
 * ```ts
 * const shape: QgaAlternateShape = { alternate: ['int|bigint', 'QGASeek'] };
 * ```
 */
export interface QgaAlternateShape {
  /** Type references of the alternatives. */
  readonly alternate: readonly string[];
}

/**
 * The shape of one type.
 *
 * @example
 * ```ts
 * const shape: QgaTypeShape = QGA_SHAPES.types['GuestOSInfo']!;
 * if ('struct' in shape) console.log(Object.keys(shape.struct));
 * ```
 */
export type QgaTypeShape = QgaStructShape | QgaEnumShape | QgaUnionShape | QgaAlternateShape;

/**
 * A table of shapes, as generated in `QGA_SHAPES`. A type reference is a name of `types`,
 * `[ref]` for an array of `ref`, or a built-in: `str`, `bool`, `number`, `null`, `any`, or
 * an integer kind (`int`, `int8` … `int64`, `uint8` … `uint64`, `size`) that may be a
 * `bigint` only when it ends in `|bigint`.
 *
 * @example
 * ```ts
 * const shapes: QgaShapeTable = {
 *   returns: { 'get-point': 'Point' },
 *   types: { Point: { struct: { x: 'int', y: 'int', '*label': 'str' } } },
 * };
 * validateReply('get-point', { x: 1, y: 'two' }, { shapes }); // ['return.y: expected integer, got "two"']
 * ```
 */
export interface QgaShapeTable {
  /** Command wire name → type reference of its result (commands without a result are absent). */
  readonly returns: Readonly<Record<string, string>>;
  /** Type name → shape. */
  readonly types: Readonly<Record<string, QgaTypeShape>>;
}

/**
 * Options of {@link validateValue} and {@link validateReply}.
 *
 * @example
 * ```ts
 * validateValue('[GuestDiskInfo]', disks, { path: 'disks', limit: 5 });
 * ```
 */
export interface ValidateOptions {
  /** The table to check against. Default `QGA_SHAPES`. */
  shapes?: QgaShapeTable | undefined;
  /** Name of the value at the start of each problem's path. Default `value` (`return` for replies). */
  path?: string | undefined;
  /** Stop after this many problems. Default 100. */
  limit?: number | undefined;
}

/**
 * Check `value` against the type reference `type` and list what does not match, one
 * string per problem, each starting with the path to the offending part. Empty when the
 * value matches. Members the shape does not know are not problems. Throws when `type`
 * (or a type it uses) is not in the table.
 *
 * @example
 * ```ts
 * validateValue('GuestIpAddress', { 'ip-address': '10.0.0.2', 'ip-address-type': 'ipv4', prefix: 'x' });
 * // ['value.prefix: expected integer, got "x"']
 * ```
 */
export function validateValue(type: string, value: unknown, options: ValidateOptions = {}): string[] {
  const ctx: Walk = { types: (options.shapes ?? QGA_SHAPES).types, problems: [], limit: options.limit ?? 100 };
  check(ctx, type, value, options.path ?? 'value');
  return ctx.problems;
}

/**
 * Check a command's result against the type the schema declares for it (see
 * {@link validateValue}). Empty for a matching value and for commands without a declared
 * result (including names the table does not know).
 *
 * @example
 * ```ts
 * const problems = validateReply('guest-get-host-name', await client.call('guest-get-host-name'));
 * if (problems.length > 0) console.warn(problems.join('\n'));
 * ```
 */
export function validateReply(command: string, value: unknown, options: ValidateOptions = {}): string[] {
  const shapes = options.shapes ?? QGA_SHAPES;
  if (!Object.hasOwn(shapes.returns, command)) return [];
  return validateValue(shapes.returns[command]!, value, { ...options, shapes, path: options.path ?? 'return' });
}

/** Problems the `validate: true` error message lists before summarising the rest. */
const SHOWN = 3;

/**
 * The `QgaProtocolError` of a reply that does not match its declared type (`validate: true`).
 * `problems` come from {@link validateReply}, which stopped at `limit`.
 *
 * @example
 * ```ts
 * throw invalidReplyError('guest-get-osinfo', ['return.id: expected string, got 7'], 10);
 * ```
 */
export function invalidReplyError(command: string, problems: readonly string[], limit: number): QgaProtocolError {
  const rest = problems.length - SHOWN;
  const more = rest <= 0 ? '' : problems.length >= limit ? `; and at least ${rest} more` : `; and ${rest} more`;
  return new QgaProtocolError(`${command}: the reply does not match the schema: ${problems.slice(0, SHOWN).join('; ')}${more}`);
}

interface Walk {
  types: Readonly<Record<string, QgaTypeShape>>;
  problems: string[];
  limit: number;
}

/**
 * Where a value sits. Kept as parent + key and only spelled out for a problem, so a
 * matching reply costs no string building.
 */
type Path = string | { up: Path; key: string | number };

function pathText(path: Path): string {
  if (typeof path === 'string') return path;
  const up = pathText(path.up);
  if (typeof path.key === 'number') return `${up}[${path.key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(path.key) ? `${up}.${path.key}` : `${up}['${path.key.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
}

function report(ctx: Walk, path: Path, message: string): void {
  if (ctx.problems.length < ctx.limit) ctx.problems.push(`${pathText(path)}: ${message}`);
}

interface IntegerKind {
  min: bigint;
  max: bigint;
  /** The bounds as numbers, for the common case of a number value. */
  minNumber: number;
  maxNumber: number;
  bigint: boolean;
}

/** Integer kinds by reference, with and without `|bigint`. */
const INTEGERS: ReadonlyMap<string, IntegerKind> = (() => {
  const ranges: [string, bigint, bigint][] = [
    ['int8', -(2n ** 7n), 2n ** 7n - 1n],
    ['int16', -(2n ** 15n), 2n ** 15n - 1n],
    ['int32', -(2n ** 31n), 2n ** 31n - 1n],
    ['int64', -(2n ** 63n), 2n ** 63n - 1n],
    ['int', -(2n ** 63n), 2n ** 63n - 1n],
    ['uint8', 0n, 2n ** 8n - 1n],
    ['uint16', 0n, 2n ** 16n - 1n],
    ['uint32', 0n, 2n ** 32n - 1n],
    ['uint64', 0n, 2n ** 64n - 1n],
    ['size', 0n, 2n ** 64n - 1n],
  ];
  const kinds = new Map<string, IntegerKind>();
  for (const [name, min, max] of ranges) {
    const bounds = { min, max, minNumber: Number(min), maxNumber: Number(max) };
    kinds.set(name, { ...bounds, bigint: false });
    kinds.set(`${name}|bigint`, { ...bounds, bigint: true });
  }
  return kinds;
})();

function check(ctx: Walk, ref: string, value: unknown, path: Path): void {
  if (ctx.problems.length >= ctx.limit) return;
  if (ref.startsWith('[') && ref.endsWith(']')) {
    checkArray(ctx, ref.slice(1, -1), value, path);
    return;
  }
  switch (ref) {
    case 'str':
      if (typeof value !== 'string') report(ctx, path, `expected string, got ${describe(value)}`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') report(ctx, path, `expected boolean, got ${describe(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') report(ctx, path, `expected number, got ${describe(value)}`);
      return;
    case 'null':
      if (value !== null) report(ctx, path, `expected null, got ${describe(value)}`);
      return;
    case 'any':
      return;
  }
  const integer = INTEGERS.get(ref);
  if (integer !== undefined) {
    checkInteger(ctx, ref, integer, value, path);
    return;
  }
  if (!Object.hasOwn(ctx.types, ref)) throw new Error(`validate: no shape for type '${ref}'`);
  const shape = ctx.types[ref]!;
  if ('struct' in shape) checkMembers(ctx, ref, shape.struct, value, path);
  else if ('enum' in shape) checkEnum(ctx, ref, shape.enum, value, path);
  else if ('union' in shape) checkUnion(ctx, ref, shape, value, path);
  else checkAlternate(ctx, ref, shape.alternate, value, path);
}

function checkArray(ctx: Walk, element: string, value: unknown, path: Path): void {
  if (!Array.isArray(value)) {
    report(ctx, path, `expected array, got ${describe(value)}`);
    return;
  }
  for (let i = 0; i < value.length && ctx.problems.length < ctx.limit; i++) check(ctx, element, value[i], { up: path, key: i });
}

function checkInteger(ctx: Walk, ref: string, kind: IntegerKind, value: unknown, path: Path): void {
  const range = (): string => `expected ${ref.replace('|bigint', '')} (${kind.min} … ${kind.max}), got ${describe(value)}`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) report(ctx, path, `expected integer, got ${describe(value)}`);
    // The decoder turns integers beyond ±2^53 into bigints, so number bounds are exact enough here.
    else if (value < kind.minNumber || value > kind.maxNumber) report(ctx, path, range());
  } else if (typeof value === 'bigint') {
    // Typed `number`: code reading it does number arithmetic, which a bigint breaks.
    if (!kind.bigint) report(ctx, path, `expected integer typed number, got bigint ${describe(value)}`);
    else if (value < kind.min || value > kind.max) report(ctx, path, range());
  } else {
    report(ctx, path, `expected integer, got ${describe(value)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Declared members only: whatever else the object holds is a newer agent's business. */
function checkMembers(ctx: Walk, type: string, members: Readonly<Record<string, string>>, value: unknown, path: Path): boolean {
  if (!isObject(value)) {
    report(ctx, path, `expected ${type} object, got ${describe(value)}`);
    return false;
  }
  for (const key in members) {
    if (!Object.hasOwn(members, key)) continue;
    const optional = key.startsWith('*');
    const wire = optional ? key.slice(1) : key;
    if (Object.hasOwn(value, wire)) check(ctx, members[key]!, value[wire], { up: path, key: wire });
    else if (!optional) report(ctx, { up: path, key: wire }, `missing (required by ${type})`);
  }
  return true;
}

function checkEnum(ctx: Walk, type: string, values: readonly string[], value: unknown, path: Path): void {
  if (typeof value === 'string' && values.includes(value)) return;
  const which = values.length <= 8 ? `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` : `a ${type} value`;
  report(ctx, path, `expected ${which}, got ${describe(value)}`);
}

function checkUnion(ctx: Walk, type: string, shape: QgaUnionShape, value: unknown, path: Path): void {
  if (!checkMembers(ctx, type, shape.union, value, path)) return;
  const tag = (value as Record<string, unknown>)[shape.tag];
  if (typeof tag === 'string' && Object.hasOwn(shape.branches, tag)) check(ctx, shape.branches[tag]!, value, path);
}

function checkAlternate(ctx: Walk, type: string, alternatives: readonly string[], value: unknown, path: Path): void {
  const fits = (ref: string): boolean => {
    const trial: Walk = { types: ctx.types, problems: [], limit: 1 };
    check(trial, ref, value, path);
    return trial.problems.length === 0;
  };
  if (alternatives.some(fits)) return;
  // The JSON type picks the branch (QAPI alternates): report inside the one of that type.
  const sameKind = alternatives.filter((ref) => jsonKind(ctx, ref) === jsonKindOf(value));
  if (sameKind.length === 1) check(ctx, sameKind[0]!, value, path);
  else report(ctx, path, `expected ${type} (${alternatives.join(' or ')}), got ${describe(value)}`);
}

/** The JSON type a reference accepts. */
function jsonKind(ctx: Walk, ref: string): string | undefined {
  if (ref.startsWith('[')) return 'array';
  if (ref === 'str') return 'string';
  if (ref === 'bool') return 'boolean';
  if (ref === 'null') return 'null';
  if (ref === 'number' || INTEGERS.has(ref)) return 'number';
  const shape = Object.hasOwn(ctx.types, ref) ? ctx.types[ref] : undefined;
  if (shape === undefined) return undefined;
  return 'enum' in shape ? 'string' : 'alternate' in shape ? undefined : 'object';
}

function jsonKindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'bigint' ? 'number' : typeof value;
}

/** A short rendering of a bad value for a message; long strings are cut. */
function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? `an array (${value.length} items)` : 'an object';
    default:
      return `a ${typeof value}`;
  }
}
