import { describe, expect, it } from 'vitest';
import { supportsCaptureModes } from '../../../src/helpers/exec-capture.js';
import { decodeExited } from '../../../src/helpers/exec-decode.js';
import { AGENT_CAPTURE_LIMIT } from '../../../src/helpers/exec-truncation.js';
import { truncationFlagsReliable } from '../../../src/protocol/exec-truncation-flags.js';
import { planFromArgv, planFromRequest, planWait } from '../../../src/helpers/exec-options.js';
import { DEFAULT_OUTPUT } from '../../../src/helpers/exec-text.js';
import type { QgaClient } from '../../../src/index.js';

const both = { wire: true, keepStdout: true, keepStderr: true } as const;
/** utf8 and buffer decoding never ask the guest anything. */
const noClient = {} as QgaClient;
const asBuffer = { ...DEFAULT_OUTPUT, encoding: 'buffer' } as const;

describe('argument checks: TypeError before anything is sent', () => {
  const bad: [string, unknown, unknown][] = [
    ['argv not an array', 'ls -l', undefined],
    ['empty argv', [], undefined],
    ['empty program', [''], undefined],
    ['non-string item', ['ls', 1], undefined],
    ['NUL in argv', ['ls', 'a\0b'], undefined],
    ['options not an object', ['ls'], 'fast'],
    ['unknown option', ['ls'], { timout: 5 }],
    ['env not a record', ['ls'], { env: ['A=1'] }],
    ['env a Map', ['ls'], { env: new Map([['A', '1']]) }],
    ['env value not a string', ['ls'], { env: { A: 1 } }],
    ['env name with =', ['ls'], { env: { 'A=B': '1' } }],
    ['env name empty', ['ls'], { env: { '': '1' } }],
    ['NUL in env value', ['ls'], { env: { A: 'x\0' } }],
    ['input a number', ['ls'], { input: 42 }],
    ['input an ArrayBuffer', ['ls'], { input: new ArrayBuffer(2) }],
    ['unknown capture', ['ls'], { capture: 'both' }],
    ['unknown encoding', ['ls'], { encoding: 'latin1' }],
    ['zero pollTimeout', ['ls'], { pollTimeout: 0 }],
  ];
  for (const [name, argv, options] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => planFromArgv('exec', argv, options as never, true)).toThrow(TypeError);
    });
  }

  const badWait: [string, unknown][] = [
    ['negative timeout', { timeout: -1 }],
    ['NaN timeout', { timeout: Number.NaN }],
    ['timeout past the timer range', { timeout: 2 ** 31 }],
    ['signal not an AbortSignal', { signal: {} }],
    ['check not a boolean', { check: 'yes' }],
    ['pollInterval max below initial', { pollInterval: { initial: 50, max: 10 } }],
    ['pollInterval not an object', { pollInterval: 10 }],
    ['killOnAbandon not a boolean', { killOnAbandon: 1 }],
  ];
  for (const [name, options] of badWait) {
    it(`rejects ${name}`, () => {
      expect(() => planWait('exec', options as never)).toThrow(TypeError);
    });
  }

  it('spawn options do not take wait options (they would be ignored)', () => {
    expect(() => planFromArgv('spawn', ['ls'], { timeout: 5 } as never)).toThrow(/unknown option 'timeout'/);
  });

  it('execAndWait refuses the same field given twice, and unknown request fields', () => {
    expect(() => planFromRequest('execAndWait', { path: 'ls', env: ['A=1'] }, { env: { B: '2' } })).toThrow(TypeError);
    expect(() => planFromRequest('execAndWait', { path: 'ls', 'input-data': 'AA==' }, { input: 'x' })).toThrow(TypeError);
    expect(() => planFromRequest('execAndWait', { path: 'ls', 'capture-output': true }, { capture: 'none' })).toThrow(TypeError);
    expect(() => planFromRequest('execAndWait', { path: 'ls', args: ['-l'] }, undefined)).toThrow(/unknown guest-exec argument 'args'/);
    expect(() => planFromRequest('execAndWait', { path: 'ls', env: ['NOEQUALS'] }, undefined)).toThrow(TypeError);
    expect(() => planFromRequest('execAndWait', { path: 'ls', 'input-data': 'not base64!' }, undefined)).toThrow(TypeError);
  });

  it('a pollInterval with only initial above the default cap raises the cap to it', () => {
    expect(planWait('exec', { pollInterval: { initial: 500 } })).toMatchObject({ initial: 500, max: 500 });
  });
});

