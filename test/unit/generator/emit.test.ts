import { describe, expect, it } from 'vitest';
import { generateFromModel } from '../../../scripts/generate/run.js';
import { code, doc, file, generate, loadSchema, modelOf } from './helpers.js';

describe('generated code for small schemas', () => {
  it('maps a union with a discriminator to a TS discriminated union, unbranched values included', () => {
    const gen = generate({
      '1.0': `
        { 'enum': 'Kind', 'data': [ 'a', 'b', 'c' ] }
        { 'struct': 'A', 'data': { 'x': 'int' } }
        { 'struct': 'B', 'data': { 'y': 'str' } }
        { 'union': 'U', 'base': { 'kind': 'Kind', '*note': 'str' }, 'discriminator': 'kind',
          'data': { 'a': 'A', 'b': 'B' } }
        { 'command': 'get-u', 'returns': 'U' }`,
    });
    expect(code(gen, 'types.ts')).toContain(
      [
        'export type U =',
        "  | ({ kind: 'a'; note?: string } & A)",
        "  | ({ kind: 'b'; note?: string } & B)",
        "  | { kind: Exclude<Kind, 'a' | 'b'>; note?: string };",
      ].join('\n'),
    );
  });

  it('uses Omit of a named base struct for a union', () => {
    const gen = generate({
      '1.0': `
        { 'enum': 'Kind', 'data': [ 'a' ] }
        { 'struct': 'Base', 'data': { 'kind': 'Kind', 'id': 'str' } }
        { 'struct': 'A', 'data': { 'x': 'int' } }
        { 'union': 'U', 'base': 'Base', 'discriminator': 'kind', 'data': { 'a': 'A' } }
        { 'command': 'get-u', 'returns': 'U' }`,
    });
    expect(code(gen, 'types.ts')).toContain("export type U = Omit<Base, 'kind'> & { kind: 'a' } & A;");
  });

  it('maps an alternate to a plain union of its branch types', () => {
    const gen = generate({
      '1.0': `
        { 'enum': 'Mode', 'data': [ 'x', 'y' ] }
        { 'alternate': 'Alt', 'data': { 'flag': 'bool', 'mode': 'Mode', 'list': ['str'] } }
        { 'struct': 'R', 'data': { 'alt': 'Alt' } }
        { 'command': 'c', 'returns': 'R' }`,
    });
    expect(code(gen, 'types.ts')).toContain('export type Alt = boolean | Mode | string[];');
  });

  it('maps enums to a string union plus a readonly values array, long-hand values included', () => {
    const gen = generate({
      '1.0': `
        { 'enum': 'E', 'data': [ 'one', { 'name': 'two', 'if': { 'not': 'CONFIG_WIN32' } } ] }
        { 'struct': 'R', 'data': { 'e': 'E' } }
        { 'command': 'c', 'returns': 'R' }`,
    });
    const types = file(gen, 'types.ts');
    expect(types).toContain("export type E = 'one' | 'two';");
    expect(types).toContain("export const EValues = ['one', 'two'] as const;");
    expect(types).toContain('`two`: Platform: not Windows (`!CONFIG_WIN32`).');
  });

  it('keeps wire names, quoting the ones that are not identifiers, and marks optional members', () => {
    const gen = generate({
      '1.0': `{ 'struct': 'S', 'data': { 'plain': 'str', '*out-data': 'str', 'supported_commands': ['str'], '*any': 'any', '*num': 'number', '*nul': 'null' } }
              { 'command': 'c', 'returns': 'S' }`,
    });
    expect(code(gen, 'types.ts')).toContain(
      [
        'export interface S {',
        '  plain: string;',
        "  'out-data'?: string;",
        '  supported_commands: string[];',
        '  any?: unknown;',
        '  num?: number;',
        '  nul?: null;',
        '}',
      ].join('\n'),
    );
  });

  it('extends the base of a struct', () => {
    const gen = generate({
      '1.0': `{ 'struct': 'B', 'data': { 'a': 'str' } }
              { 'struct': 'S', 'base': 'B', 'data': { 'b': 'str' } }
              { 'command': 'c', 'returns': 'S' }`,
    });
    expect(code(gen, 'types.ts')).toContain('export interface S extends B {\n  b: string;\n}');
  });

  it('types integers by the rule: uint64 and listed ints wide, other ints narrow, arguments always wide', () => {
    const gen = generate(
      {
        '1.0': `{ 'struct': 'R', 'data': { 'count': 'int', 'bytes': 'uint64', 'ns': 'int', 'id': 'uint16' } }
                { 'command': 'c', 'data': { 'handle': 'int', '*list': ['int'] }, 'returns': 'R' }
                { 'command': 't', 'returns': 'int' }`,
      },
      { wideIntegers: new Set(['R.ns', 't#returns']) },
    );
    const types = code(gen, 'types.ts');
    expect(types).toContain('  count: number;\n  bytes: number | bigint;\n  ns: number | bigint;\n  id: number;');
    const commands = code(gen, 'commands.ts');
    expect(commands).toContain('export interface CArgs {\n  handle: number | bigint;\n  list?: readonly (number | bigint)[] | undefined;\n}');
    expect(commands).toContain(`  't': {\n    args: undefined;\n    returns: number | bigint;\n  };`);
  });

  it('fails when a wide-integer entry matches nothing', () => {
    expect(() => generate({ '1.0': `{ 'command': 'c' }` }, { wideIntegers: new Set(['c.gone']) })).toThrow(/c\.gone/);
  });

  it('builds the command map, argument interfaces and method signatures', () => {
    const gen = generate({
      '1.0': `
        { 'struct': 'R', 'data': { 'v': 'str' } }
        { 'command': 'guest-none' }
        { 'command': 'guest-opt', 'data': { '*a': 'str' }, 'returns': 'R' }
        { 'command': 'guest-req', 'data': { 'a': 'str', '*b': 'bool' }, 'returns': ['R'] }`,
    });
    const commands = code(gen, 'commands.ts');
    expect(commands).toContain(`  'guest-none': {\n    args: undefined;\n    returns: void;\n  };`);
    expect(commands).toContain(`  'guest-opt': {\n    args: GuestOptArgs;\n    returns: R;\n  };`);
    expect(commands).toContain(`  'guest-req': {\n    args: GuestReqArgs;\n    returns: R[];\n  };`);
    expect(commands).toContain('export type QgaCommandName = keyof QgaCommandMap;');
    // Every member of the map carries a doc line, so the API reference has no bare members.
    const raw = file(gen, 'commands.ts');
    expect(raw).toContain('    /** Takes no arguments. */\n    args: undefined;');
    expect(raw).toContain('    /** The argument object, keyed by wire names; every member is optional. */\n    args: GuestOptArgs;');
    expect(raw).toContain('    /** The argument object, keyed by wire names. */\n    args: GuestReqArgs;');
    expect(raw).toContain('    /** Nothing: the agent answers `{}`, the call resolves to `undefined`. */\n    returns: void;');
    expect(raw).toContain('    /** What the call resolves to. */\n    returns: R[];');
    const methods = code(gen, 'methods.ts');
    expect(methods).toContain('  guestNone(options?: CallOptions): Promise<void>;');
    expect(methods).toContain('  guestOpt(args?: GuestOptArgs, options?: CallOptions): Promise<R>;');
    expect(methods).toContain('  guestReq(args: GuestReqArgs, options?: CallOptions): Promise<R[]>;');
  });

  it('uses the named data type for boxed commands and for data given by name', () => {
    const gen = generate({
      '1.0': `
        { 'struct': 'Opts', 'data': { '*x': 'int' } }
        { 'struct': 'Need', 'data': { 'y': 'int' } }
        { 'command': 'boxed', 'data': 'Opts', 'boxed': true }
        { 'command': 'named', 'data': 'Need' }`,
    });
    expect(code(gen, 'commands.ts')).toContain(`  'boxed': {\n    args: Opts;\n    returns: void;\n  };`);
    const methods = code(gen, 'methods.ts');
    expect(methods).toContain('  boxed(args?: Opts, options?: CallOptions): Promise<void>;');
    expect(methods).toContain('  named(args: Need, options?: CallOptions): Promise<void>;');
    // Reached only from arguments: its integers accept bigint like any argument.
    expect(code(gen, 'types.ts')).toContain('  x?: number | bigint | undefined;');
  });

  it('fills QGA_COMMANDS from the schema: flags, platform, features', () => {
    const gen = generate({
      '1.0': `
        ${doc('guest-off', '1.1')}{ 'command': 'guest-off', 'data': { '*mode': 'str' }, 'success-response': false,
          'if': { 'any': [ 'CONFIG_WIN32', 'CONFIG_LINUX' ] } }
        ${doc('guest-old', '2.0')}{ 'command': 'guest-old', 'returns': 'int', 'features': [ 'deprecated' ],
          'if': { 'all': [ 'CONFIG_LINUX', { 'not': 'CONFIG_FOO' } ] } }
        ${doc('guest-new', '3.0')}{ 'command': 'guest-new', 'features': [ { 'name': 'unstable', 'if': 'CONFIG_X' } ] }`,
    });
    const commands = file(gen, 'commands.ts');
    expect(commands).toContain(
      [
        "  'guest-off': {",
        "    name: 'guest-off',",
        "    method: 'guestOff',",
        "    since: '1.1',",
        "    platform: 'Linux or Windows',",
        '    successResponse: false,',
        '    hasArguments: true,',
        '    argumentsRequired: false,',
        '    hasReturn: false,',
        '    deprecated: false,',
        '    unstable: false,',
        '    idempotent: false,',
        '  },',
      ].join('\n'),
    );
    expect(commands).toContain("    platform: 'Linux and not CONFIG_FOO',\n");
    expect(commands).toMatch(/name: 'guest-old',[^}]*deprecated: true,\n {4}unstable: false,/);
    expect(commands).toMatch(/name: 'guest-new',[^}]*deprecated: false,\n {4}unstable: true,/);
    const methods = file(gen, 'methods.ts');
    expect(methods).toContain('Replies only on failure');
    expect(methods).toContain('@deprecated Marked deprecated in the QEMU schema.');
    expect(methods).toContain('Platform: Linux and not CONFIG_FOO (`CONFIG_LINUX && !CONFIG_FOO`).');
    expect(methods).toContain(
      '@see {@link https://www.qemu.org/docs/master/interop/qemu-ga-ref.html#command-QGA-qapi-schema.guest-off | QEMU reference: guest-off}',
    );
  });

  it('fails when a command has no summary', () => {
    const model = modelOf({ '1.0': `{ 'command': 'guest-x' }` });
    expect(() => generateFromModel(model, { summaries: {}, wideIntegers: new Set(), idempotent: { 'guest-x': true } })).toThrow(/no summary for command guest-x/);
  });

  it('fails when a command was not reviewed for retries, or the table names a command that does not exist', () => {
    const model = modelOf({ '1.0': `{ 'command': 'guest-x' }` });
    const options = { summaries: { 'guest-x': 'X.' }, examples: {}, wideIntegers: new Set<string>() };
    expect(() => generateFromModel(model, { ...options, idempotent: {} })).toThrow(/do(es)? not say whether these commands may be retried: guest-x/);
    expect(() => generateFromModel(model, { ...options, idempotent: { 'guest-x': false, 'guest-gone': true } })).toThrow(/IDEMPOTENT entries match no command in the schema: guest-gone/);
    const commands = generateFromModel(model, { ...options, idempotent: { 'guest-x': true } }).files.get('commands.ts')!;
    expect(commands).toMatch(/'guest-x': \{[^}]*idempotent: true,/);
  });

  it('rejects references to undefined types', () => {
    expect(() => generate({ '1.0': `{ 'command': 'c', 'returns': 'Nope' }` })).toThrow(/unknown type 'Nope'/);
  });

  it('writes the DO NOT EDIT header on every TS file and re-exports everything from index.ts', () => {
    const gen = generate({ '1.0': `{ 'command': 'c' }`, '2.0': `{ 'command': 'c' }` });
    for (const [name, text] of gen.files) {
      if (name.endsWith('.ts')) expect(text.split('\n')[0]).toMatch(/^\/\/ Code generated by scripts\/generate\.ts from the QGA schemas of QEMU 1\.0 … 2\.0 \(schema sha256 [0-9a-f]{64}\)\. DO NOT EDIT\.$/);
    }
    expect(file(gen, 'index.ts')).toContain("export * from './types.js';\nexport * from './commands.js';\nexport type * from './methods.js';");
    expect(file(gen, 'README.md')).toContain('DO NOT EDIT');
  });
});

