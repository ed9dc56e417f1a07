import { describe, expect, it } from 'vitest';
import { modelReleases, parseModel } from '../../../scripts/generate/model.js';

const sha = 'a'.repeat(64);
const releases = [
  { version: '1.0.0', sha256: sha },
  { version: '2.0.0', sha256: sha },
];
const ping = { name: 'guest-ping', first: '1.0.0', last: '2.0.0', expr: { command: 'guest-ping' } };
const text = (over: Record<string, unknown>): string => JSON.stringify({ format: 1, releases, commands: [ping], types: [], ...over });

describe('reading the schema model file', () => {
  it('accepts a well-formed model', () => {
    expect(parseModel(text({}), 'm.json').commands).toEqual([ping]);
  });

  it('refuses another format version, naming the fix', () => {
    expect(() => parseModel(text({ format: 2 }), 'm.json')).toThrow('m.json: format 2 is not 1; re-run the schema import');
  });

  it('refuses releases out of order or without a proper sha256', () => {
    expect(() => parseModel(text({ releases: [...releases].reverse() }), 'm.json')).toThrow(/not in ascending order at 1\.0\.0/);
    expect(() => parseModel(text({ releases: [{ version: '1.0.0', sha256: 'x' }] }), 'm.json')).toThrow(/sha256 must be 64 hex digits/);
  });

  it('refuses a run that names an unknown release or ends before it starts', () => {
    expect(() => parseModel(text({ commands: [{ ...ping, last: '3.0.0' }] }), 'm.json')).toThrow(`commands[0] 'guest-ping': "last" must be one of the releases`);
    expect(() => parseModel(text({ commands: [{ ...ping, first: '2.0.0', last: '1.0.0' }] }), 'm.json')).toThrow(/"first" is after "last"/);
  });

  it('refuses two runs of one name that cover the same release', () => {
    const twice = [ping, { ...ping, first: '2.0.0', expr: { command: 'guest-ping', data: { x: 'int' } } }];
    expect(() => parseModel(text({ commands: twice }), 'm.json')).toThrow(`'guest-ping' is defined twice for one release`);
  });

  it('refuses an expression that is not QAPI, defines another name, or is in the wrong list', () => {
    expect(() => parseModel(text({ commands: [{ ...ping, expr: { command: 'guest-ping', data: { x: 1 } } }] }), 'm.json')).toThrow(/must be a QAPI expression/);
    expect(() => parseModel(text({ commands: [{ ...ping, expr: { command: 'guest-pong' } }] }), 'm.json')).toThrow(/"expr" defines 'guest-pong'/);
    expect(() => parseModel(text({ commands: [{ ...ping, expr: { struct: 'guest-ping', data: {} } }] }), 'm.json')).toThrow(/no definition keyword that belongs here/);
  });

  it('builds every release and refuses a reference to a type that release lacks', () => {
    const cmd = { name: 'c', first: '1.0.0', last: '2.0.0', expr: { command: 'c', returns: 'T' } };
    const type = { name: 'T', first: '2.0.0', last: '2.0.0', expr: { struct: 'T', data: {} } };
    const model = parseModel(text({ commands: [cmd], types: [type] }), 'm.json');
    expect(() => modelReleases(model, 'm.json')).toThrow("m.json (QEMU 1.0.0): command 'c' returns refers to unknown type 'T'");
  });

  it('keeps member names such as __proto__ as plain data', () => {
    const json = text({ commands: [{ ...ping, expr: { command: 'guest-ping', data: {} } }] }).replace('"data":{}', '"data":{"__proto__":"str"}');
    const [release] = modelReleases(parseModel(json, 'm.json'));
    expect(release!.schema.commands.get('guest-ping')!.data).toMatchObject([{ name: '__proto__' }]);
  });
});