describe('request building', () => {
  it('argv becomes path + arg; string input is UTF-8; env keeps insertion order', () => {
    const plan = planFromArgv('exec', ['echo', 'é'], { input: 'é', env: { Z: '1', A: '2' } });
    expect(plan.request).toEqual({ path: 'echo', arg: ['é'], env: ['Z=1', 'A=2'], 'input-data': Buffer.from('é').toString('base64') });
    expect(plan.capture).toBe('separated');
    expect(plan.encoding).toBe('utf8');
  });

  it('a Uint8Array view is encoded from its own bytes, not its whole buffer', () => {
    const backing = Uint8Array.of(1, 2, 3, 4, 5);
    const plan = planFromArgv('exec', ['cat'], { input: backing.subarray(1, 3) });
    expect(plan.request['input-data']).toBe(Buffer.of(2, 3).toString('base64'));
  });
});

describe('truncation rule: what the agent said, read as its release means it', () => {
  const atCap = Buffer.alloc(AGENT_CAPTURE_LIMIT).toString('base64');
  it.each([
    ['no flag, small', { 'out-data': 'aGk=' }, undefined, false],
    ['flag true, small (a fixed agent)', { 'out-data': 'aGk=', 'out-truncated': true }, undefined, true],
    ['flag false, small (only a fixed agent sends false for output it did not cut)', { 'out-data': 'aGk=', 'out-truncated': false }, undefined, false],
    ['no flag at the cap (an old agent omits it for output it did not cut)', { 'out-data': atCap }, undefined, false],
    ['flag false at the cap, from an agent that sets it right', { 'out-data': atCap, 'out-truncated': false }, true, false],
    ['flag false at the cap, from an old agent (its false means cut)', { 'out-data': atCap, 'out-truncated': false }, false, true],
    ['flag false at the cap, agent unknown: the safe reading', { 'out-data': atCap, 'out-truncated': false }, undefined, true],
  ] as const)('%s', async (_name, fields, flagsReliable, truncated) => {
    const result = await decodeExited(noClient, 1, { exited: true, exitcode: 0, ...fields }, asBuffer, both, flagsReliable);
    expect(result.stdoutTruncated).toBe(truncated);
    expect(result.stderrTruncated).toBe(false);
  });

  it('stderr follows the same rule', async () => {
    expect((await decodeExited(noClient, 1, { exited: true, exitcode: 0, 'err-data': atCap, 'err-truncated': false }, DEFAULT_OUTPUT, both, false)).stderrTruncated).toBe(true);
    expect((await decodeExited(noClient, 1, { exited: true, exitcode: 0, 'err-data': atCap }, DEFAULT_OUTPUT, both)).stderrTruncated).toBe(false);
  });

  it.each([
    ['7.2.19', false],
    ['7.2.20', true],
    ['8.2.2', false],
    ['9.2.0', false],
    ['10.0.3', false],
    ['10.0.4', true],
    ['10.1.0', false],
    ['10.1.1', true],
    ['10.2.0', true],
    ['11.0.0', true],
    ['something else', false],
    // virtio-win builds: judged by their upstream base, no stable backport assumed.
    ['108.0.2', false],
    ['110.0.2', false],
  ])('agent %s sets the truncation flags right: %s', (version, reliable) => {
    expect(truncationFlagsReliable(version)).toBe(reliable);
  });
});

describe('capture modes by version', () => {
  it.each([
    ['7.2.22', false],
    ['8.0.0', false],
    ['8.0.5', false],
    ['8.1.0', true],
    ['8.2.2', true],
    ['10.2.0', true],
    ['something else', true],
  ])('%s → %s', (version, supported) => {
    expect(supportsCaptureModes(version)).toBe(supported);
  });
});