describe('schema import: reading a schema file', () => {
  it('splices included files, relative to the including file, once each', () => {
    const files: Record<string, string> = {
      '/s/sub/types.json': `{ 'include': '../common.json' }\n{ 'struct': 'T', 'data': { 'c': 'C' } }`,
      '/s/common.json': `{ 'enum': 'C', 'data': [ 'x' ] }`,
    };
    const schema = loadSchema(`{ 'include': 'sub/types.json' }\n{ 'include': 'common.json' }\n{ 'command': 'c', 'returns': 'T' }`, '/s/main.json', (f) => {
      const text = files[f];
      if (text === undefined) throw new Error(`unexpected read of ${f}`);
      return text;
    });
    expect([...schema.types.keys()]).toEqual(['C', 'T']);
    expect([...schema.commands.keys()]).toEqual(['c']);
  });

  it('skips events and pragmas, reads long-hand members and features', () => {
    const schema = loadSchema(
      `{ 'pragma': { 'doc-required': true } }
       { 'event': 'EV', 'data': { 'a': 'int' } }
       { 'struct': 'S', 'data': { 'm': { 'type': ['str'], 'if': 'CONFIG_LINUX', 'features': [ 'deprecated' ] } },
         'features': [ { 'name': 'unstable', 'if': { 'any': [ 'A', 'B' ] } } ] }`,
      'x.json',
    );
    expect(schema.types.get('S')).toMatchObject({
      features: [{ name: 'unstable', if: { any: ['A', 'B'] } }],
      members: [{ name: 'm', optional: false, type: { name: 'str', array: true }, if: 'CONFIG_LINUX', features: [{ name: 'deprecated' }] }],
    });
    expect(schema.types.has('EV')).toBe(false);
  });

  it('rejects malformed conditions', () => {
    expect(() => loadSchema(`{ 'command': 'c', 'if': { 'all': [] } }`, 'x.json')).toThrow(/non-empty list/);
    expect(() => loadSchema(`{ 'command': 'c', 'if': { 'nand': 'A' } }`, 'x.json')).toThrow(/not a valid condition/);
  });
});
