import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crtSplitCommandLine, glibCommandLine, glibQuoteArg, windowsArgvProblem } from '../../src/guest-os/windows-command-line.js';

/** Characters that matter to GLib's quoting and the CRT's split, plus some that do not. */
const tricky = fc.constantFrom(' ', '\t', '"', '\\', 'a', 'Z', '0', '&', '%', '^', 'é', '€', '\n', "'", '/', ':');
const argText = fc.array(tricky, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
/** A program path: no quote (no Windows path has one), not ending in a backslash. */
const program = fc
  .array(fc.constantFrom('C', ':', '\\', 'P', 'r', 'o', ' ', 'x', '.', 'e'), { minLength: 1, maxLength: 16 })
  .map((chars) => chars.join(''))
  .filter((p) => !p.endsWith('\\') && p.trim() !== '' && !/^[ \t]/.test(p));

describe('argv → GLib command line → C runtime argv', () => {
  it('every argv without empty arguments comes back exactly', () => {
    fc.assert(
      fc.property(program, fc.array(argText, { maxLength: 8 }), (prog, args) => {
        const argv = [prog, ...args];
        expect(crtSplitCommandLine(glibCommandLine(argv))).toEqual(argv);
      }),
      { numRuns: 2000 },
    );
  });

  it('empty arguments vanish, and only they do; windowsArgvProblem names the first', () => {
    fc.assert(
      fc.property(program, fc.array(fc.oneof(argText, fc.constant('')), { maxLength: 8 }), (prog, args) => {
        const argv = [prog, ...args];
        expect(crtSplitCommandLine(glibCommandLine(argv))).toEqual([prog, ...args.filter((a) => a !== '')]);
        const problem = windowsArgvProblem(argv);
        if (args.includes('')) expect(problem).toContain(`argument ${args.indexOf('') + 1} is empty`);
        else expect(problem).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('GLib quotes only arguments with a space or a tab', () => {
    fc.assert(
      fc.property(argText, (arg) => {
        expect(glibQuoteArg(arg).startsWith('"')).toBe(/[ \t]/.test(arg));
      }),
    );
  });
});

describe('known command lines', () => {
  it.each([
    [['prog', 'a b'], 'prog "a b"'],
    [['prog', 'say "hi"'], 'prog "say \\"hi\\""'],
    [['prog', 'C:\\dir with space\\'], 'prog "C:\\dir with space\\\\"'],
    [['prog', 'C:\\nospace\\'], 'prog C:\\nospace\\'],
    [['prog', 'a\\"b'], 'prog a\\\\\\"b'],
    [['C:\\Program Files\\app.exe', '-x'], '"C:\\Program Files\\app.exe" -x'],
    [['prog', '', 'b'], 'prog  b'],
  ])('%j → %s', (argv, line) => {
    expect(glibCommandLine(argv)).toBe(line);
  });

  it('the CRT reads "" inside quotes as a literal quote, and an unquoted program name without escapes', () => {
    expect(crtSplitCommandLine('p "a""b" c')).toEqual(['p', 'a"b', 'c']);
    expect(crtSplitCommandLine('C:\\x\\y.exe a')).toEqual(['C:\\x\\y.exe', 'a']);
    expect(crtSplitCommandLine('"C:\\a b\\y.exe" "q')).toEqual(['C:\\a b\\y.exe', 'q']);
  });

  it('refuses quotes for cmd.exe and batch files, not for other programs', () => {
    expect(windowsArgvProblem(['cmd.exe', '/c', 'echo', '"x"'])).toContain('cmd.exe does not read');
    expect(windowsArgvProblem(['C:\\Tools\\Build.BAT', 'a"b'])).toContain('double quote');
    expect(windowsArgvProblem(['powershell.exe', '-Command', 'echo "x"'])).toBeUndefined();
    expect(windowsArgvProblem(['cmd.exe', '/c', 'dir', 'C:\\Program Files'])).toBeUndefined();
  });

  it('refuses a command line past 32,766 characters', () => {
    expect(windowsArgvProblem(['prog', 'x'.repeat(32_761)])).toBeUndefined();
    expect(windowsArgvProblem(['prog', 'x'.repeat(32_762)])).toContain('at most 32766');
  });
});
