/**
 * How an argv crosses qemu-ga on Windows, and what does not survive the trip.
 *
 * `guest-exec` calls `g_spawn_async_with_pipes`; GLib joins the argv into one command
 * line (`gspawn-win32.c:protect_argv_string`, also in `gspawn-win32-helper.c`): an
 * argument is put in double quotes only if it holds a space or a tab, `"` becomes `\"`,
 * backslashes are doubled only before a `"` (and before the closing quote). An empty
 * argument becomes nothing at all. `CreateProcessW` hands the child that line, and the
 * child's C runtime splits it again (UCRT's `parse_command_line`, the "Parsing C
 * command-line arguments" rules). For a CRT program the round trip is exact except that
 * empty arguments vanish. `cmd.exe` (and so `.bat` / `.cmd` files) does not use the CRT:
 * it reads the raw line after `/c`, does not know `\"`, and interprets `& | < > ^ %`.
 * @module
 */

/** `CreateProcessW` takes at most 32,767 UTF-16 units, the terminating NUL included. */
export const MAX_COMMAND_LINE = 32_766;

/** GLib's quoting of one argument (`protect_argv_string`). */
export function glibQuoteArg(arg: string): string {
  const needQuotes = arg.includes(' ') || arg.includes('\t');
  let out = needQuotes ? '"' : '';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '"') out += '\\' + '\\'.repeat(backslashes);
    backslashes = ch === '\\' ? backslashes + 1 : 0;
    out += ch;
  }
  if (needQuotes) out += '\\'.repeat(backslashes) + '"';
  return out;
}

/** The command line GLib builds from an argv (program included). */
export function glibCommandLine(argv: readonly string[]): string {
  return argv.map(glibQuoteArg).join(' ');
}

/**
 * The argv a C-runtime program gets from `line` (UCRT rules): the program name ends at
 * the next space or tab, or is everything between a leading `"` and the next `"`; then
 * arguments are split on spaces and tabs outside quotes, `2n` backslashes before `"`
 * give `n` and toggle quoting, `2n+1` give `n` and a literal `"`, `""` inside quotes is a
 * literal `"`, and other backslashes are literal.
 */
export function crtSplitCommandLine(line: string): string[] {
  const argv: string[] = [];
  let i = 0;
  // argv[0]: no escapes.
  let program = '';
  if (line[0] === '"') {
    i = 1;
    while (i < line.length && line[i] !== '"') program += line[i++];
    if (i < line.length) i++;
  } else {
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') program += line[i++];
  }
  argv.push(program);
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    for (;;) {
      let backslashes = 0;
      while (line[i] === '\\') {
        i++;
        backslashes++;
      }
      let copy = true;
      if (line[i] === '"') {
        if (backslashes % 2 === 0) {
          if (quoted && line[i + 1] === '"') i++;
          else {
            copy = false;
            quoted = !quoted;
          }
        }
        backslashes = Math.floor(backslashes / 2);
      }
      arg += '\\'.repeat(backslashes);
      const ch = line[i];
      if (ch === undefined || (!quoted && (ch === ' ' || ch === '\t'))) break;
      if (copy) arg += ch;
      i++;
    }
    argv.push(arg);
  }
  return argv;
}

/** True when `program` is run by `cmd.exe`'s own parser: cmd itself, or a batch file. */
export function isCmdProgram(program: string): boolean {
  const base = program.replace(/^.*[\\/]/, '').toLowerCase();
  return base === 'cmd' || base === 'cmd.exe' || base.endsWith('.bat') || base.endsWith('.cmd');
}

/**
 * Why `argv` would not reach a Windows program as given, or `undefined` when it would.
 * Checked before anything is sent: empty arguments vanish, `cmd.exe` would read GLib's
 * `\"` as a backslash and a quote, and an over-long line cannot be started.
 */
export function windowsArgvProblem(argv: readonly string[]): string | undefined {
  const [program = ''] = argv;
  if (program.includes('"')) return 'the program path contains a double quote, which no Windows path can';
  const empty = argv.findIndex((arg, i) => i > 0 && arg === '');
  if (empty > 0) {
    return `argument ${empty} is empty: qemu-ga for Windows (GLib) leaves empty arguments out of the command line, so the program would never see it`;
  }
  if (isCmdProgram(program)) {
    const quoted = argv.findIndex((arg, i) => i > 0 && arg.includes('"'));
    if (quoted > 0) {
      return `argument ${quoted} contains a double quote: GLib escapes it as \\" and cmd.exe does not read that escape (use shell(), which writes such scripts to a batch file)`;
    }
  }
  const length = glibCommandLine(argv).length;
  if (length > MAX_COMMAND_LINE) return `the command line would be ${length} characters; Windows takes at most ${MAX_COMMAND_LINE}`;
  return undefined;
}
