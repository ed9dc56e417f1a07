/**
 * Parameter validation with pve-common's texts (PVE::JSONSchema): unknown parameters
 * refused, booleans only as 0/1 or JSON true/false, arrays as repeated keys or JSON arrays
 * (a lone scalar wrapped), repeated keys of a plain string joined with NUL, and the limits
 * of each agent endpoint.
 * @module
 */

/** One parameter's schema. */
export type ParamSchema =
  | { type: 'string'; required?: boolean; minLength?: number; maxLength?: number }
  | { type: 'integer'; required?: boolean; minimum?: number; maximum?: number }
  | { type: 'boolean'; required?: boolean }
  | { type: 'string-array'; required?: boolean }
  | { type: 'string-alist'; required?: boolean }
  | { type: 'enum'; required?: boolean; values: readonly string[] };

/** Raw parameters: JSON values from a JSON body, string lists from the query or a form. */
export type RawParams = Map<string, unknown>;

/** The 20 simple commands, sorted: the enumeration of the generic `POST …/agent`. */
export const SIMPLE_COMMANDS: readonly string[] = [
  'fsfreeze-freeze', 'fsfreeze-status', 'fsfreeze-thaw', 'fstrim', 'get-fsinfo', 'get-host-name', 'get-memory-block-info', 'get-memory-blocks',
  'get-osinfo', 'get-time', 'get-timezone', 'get-users', 'get-vcpus', 'info', 'network-get-interfaces', 'ping', 'shutdown', 'suspend-disk',
  'suspend-hybrid', 'suspend-ram',
];

/** What the switches of the simulated versions change in the schemas. */
export interface SchemaVersions {
  fileReadRange: boolean;
  execArray: boolean;
}

/** The schema of each agent endpoint (besides node and vmid). */
export function endpointSchema(endpoint: string, versions: SchemaVersions): Record<string, ParamSchema> {
  switch (endpoint) {
    case 'exec':
      return { command: { type: versions.execArray ? 'string-array' : 'string-alist', required: true }, 'input-data': { type: 'string', maxLength: 65_536 } };
    case 'exec-status':
      return { pid: { type: 'integer', required: true } };
    case 'file-read':
      return versions.fileReadRange
        ? { file: { type: 'string', required: true }, count: { type: 'integer', minimum: 1, maximum: 16_777_216 }, offset: { type: 'integer', minimum: 0 }, decode: { type: 'boolean' } }
        : { file: { type: 'string', required: true } };
    case 'file-write':
      return { file: { type: 'string', required: true }, content: { type: 'string', required: true, maxLength: 61_440 }, encode: { type: 'boolean' } };
    case 'set-user-password':
      return { username: { type: 'string', required: true }, password: { type: 'string', required: true, minLength: 5, maxLength: 1024 }, crypted: { type: 'boolean' } };
    case '':
      return { command: { type: 'enum', required: true, values: SIMPLE_COMMANDS } };
    default:
      return {};
  }
}

/** Validated values, or the per-parameter errors of a 400. */
export interface Validation {
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

/**
 * Checks `raw` against `schema`, as PVE::JSONSchema::validate does after the HTTP layer
 * merged the query and the body.
 */
export function validate(raw: RawParams, schema: Record<string, ParamSchema>): Validation {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, value] of raw) {
    const def = schema[key];
    if (def === undefined) {
      errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    const checked = check(def, value);
    if (checked instanceof Invalid) errors[key] = checked.text;
    else values[key] = checked;
  }
  for (const [key, def] of Object.entries(schema)) {
    if (def.required && !raw.has(key) && errors[key] === undefined) errors[key] = 'property is missing and it is not optional';
  }
  return { values, errors };
}

/** A parameter's validation error. */
class Invalid {
  constructor(readonly text: string) {}
}

/** Multiple form values of a scalar are joined with NUL by pve-http-server. */
function scalar(value: unknown): unknown {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') && (value as unknown[]).length >= 1 && isFormList(value) ? value.join('\0') : value;
}

const FORM_LIST = Symbol('form list');
/** Marks a string list that came from a query or form (not a JSON array). */
export function formList(values: string[]): string[] {
  return Object.assign(values, { [FORM_LIST]: true });
}
function isFormList(value: unknown): boolean {
  return typeof value === 'object' && value !== null && FORM_LIST in value;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'ARRAY';
  if (typeof value === 'object' && value !== null) return 'HASH';
  return String(value);
}

function check(def: ParamSchema, input: unknown): unknown {
  switch (def.type) {
    case 'string-array': {
      const list = Array.isArray(input) ? input : [input];
      if (!list.every((v) => typeof v === 'string')) return new Invalid(`type check ('string') failed - got ${typeName(list.find((v) => typeof v !== 'string'))}`);
      return [...(list)];
    }
    case 'string-alist': {
      const value = scalar(input);
      if (typeof value !== 'string') return new Invalid(`type check ('string') failed - got ${typeName(value)}`);
      // PVE::Tools::split_list: on NUL when present, else on whitespace, ',' and ';'.
      return value.includes('\0') ? value.split('\0') : value.split(/[\s,;]+/).filter((s) => s !== '');
    }
    case 'string': {
      const value = scalar(input);
      if (typeof value !== 'string' && typeof value !== 'number') return new Invalid(`type check ('string') failed - got ${typeName(value)}`);
      const text = String(value);
      if (def.maxLength !== undefined && text.length > def.maxLength) return new Invalid(`value may only be ${def.maxLength} characters long`);
      if (def.minLength !== undefined && text.length < def.minLength) return new Invalid(`value must be at least ${def.minLength} characters long`);
      return text;
    }
    case 'enum': {
      const value = scalar(input);
      if (typeof value !== 'string' || !def.values.includes(value)) return new Invalid(`value '${typeName(value)}' does not have a value in the enumeration '${def.values.join(', ')}'`);
      return value;
    }
    case 'integer': {
      const value = scalar(input);
      const ok = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^[+-]?\d+$/.test(value));
      if (!ok) return new Invalid(`type check ('integer') failed - got '${typeName(value)}'`);
      const n = Number(value);
      if (def.minimum !== undefined && n < def.minimum) return new Invalid(`value must have a minimum value of ${def.minimum}`);
      if (def.maximum !== undefined && n > def.maximum) return new Invalid(`value must have a maximum value of ${def.maximum}`);
      return n;
    }
    case 'boolean': {
      const value = scalar(input);
      if (value === true || value === 1 || value === '1') return true;
      if (value === false || value === 0 || value === '0') return false;
      return new Invalid(`type check ('boolean') failed - got '${typeName(value)}'`);
    }
  }
}

/** The path parameters' formats (pve-common `pve-vmid`, `pve-node`). */
export function checkPath(node: string, vmid: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!/^[1-9][0-9]{2,8}$/.test(vmid)) errors['vmid'] = 'invalid format - value does not look like a valid VM ID';
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node)) errors['node'] = 'invalid format - value does not look like a valid node name';
  return errors;
}
