import { describe, expect, it } from 'vitest';
import { mergeReleases } from '../../../scripts/generate/merge.js';
import { doc, file, generate, loadSchema } from './helpers.js';

const release = (version: string, text: string) => ({ version, schema: loadSchema(text, `${version}.json`) });

describe('merging releases', () => {
  const v1 = `
    ${doc('guest-a', '1.0')}{ 'command': 'guest-a', 'data': { 'x': 'str' } }
    ${doc('guest-gone', '0.5')}{ 'command': 'guest-gone' }
    ${doc('S', '1.0')}{ 'struct': 'S', 'data': { 'a': 'int', 'old': 'str' } }`;
  const v2 = `
    ${doc('guest-a', '1.0')}{ 'command': 'guest-a', 'data': { 'x': 'str', '*y': 'bool' }, 'if': 'CONFIG_LINUX' }
    ${doc('guest-b', '1.5')}{ 'command': 'guest-b', 'if': 'HAVE_UTMPX' }
    ${doc('S', '1.0', '@b: added (since 1.5)')}{ 'struct': 'S', 'data': { 'a': 'int', 'b': 'str' } }`;
  const v3 = `
    ${doc('guest-a', '1.0')}{ 'command': 'guest-a', 'data': { 'x': 'str', '*y': 'bool' }, 'if': 'CONFIG_LINUX' }
    ${doc('guest-b', '1.5')}{ 'command': 'guest-b', 'if': { 'any': [ 'CONFIG_WIN32', 'HAVE_UTMPX' ] } }
    ${doc('S', '1.0', '@b: added (since 1.5)')}{ 'struct': 'S', 'data': { 'a': 'int', 'b': 'str' } }`;
  const merged = mergeReleases([release('3.0.0', v3), release('1.0.0', v1), release('2.0.0', v2)]);

  it('orders releases numerically and keeps the newest shape', () => {
    expect(merged.versions).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(merged.commands.get('guest-a')!.def.if).toBe('CONFIG_LINUX');
    expect(merged.types.get('S')!.def).toMatchObject({ members: [{ name: 'a' }, { name: 'b' }] });
  });

  it('records first saved release, doc since, and removal', () => {
    expect(merged.commands.get('guest-b')).toMatchObject({ since: '1.5', firstSaved: '2.0.0', lastSaved: '3.0.0' });
    expect(merged.commands.get('guest-b')!.removedIn).toBeUndefined();
    expect(merged.commands.get('guest-gone')).toMatchObject({ since: '0.5', lastSaved: '1.0.0', removedIn: '2.0.0' });
  });

  it('records arguments and members added later, dated by the inline since when it fits', () => {
    expect(merged.commands.get('guest-a')!.changes).toEqual([
      { kind: 'added', member: 'y', previous: '1.0.0', saved: '2.0.0', version: '2.0.0' },
    ]);
    expect(merged.commands.get('guest-a')!.memberSince).toEqual({ y: { version: '2.0.0', notIn: '1.0.0' } });
    expect(merged.types.get('S')!.memberSince).toEqual({ b: { version: '1.5' } });
    expect(merged.types.get('S')!.changes).toEqual([
      { kind: 'added', member: 'b', previous: '1.0.0', saved: '2.0.0', version: '1.5' },
      { kind: 'removed', member: 'old', previous: '1.0.0', saved: '2.0.0', version: '2.0.0' },
    ]);
  });

  it('reports a changed build condition only when the old one was not empty', () => {
    expect(merged.commands.get('guest-a')!.changes.some((c) => c.kind === 'cond-changed')).toBe(false);
    expect(merged.commands.get('guest-b')!.changes).toEqual([
      { kind: 'cond-changed', from: 'HAVE_UTMPX', to: { any: ['CONFIG_WIN32', 'HAVE_UTMPX'] }, previous: '2.0.0', saved: '3.0.0', version: '3.0.0' },
    ]);
  });

  it('dates a member type change by the new type when its Since falls between the releases', () => {
    const before = `${doc('guest-exec', '2.5')}{ 'command': 'guest-exec', 'data': { '*capture-output': 'bool' } }`;
    const after = `${doc('Mode', '8.1')}{ 'enum': 'Mode', 'data': [ 'none', 'merged' ] }
      ${doc('Capture', '8.1')}{ 'alternate': 'Capture', 'data': { 'flag': 'bool', 'mode': 'Mode' } }
      ${doc('guest-exec', '2.5')}{ 'command': 'guest-exec', 'data': { '*capture-output': 'Capture' } }`;
    const m = mergeReleases([release('8.0.0', before), release('8.2.0', after)]);
    expect(m.commands.get('guest-exec')!.changes).toEqual([
      { kind: 'type-changed', member: 'capture-output', from: 'bool', to: 'Capture', previous: '8.0.0', saved: '8.2.0', version: '8.1' },
    ]);
  });

  it('replaces a Since that the saved files contradict, from the corrections table or else the first release', () => {
    const old = `{ 'command': 'c' }`;
    const next = `${doc('T', '8.0')}{ 'enum': 'T', 'data': [ 'x' ] }\n${doc('U', '8.0')}{ 'enum': 'U', 'data': [ 'x' ] }\n{ 'command': 'c' }`;
    const m = mergeReleases([release('8.0.0', old), release('8.2.0', next)], { T: '8.1' });
    expect(m.types.get('T')!.since).toBe('8.1');
    expect(m.types.get('U')!.since).toBe('8.2.0');
    expect(m.warnings).toEqual(['U: doc says since 8.0, but 8.0.0 lacks it; using 8.2.0']);
  });

  it('puts the history into the TSDoc of methods and members', () => {
    const gen = generate({ '1.0.0': v1, '2.0.0': v2, '3.0.0': v3 });
    const methods = file(gen, 'methods.ts');
    expect(methods).toContain('The argument `y` exists since QEMU 2.0.0 (not in 1.0.0); older agents reject it.');
    expect(methods).toContain('Up to QEMU 2.0.0 the platform condition was: needs utmpx (`HAVE_UTMPX`).');
    expect(methods).toContain('Removed in QEMU 2.0.0 (last in 1.0.0).');
    expect(file(gen, 'commands.ts')).toMatch(/name: 'guest-gone',\n {4}method: 'guestGone',\n {4}since: '0\.5',\n {4}removedIn: '2\.0\.0',/);
    const types = file(gen, 'types.ts');
    expect(types).toContain('The member `old` was removed in QEMU 2.0.0 (last in 1.0.0).');
    expect(types).toContain('  /** @since QEMU 1.5 */\n  b: string;');
  });
});
