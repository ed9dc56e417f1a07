/**
 * How the simulated `cmd.exe` reads text (enough of cmd's parser for what automation
 * sends it): its own switches and the `/s` quote rule, `%VAR%` expansion, `^` escapes,
 * the `&`, `&&` and `||` operators outside quotes, and `>nul`-style redirections. Pipes,
 * parenthesised blocks, `if`, `for` and `goto` labels are not simulated.
 * @module
 */
import { envGet } from './runtime.js';

/** cmd's switches and the command after `/c` (or `/k`). */
export interface CmdInvocation {
  readonly unicode: boolean;
  readonly keepQuotes: boolean;
  readonly command: string | undefined;
}

/** Skip argv[0] the way the CRT does: a quoted name ends at the next quote. */
function afterProgram(line: string): string {
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1);
    return end === -1 ? '' : line.slice(end + 1);
  }
  const end = line.search(/[ \t]/);
  return end === -1 ? '' : line.slice(end);
}

const SPECIAL = /[&<>()@^|]/;

/**
 * Parse `cmd.exe`'s raw command line. The quote rule after `/c`: with `/s`, or unless the
 * line holds exactly two quotes around a plain program path with a space, a leading `"`
 * and the last `"` are removed.
 */
export function parseCmdInvocation(line: string, isProgram: (path: string) => boolean): CmdInvocation {
  let rest = afterProgram(line);
  let unicode = false;
  let strip = false;
  for (;;) {
    rest = rest.replace(/^[ \t]+/, '');
    const sw = /^\/([a-zA-Z])(:\w+)?/.exec(rest);
    if (!sw) return { unicode, keepQuotes: true, command: undefined };
    const letter = (sw[1] as string).toLowerCase();
    rest = rest.slice(sw[0].length);
    if (letter === 'u') unicode = true;
    if (letter === 's') strip = true;
    if (letter === 'c' || letter === 'k') break;
  }
  let command = rest.replace(/^[ \t]+/, '');
  if (command.startsWith('"')) {
    const quotes = [...command].filter((c) => c === '"').length;
    const inner = command.slice(1, command.indexOf('"', 1));
    const keep = !strip && quotes === 2 && !SPECIAL.test(inner) && /[ \t]/.test(inner) && isProgram(inner);
    if (!keep) {
      const last = command.lastIndexOf('"');
      command = last > 0 ? command.slice(1, last) + command.slice(last + 1) : command.slice(1);
    }
  }
  return { unicode, keepQuotes: !strip, command };
}

/**
 * `%NAME%` expansion. On a command line an undefined variable stays as written; in a batch
 * file it becomes nothing, `%%` is `%` and `%0`–`%9` are the batch's arguments.
 */
export function expandVariables(text: string, env: Readonly<Record<string, string>>, errorlevel: number, batchArgs?: readonly string[]): string {
  return text.replace(/%%|%([0-9])|%([^%\r\n]+)%/g, (whole, digit: string | undefined, name: string | undefined) => {
    if (whole === '%%') return batchArgs ? '%' : whole;
    if (digit !== undefined) return batchArgs ? (batchArgs[Number(digit)] ?? '') : whole;
    const key = name as string;
    if (key.toUpperCase() === 'ERRORLEVEL') return envGet(env, key) ?? String(errorlevel);
    if (key.toUpperCase() === 'CD') return envGet(env, key) ?? 'C:\\Windows\\System32';
    return envGet(env, key) ?? (batchArgs ? '' : whole);
  });
}

/** One command of a line and the operator that joins it to the previous one. */
export interface CommandPart {
  readonly op: '&' | '&&' | '||' | undefined;
  readonly text: string;
}

/** Split a line at `&`, `&&`, `||` outside quotes; `^` escapes the next character (and is dropped). */
export function splitOperators(line: string): CommandPart[] | 'pipe' {
  const parts: CommandPart[] = [];
  let current = '';
  let op: CommandPart['op'];
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '^') {
      current += line[i + 1] ?? '';
      i++;
      continue;
    }
    if (!quoted && (ch === '&' || ch === '|')) {
      const double = line[i + 1] === ch;
      if (ch === '|' && !double) return 'pipe';
      parts.push({ op, text: current });
      op = double ? (ch === '&' ? '&&' : '||') : '&';
      current = '';
      if (double) i++;
      continue;
    }
    current += ch;
  }
  parts.push({ op, text: current });
  return parts;
}

/** Where a command's output goes. */
export interface Redirections {
  /** `nul`, a file path (`append` for `>>`), or undefined for the console. */
  readonly stdout: { readonly target: string; readonly append: boolean } | undefined;
  /** `nul`, `&1` (to stdout), a file, or undefined. */
  readonly stderr: { readonly target: string; readonly append: boolean } | undefined;
}

/** Take `[n]>target`, `[n]>>target` and `2>&1` out of a command, outside quotes. */
export function takeRedirections(text: string): { command: string; redirections: Redirections } {
  let stdout: Redirections['stdout'];
  let stderr: Redirections['stderr'];
  let command = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    if (quoted || ch !== '>') {
      command += ch;
      continue;
    }
    let fd = 1;
    if (/[12]$/.test(command) && /(^|[ \t])[12]$/.test(command)) {
      fd = Number(command.at(-1));
      command = command.slice(0, -1);
    }
    const append = text[i + 1] === '>';
    if (append) i++;
    let j = i + 1;
    while (text[j] === ' ' || text[j] === '\t') j++;
    let target = '';
    if (text[j] === '&') {
      target = `&${text[j + 1] ?? ''}`;
      j += 2;
    } else {
      while (j < text.length && !/[ \t]/.test(text[j] as string)) target += text[j++];
    }
    i = j - 1;
    const redirection = { target: target.toLowerCase() === 'nul' ? 'nul' : target, append };
    if (fd === 2) stderr = redirection;
    else stdout = redirection;
  }
  return { command, redirections: { stdout, stderr } };
}

/** The program of an external command (a quoted path keeps its spaces) and the rest. */
export function firstWord(command: string): { word: string; rest: string } {
  const trimmed = command.replace(/^[ \t@]+/, '');
  if (trimmed.startsWith('"')) {
    const end = trimmed.indexOf('"', 1);
    return end === -1 ? { word: trimmed.slice(1), rest: '' } : { word: trimmed.slice(1, end), rest: trimmed.slice(end + 1) };
  }
  const end = trimmed.search(/[ \t]/);
  return end === -1 ? { word: trimmed, rest: '' } : { word: trimmed.slice(0, end), rest: trimmed.slice(end) };
}

/**
 * The internal command a command starts with, if any, and what follows it (cmd ends an
 * internal command's name at a space, `.`, `(`, `=`, `,`, `;`, `/` or `\\`: `echo.`
 * is `echo` and `.`).
 */
export function internalCommand(command: string, names: ReadonlySet<string>): { name: string; rest: string } | undefined {
  const trimmed = command.replace(/^[ \t@]+/, '');
  const match = /^([a-zA-Z]+)(?=$|[ \t.(=,;/\\:+])/.exec(trimmed);
  const name = match?.[1]?.toLowerCase();
  if (name === undefined || !names.has(name)) return undefined;
  return { name, rest: trimmed.slice(name.length) };
}
