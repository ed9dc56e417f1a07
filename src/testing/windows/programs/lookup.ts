/**
 * Which program a name starts, as the UCRT's `_wspawnvp` under GLib finds it [inferred]:
 * a name with a directory is taken as it is; a bare name is looked for in the agent's
 * working directory (System32) first, then in each `PATH` directory of the process's
 * environment; without an extension `.com`, `.exe`, `.bat` and `.cmd` are tried, in that
 * order, without case. Programs are the built-in fakes where they live on a real system,
 * the test's scripted programs (found by name, with or without extension, anywhere), and
 * batch files in the guest's drives (run by cmd.exe).
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { formatWindowsPath, parseWindowsPath, SYSTEM32 } from '../volume.js';
import type { WindowsMachine } from '../machine.js';
import { envGet } from './runtime.js';
import { SYSTEM32_TOOLS } from './tools.js';

/** What starts when a name is run. */
export type FoundProgram =
  | { readonly kind: 'builtin'; readonly path: string; readonly name: string }
  | { readonly kind: 'script'; readonly path: string; readonly key: string }
  | { readonly kind: 'batch'; readonly path: string };

const POWERSHELL_DIR = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0';
const EXTENSIONS = ['.com', '.exe', '.bat', '.cmd'];

/** The built-in programs by directory (lower case) and file name (lower case). */
function builtinsIn(dir: string): ReadonlySet<string> {
  const d = dir.toLowerCase();
  if (d === SYSTEM32.toLowerCase()) return new Set(['cmd.exe', ...Object.keys(SYSTEM32_TOOLS)]);
  if (d === POWERSHELL_DIR.toLowerCase()) return new Set(['powershell.exe']);
  return new Set();
}

function baseName(p: string): string {
  return p.replace(/^.*[\\/]/, '');
}

function hasExtension(name: string): boolean {
  return EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
}

/** A scripted program for `name`: by full name, by base name with or without extension, without case. */
function scriptFor(machine: WindowsMachine, name: string): string | undefined {
  const keys = [...machine.scripts.keys()];
  const base = baseName(name).toLowerCase();
  const stem = base.replace(/\.(com|exe|bat|cmd)$/, '');
  return (
    keys.find((k) => k === name) ??
    keys.find((k) => k.toLowerCase() === name.toLowerCase()) ??
    keys.find((k) => {
      const kb = baseName(k).toLowerCase();
      return kb === base || kb === stem || kb.replace(/\.(com|exe|bat|cmd)$/, '') === stem;
    })
  );
}

/** Is `full` (a Windows path) a program here? */
function probe(machine: WindowsMachine, full: string): FoundProgram | undefined {
  const parsed = parseWindowsPath(full);
  const path = formatWindowsPath(parsed);
  const dir = formatWindowsPath({ drive: parsed.drive, parts: parsed.parts.slice(0, -1) });
  const file = (parsed.parts.at(-1) ?? '').toLowerCase();
  if (builtinsIn(dir).has(file)) return { kind: 'builtin', path, name: file };
  if (/\.(bat|cmd)$/.test(file)) {
    try {
      const host = machine.volume.resolve(path);
      if (existsSync(host) && statSync(host).isFile()) return { kind: 'batch', path };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Find the program `name` would start, with `env`'s PATH; `undefined` when there is none. */
export function findProgram(machine: WindowsMachine, name: string, env: Readonly<Record<string, string>>): FoundProgram | undefined {
  const script = scriptFor(machine, name);
  if (script !== undefined) return { kind: 'script', path: name, key: script };
  const candidates = hasExtension(name) ? [name] : EXTENSIONS.map((e) => name + e);
  const dirs = /[\\/:]/.test(name) ? [''] : [SYSTEM32, ...(envGet(env, 'PATH') ?? '').split(';').filter((d) => d !== '')];
  for (const dir of dirs) {
    for (const candidate of candidates) {
      const found = probe(machine, dir === '' ? candidate : `${dir.replace(/[\\/]+$/, '')}\\${candidate}`);
      if (found) return found;
    }
  }
  return machine.scripts.has('*') ? { kind: 'script', path: name, key: '*' } : undefined;
}

