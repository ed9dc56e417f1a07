import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import type { ExecResult } from '../../src/helpers/exec-types.js';

// A second copy of the module, as when an app loads both the ESM and the CJS build.
const secondCopy = '../../src/errors.js?second-copy';
const copy = (await import(secondCopy)) as typeof errors;

const result: ExecResult = { pid: 1, exitCode: 3, signal: null, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false };

const samples = () => [
  new errors.QgaConnectionError('lost'),
  new errors.QgaCommandError('guest-x', 'GenericError', 'bad'),
  new errors.QgaTimeoutError('guest-x', 10),
  new errors.QgaProtocolError('garbled'),
  new errors.QgaExecError('false', result),
];

describe('error hierarchy', () => {
  it('every error has a name, a stable code and is a QgaError', () => {
    expect(samples().map((e) => [e.name, e.code, e instanceof errors.QgaError, e instanceof Error])).toEqual([
      ['QgaConnectionError', 'QGA_CONNECTION', true, true],
      ['QgaCommandError', 'QGA_COMMAND', true, true],
      ['QgaTimeoutError', 'QGA_TIMEOUT', true, true],
      ['QgaProtocolError', 'QGA_PROTOCOL', true, true],
      ['QgaExecError', 'QGA_EXEC', true, true],
    ]);
  });

  it('instanceof works across two copies of the package', () => {
    expect(copy.QgaTimeoutError).not.toBe(errors.QgaTimeoutError);
    const foreign = new copy.QgaTimeoutError('guest-ping', 5);
    expect(foreign instanceof errors.QgaTimeoutError).toBe(true);
    expect(foreign instanceof errors.QgaError).toBe(true);
    expect(foreign instanceof errors.QgaCommandError).toBe(false);
    expect(errors.isQgaError(foreign)).toBe(true);
    expect(new errors.QgaExecError('x', result) instanceof copy.QgaExecError).toBe(true);
  });

  it('plain errors and non-objects are not QgaErrors', () => {
    expect(new Error('x') instanceof errors.QgaError).toBe(false);
    expect(errors.isQgaError({ code: 'QGA_TIMEOUT' })).toBe(false);
    expect(errors.isQgaError(null)).toBe(false);
  });

  it('a user subclass still works with instanceof', () => {
    class RetryableError extends errors.QgaConnectionError {}
    const e = new RetryableError('again');
    expect(e instanceof RetryableError).toBe(true);
    expect(e instanceof errors.QgaConnectionError).toBe(true);
    expect(new errors.QgaConnectionError('x') instanceof RetryableError).toBe(false);
  });

  it("a user subclass's instances are QgaErrors of this copy and of the other one", () => {
    class SlowGuestError extends errors.QgaTimeoutError {}
    const e = new SlowGuestError('guest-exec-status', 100);
    expect([e instanceof errors.QgaError, e instanceof errors.QgaTimeoutError, e instanceof SlowGuestError]).toEqual([true, true, true]);
    expect([e instanceof copy.QgaError, e instanceof copy.QgaTimeoutError]).toEqual([true, true]);
    expect(e instanceof errors.QgaCommandError).toBe(false);
    expect(e.name).toBe('SlowGuestError');
    expect(e.code).toBe('QGA_TIMEOUT');
  });

  it('a subclass of a user subclass is recognised by every class above it', () => {
    class AppError extends errors.QgaCommandError {}
    class GuestFileMissing extends AppError {}
    const e = new GuestFileMissing('guest-file-open', 'GenericError', 'No such file or directory');
    expect([e instanceof GuestFileMissing, e instanceof AppError, e instanceof errors.QgaCommandError, e instanceof copy.QgaError]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(new AppError('guest-x', 'GenericError', 'bad') instanceof GuestFileMissing).toBe(false);
  });

  it('prototypes are instances of the classes above them, as with ordinary classes', () => {
    const classes = [errors.QgaConnectionError, errors.QgaCommandError, errors.QgaTimeoutError, errors.QgaProtocolError, errors.QgaExecError];
    for (const Sub of classes) {
      expect(Sub.prototype instanceof errors.QgaError, Sub.name).toBe(true);
      expect(Sub.prototype instanceof copy.QgaError, Sub.name).toBe(true);
      // Like `class A {}; A.prototype instanceof A`: a prototype is not an instance of its own class.
      expect(Sub.prototype instanceof Sub, Sub.name).toBe(false);
    }
    expect(errors.QgaError.prototype instanceof errors.QgaError).toBe(false);
    expect(errors.QgaError.prototype instanceof copy.QgaError).toBe(false);
    expect(errors.QgaError.prototype instanceof Error).toBe(true);
    class Mine extends errors.QgaExecError {}
    expect(Mine.prototype instanceof errors.QgaExecError).toBe(true);
    expect(Mine.prototype instanceof Mine).toBe(false);
    expect(Object.create(errors.QgaTimeoutError.prototype) instanceof copy.QgaTimeoutError).toBe(true);
  });

  it('the brand is not an own property of each error, it is inherited from the prototype', () => {
    expect(Object.getOwnPropertySymbols(new errors.QgaProtocolError('garbled'))).toEqual([]);
  });

  it('messages carry the facts', () => {
    expect(new errors.QgaCommandError('guest-exec', 'GenericError', 'Failed to execute child process').message).toBe(
      'guest-exec: Failed to execute child process (GenericError)',
    );
    expect(new errors.QgaTimeoutError('guest-ping', 250).message).toBe('guest-ping: no reply within 250 ms');
    expect(new errors.QgaExecError('false', result).message).toBe('false (pid 1) exited with code 3');
  });
});
