import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateValue, type QgaShapeTable } from '../../../src/client/validate.js';
import { QGA_SHAPES } from '../../../src/generated/index.js';
import { code, committedSchema, file, generate } from './helpers.js';

/** Every expression kind, bases, optional members, arrays and the integer cases. */
const SCHEMA = `
  { 'enum': 'Kind', 'data': [ 'a', 'b', { 'name': 'c', 'if': 'CONFIG_LINUX' } ] }
  { 'struct': 'Base', 'data': { 'id': 'str', '*note': 'str' } }
  { 'struct': 'Item', 'base': 'Base', 'data': { 'count': 'int', 'total': 'uint64', 'when': 'int',
    'tags': ['str'], '*ratio': 'number', '*t': 'QType', '*extra': 'any', 'port': 'uint16' } }
  { 'struct': 'A', 'data': { 'x': 'int' } }
  { 'struct': 'UBase', 'data': { 'kind': 'Kind', 'serial': 'int' } }
  { 'union': 'Inline', 'base': { 'kind': 'Kind', '*label': 'str' }, 'discriminator': 'kind', 'data': { 'a': 'A' } }
  { 'union': 'Named', 'base': 'UBase', 'discriminator': 'kind', 'data': { 'a': 'A', 'b': 'Item' } }
  { 'alternate': 'Whence', 'data': { 'value': 'int', 'name': 'Kind' } }
  { 'command': 'get-item', 'returns': 'Item' }
  { 'command': 'get-items', 'returns': ['Item'] }
  { 'command': 'get-inline', 'returns': 'Inline' }
  { 'command': 'get-named', 'returns': 'Named' }
  { 'command': 'get-clock', 'returns': 'int' }
  { 'command': 'get-count', 'returns': 'int' }
  { 'command': 'seek', 'data': { 'whence': 'Whence' } }
  { 'command': 'ping' }
  { 'command': 'halt', 'success-response': false, 'returns': 'int' }
`;

const wideIntegers = new Set(['Item.when', 'get-clock#returns']);

describe('validators.ts for a small schema', () => {
  const gen = generate({ '1.0': SCHEMA }, { wideIntegers });
  const text = code(gen, 'validators.ts');

  it('imports only the table type and exports one data table', () => {
    expect(text).toContain("import type { QgaShapeTable } from '../client/validate.js';");
    expect(text).toContain('export const QGA_SHAPES: QgaShapeTable = {');
    expect(text).not.toMatch(/function|=>/);
    expect(file(gen, 'index.ts')).toContain("export * from './validators.js';");
  });

  it('lists the result type of each command that returns something, in the TS integer typing', () => {
    expect(text).toContain(
      [
        '  returns: {',
        "    'get-clock': 'int|bigint',",
        "    'get-count': 'int',",
        "    'get-inline': 'Inline',",
        "    'get-item': 'Item',",
        "    'get-items': '[Item]',",
        "    'get-named': 'Named',",
        '  },',
      ].join('\n'),
    );
  });

  it('flattens a struct base, marks optional members with *, keeps wire names, maps QType to str', () => {
    expect(text).toContain(
      [
        '    Item: {',
        '      struct: {',
        "        id: 'str',",
        "        '*note': 'str',",
        "        count: 'int',",
        "        total: 'uint64|bigint',",
        "        when: 'int|bigint',",
        "        tags: '[str]',",
        "        '*ratio': 'number',",
        "        '*t': 'str',",
        "        '*extra': 'any',",
        "        port: 'uint16',",
        '      },',
        '    },',
      ].join('\n'),
    );
  });

  it('lists every enum value, conditional ones included', () => {
    expect(text).toContain("    Kind: { enum: ['a', 'b', 'c'] },");
  });

  it('gives unions their base members (named base flattened), tag and branches', () => {
    expect(text).toContain("    Inline: { union: { kind: 'Kind', '*label': 'str' }, tag: 'kind', branches: { a: 'A' } },");
    expect(text).toContain("    Named: { union: { kind: 'Kind', serial: 'int' }, tag: 'kind', branches: { a: 'A', b: 'Item' } },");
  });

  it('types alternates reached only from arguments by the argument rule', () => {
    expect(text).toContain("    Whence: { alternate: ['int|bigint', 'Kind'] },");
  });

  it('refuses a name that would set the prototype of the table', () => {
    expect(() => generate({ '1.0': `{ 'struct': 'S', 'data': { '__proto__': 'str' } } { 'command': 'c', 'returns': 'S' }` })).toThrow(
      /'__proto__' cannot be a key of the shape table/,
    );
  });

  it('round trip: the emitted table, loaded as a module, drives the runtime validator', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qga-shapes-'));
    try {
      const target = path.join(dir, 'validators.ts');
      writeFileSync(target, file(gen, 'validators.ts'));
      const { QGA_SHAPES: shapes } = (await import(pathToFileURL(target).href)) as { QGA_SHAPES: QgaShapeTable };
      const item = { id: 'i', count: 1, total: 2n ** 64n - 1n, when: 2n ** 62n, tags: [], port: 80, unknown: 'ok' };
      expect(validateValue('Item', item, { shapes })).toEqual([]);
      expect(validateValue('Item', { ...item, count: 2n ** 62n, port: -1 }, { shapes })).toEqual([
        'value.count: expected integer typed number, got bigint 4611686018427387904n',
        'value.port: expected uint16 (0 … 65535), got -1',
      ]);
      expect(validateValue('Named', { kind: 'b', serial: 1, ...item }, { shapes })).toEqual([]);
      expect(validateValue('Named', { kind: 'b', serial: 1 }, { shapes })).toContain('value.id: missing (required by Item)');
      expect(validateValue('Named', { kind: 'c', serial: 1 }, { shapes })).toEqual([]);
      expect(validateValue('Whence', 'c', { shapes })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('QGA_SHAPES for the committed schema model', () => {
  const { merged } = committedSchema();

  it('has a shape for every schema type and a result for every command that answers with one', () => {
    expect(Object.keys(QGA_SHAPES.types).sort()).toEqual([...merged.types.keys()].sort());
    const returning = [...merged.commands.values()].filter((c) => c.def.returns !== undefined && c.def.successResponse).map((c) => c.def.name);
    expect(Object.keys(QGA_SHAPES.returns).sort()).toEqual(returning.sort());
  });

  it('says bigint exactly where the generated types say number | bigint', () => {
    expect(QGA_SHAPES.returns['guest-get-time']).toBe('int|bigint');
    expect(QGA_SHAPES.returns['guest-file-open']).toBe('int');
    expect(QGA_SHAPES.types['GuestExec']).toEqual({ struct: { pid: 'int' } });
    expect(QGA_SHAPES.types['GuestFileSeek']).toEqual({ struct: { position: 'int|bigint', eof: 'bool' } });
    expect(QGA_SHAPES.types['GuestDeviceIdPCI']).toEqual({ struct: { 'vendor-id': 'uint16', 'device-id': 'uint16' } });
  });
});
