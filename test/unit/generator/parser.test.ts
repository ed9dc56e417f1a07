import { describe, expect, it } from 'vitest';
import { parseQapi, QapiParseError } from '../../../scripts/schema-import/parser.js';

const doc = (name: string, ...body: string[]): string => ['##', `# @${name}:`, ...body.map((l) => (l === '' ? '#' : `# ${l}`)), '##'].join('\n');

describe('QAPI parser', () => {
  it('skips comments between members, including indented comment lines inside an object', () => {
    const [e] = parseQapi(`{ 'pragma': {
    # Types whose member names may use '_'
    'member-name-exceptions': [ 'A' ], # trailing comment
    # another comment
    'x': true } }`);
    expect(e!.kind).toBe('pragma');
    expect(e!.expr.pragma).toEqual({ 'member-name-exceptions': ['A'], x: true });
  });

  it("keeps '#' inside strings and treats it as a comment outside", () => {
    const [e] = parseQapi(`{ 'struct': 'S', 'data': { 'a': 'str#not-a-comment' } } # real comment`);
    expect(e!.expr.data).toEqual({ a: 'str#not-a-comment' });
  });

  it('reads several top-level expressions with nothing between them', () => {
    const exprs = parseQapi(`{ 'enum': 'E', 'data': [ 'a', 'b' ] }{ 'command': 'c' }\n{ 'struct': 'S', 'data': {} }`);
    expect(exprs.map((e) => [e.kind, e.name])).toEqual([
      ['enum', 'E'],
      ['command', 'c'],
      ['struct', 'S'],
    ]);
  });

  it('attaches a doc block to the definition it names and keeps only its versions, not its text', () => {
    const [e] = parseQapi(`${doc('guest-x', 'Free text.', '', '@arg: an argument (since 2.6)', '', 'Since: 2.5')}\n{ 'command': 'guest-x', 'data': { 'arg': 'int' } }`);
    expect(e!.doc).toEqual({ since: '2.5', memberSince: { arg: '2.6' } });
    expect(JSON.stringify(e)).not.toMatch(/Free text|an argument/);
    expect(e!.line).toBe(9);
  });

  it('ignores a free-form doc block (no @name: line) and attaches the next one', () => {
    const src = `${['##', '# Manual intro.', '##'].join('\n')}\n\n${doc('S', 'Since: 1.0')}\n{ 'struct': 'S', 'data': {} }`;
    const [e] = parseQapi(src);
    expect(e!.doc?.since).toBe('1.0');
  });

  it('tolerates blank lines inside a doc block, as QEMU does', () => {
    const src = `##\n# @S:\n\n# Since: 9.1\n##\n{ 'struct': 'S', 'data': {} }`;
    expect(parseQapi(src)[0]!.doc?.since).toBe('9.1');
  });

  it('takes only the version from a Since line with extra text, or from its continuation line', () => {
    const [a, b] = parseQapi(
      `${doc('E', "Since: 2.2; 'Unknown' and all entries below since 2.4")}\n{ 'enum': 'E', 'data': [] }\n` +
        `${doc('F', 'Since:', '    10.0')}\n{ 'enum': 'F', 'data': [] }`,
    );
    expect(a!.doc?.since).toBe('2.2');
    expect(b!.doc?.since).toBe('10.0');
  });

  it('reads inline member since notes in all three spellings, across a line break, but not kernel versions', () => {
    const [e] = parseQapi(
      `${doc('S', '@a: one (since 2.4)', '@b: two (since: 3.1)', '@c: three (Since 7.1)', '@d: four (since', '    2.11)', '@e: kernel field (since Linux 2.6.33)', '', 'Since: 1.0')}\n` +
        `{ 'struct': 'S', 'data': { 'a': 'int', 'b': 'int', 'c': 'int', 'd': 'int', 'e': 'int' } }`,
    );
    expect(e!.doc?.memberSince).toEqual({ a: '2.4', b: '3.1', c: '7.1', d: '2.11' });
  });

  it('rejects a doc block followed by a different definition', () => {
    expect(() => parseQapi(`${doc('A', 'Since: 1.0')}\n{ 'struct': 'B', 'data': {} }`)).toThrow(/definition of 'B' follows documentation for 'A'/);
  });

  it('rejects a definition doc block at the end of the file', () => {
    expect(() => parseQapi(doc('A', 'Since: 1.0'))).toThrow(/not followed by its definition/);
  });

  it('rejects an unterminated doc block and junk after ##', () => {
    expect(() => parseQapi(`##\n# @A:\n{ 'struct': 'A', 'data': {} }`)).toThrow(/must end with '##'/);
    expect(() => parseQapi(`## junk\n# @A:\n##\n{ 'struct': 'A', 'data': {} }`)).toThrow(/junk after '##'/);
  });

  it('rejects duplicate keys with the position of the second one', () => {
    const src = `{ 'struct': 'S',\n  'data': { 'a': 'int',\n            'a': 'str' } }`;
    let error: unknown;
    try {
      parseQapi(src, 'dup.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QapiParseError);
    expect((error as QapiParseError).message).toBe("dup.json:3:13: duplicate key 'a'");
  });

  it('rejects duplicate top-level keys too', () => {
    expect(() => parseQapi(`{ 'command': 'a', 'command': 'b' }`)).toThrow(/duplicate key 'command'/);
  });

  it('accepts only the \\\\ escape in strings', () => {
    expect(parseQapi(String.raw`{ 'struct': 'S', 'data': { 'a': 'x\\y' } }`)[0]!.expr.data).toEqual({ a: 'x\\y' });
    expect(() => parseQapi(String.raw`{ 'struct': 'S', 'data': { 'a': 'x\'y' } }`)).toThrow(/unknown escape \\'/);
    expect(() => parseQapi(String.raw`{ 'struct': 'S', 'data': { 'a': 'x\ny' } }`)).toThrow(/unknown escape \\n/);
  });

  it('rejects strings with a newline or non-ASCII characters', () => {
    expect(() => parseQapi(`{ 'struct': 'S\n' }`)).toThrow(/missing terminating/);
    expect(() => parseQapi(`{ 'struct': 'Sé', 'data': {} }`)).toThrow(/funny character/);
  });

  it('rejects JSON-isms: double quotes, numbers, null, trailing commas', () => {
    expect(() => parseQapi(`{ "struct": "S" }`)).toThrow(/expected a string key/);
    expect(() => parseQapi(`{ 'struct': 'S', 'data': 1 }`)).toThrow(/expected a value/);
    expect(() => parseQapi(`{ 'struct': 'S', 'data': null }`)).toThrow(/expected a value/);
    expect(() => parseQapi(`{ 'struct': 'S', 'data': {}, }`)).toThrow(/expected a string key/);
  });

  it('rejects an expression with no or two definition keywords', () => {
    expect(() => parseQapi(`{ 'data': {} }`)).toThrow(/no definition keyword/);
    expect(() => parseQapi(`{ 'struct': 'S', 'enum': 'E' }`)).toThrow(/more than one/);
  });

  it('reads booleans and nested arrays', () => {
    const [e] = parseQapi(`{ 'command': 'c', 'success-response': false, 'boxed': true, 'x': [ [ 'a' ], [] ] }`);
    expect(e!.expr).toMatchObject({ 'success-response': false, boxed: true, x: [['a'], []] });
  });

  it('stores keys like __proto__ as plain data', () => {
    const [e] = parseQapi(`{ 'struct': 'S', 'data': { '__proto__': 'str' } }`);
    expect(Object.keys(e!.expr.data as object)).toEqual(['__proto__']);
  });
});
