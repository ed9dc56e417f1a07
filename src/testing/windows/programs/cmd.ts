/**
 * The simulated `cmd.exe`: `/c` (`/k`), `/d`, `/s`, `/u`; the internal commands `echo`,
 * `set`, `type`, `dir`, `ver`, `chcp`, `exit [/b] N`, `cd`, `del`, `mkdir`, `call`,
 * `rem`; `&`, `&&`, `||`, `>nul`, `2>nul`, `2>&1`, `>file`; batch files (`@echo off`,
 * `%1`, `%%`, `exit /b`, `goto :eof`) and external programs. Internal commands print in
 * the console's output code page (`chcp` changes it for everything that runs after it in
 * that console), or in UTF-16LE under `/u`. It reads its raw command line, as the real
 * one does: GLib's `\"` means nothing to it.
 * @module
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { codePageDecoder } from '../../../guest-os/code-pages.js';
import { SYSTEM32, WindowsPathError } from '../volume.js';
import { expandVariables, firstWord, internalCommand, parseCmdInvocation, splitOperators, takeRedirections, type Redirections } from './cmd-parse.js';
import { findProgram } from './lookup.js';
import { chcp } from './tools.js';
import type { Program, ProgramContext, ProgramIo } from './runtime.js';

const INTERNAL = new Set(['echo', 'set', 'type', 'dir', 'ver', 'chcp', 'exit', 'cd', 'chdir', 'del', 'erase', 'mkdir', 'md', 'call', 'rem', 'cls']);
const WINDOWS_VERSION = 'Microsoft Windows [Version 10.0.20348.2849]';

/** How a line or batch ended: normally, by `exit /b` or by `exit`. */
type Flow = 'next' | 'end-batch' | 'exit';

interface Batch {
  readonly args: readonly string[];
}

/** One cmd.exe process. */
class CmdSession {
  readonly #ctx: ProgramContext;
  readonly #unicode: boolean;
  readonly env: Record<string, string>;
  errorlevel = 0;
  #echo = true;

  constructor(ctx: ProgramContext, unicode: boolean) {
    this.#ctx = ctx;
    this.#unicode = unicode;
    this.env = { ...ctx.env };
  }

  #text(text: string): Buffer {
    return this.#unicode ? Buffer.from(text, 'utf16le') : this.#ctx.machine.encode(text, this.#ctx.console.outputCodePage);
  }

  /** Run one line (`/c`'s, or a batch file's); `batch` switches on batch-file expansion. */
  async runLine(line: string, io: ProgramIo, batch?: Batch): Promise<Flow> {
    const expanded = expandVariables(line, this.env, this.errorlevel, batch?.args);
    const parts = splitOperators(expanded);
    if (parts === 'pipe') {
      io.stderr(this.#text(`${this.#ctx.machine.texts.syntaxError}\r\n`));
      this.errorlevel = 255;
      return 'next';
    }
    for (const part of parts) {
      if (part.op === '&&' && this.errorlevel !== 0) continue;
      if (part.op === '||' && this.errorlevel === 0) continue;
      if (part.text.trim() === '') continue;
      const flow = await this.#runCommand(part.text, io, batch);
      if (flow !== 'next' || this.#ctx.process.killed) return flow;
    }
    return 'next';
  }

  async #openRedirect(target: { target: string; append: boolean }): Promise<(bytes: Buffer) => void> {
    if (target.target === 'nul') return () => undefined;
    const host = this.#ctx.machine.volume.resolve(target.target);
    if (!target.append) await fsp.writeFile(host, '');
    return (bytes) => void fsp.appendFile(host, bytes);
  }

  async #io(parent: ProgramIo, r: Redirections): Promise<ProgramIo> {
    const stdout = r.stdout ? await this.#openRedirect(r.stdout) : parent.stdout;
    const stderr = r.stderr ? (r.stderr.target === '&1' ? stdout : await this.#openRedirect(r.stderr)) : parent.stderr;
    return { stdout, stderr };
  }

  async #runCommand(text: string, parentIo: ProgramIo, batch: Batch | undefined): Promise<Flow> {
    const { command, redirections } = takeRedirections(text);
    let io: ProgramIo;
    try {
      io = await this.#io(parentIo, redirections);
    } catch {
      parentIo.stderr(this.#text(`${this.#ctx.machine.message('PATH_NOT_FOUND')}\r\n`));
      this.errorlevel = 1;
      return 'next';
    }
    const internal = internalCommand(command, INTERNAL);
    if (internal) return this.#internal(internal.name, internal.rest, io, batch);
    const { word } = firstWord(command);
    const code = await this.#ctx.spawn(command.replace(/^[ \t@]+/, '').trimEnd(), io, this.env);
    if (code === undefined) {
      io.stderr(this.#text(`${this.#ctx.machine.texts.notRecognized(word)}\r\n`));
      this.errorlevel = 9009;
    } else {
      this.errorlevel = code | 0;
    }
    return 'next';
  }

  async #internal(name: string, rest: string, io: ProgramIo, batch: Batch | undefined): Promise<Flow> {
    const out = (text: string): void => io.stdout(this.#text(text));
    const err = (text: string): void => io.stderr(this.#text(text));
    const arg = rest.replace(/^[ \t]+/, '').trimEnd();
    // Like the real one, echo, rem, ver and cd leave ERRORLEVEL as it was.
    if (!['echo', 'rem', 'cls', 'ver', 'cd', 'chdir', 'exit', 'call'].includes(name)) this.errorlevel = 0;
    switch (name) {
      case 'rem':
      case 'cls':
        return 'next';
      case 'echo': {
        const word = arg.toLowerCase();
        if (rest === '') out(`${this.#ctx.machine.texts.echoState(this.#echo)}\r\n`);
        else if (word === 'off' || word === 'on') this.#echo = word === 'on';
        // The character after `echo` separates; everything after it is printed as is.
        else out(`${rest.slice(1)}\r\n`);
        return 'next';
      }
      case 'ver':
        out(`\r\n${WINDOWS_VERSION}\r\n`);
        return 'next';
      case 'cd':
      case 'chdir':
        out(`${SYSTEM32}\r\n`);
        return 'next';
      case 'chcp': {
        // The tool and the internal command share the console: same effect.
        this.errorlevel = chcp({ ...this.#ctx, io: { stdout: (b) => io.stdout(b), stderr: (b) => io.stderr(b) } }, arg === '' ? undefined : arg);
        return 'next';
      }
      case 'set':
        return this.#set(arg, out, err);
      case 'exit': {
        const m = /^(\/b)?\s*(-?\d+)?/i.exec(arg);
        this.errorlevel = m?.[2] === undefined ? this.errorlevel : Number(m[2]);
        return m?.[1] && batch ? 'end-batch' : 'exit';
      }
      case 'type':
        return this.#type(arg, io, err);
      case 'dir':
        return this.#dir(arg, out, err);
      case 'del':
      case 'erase':
        for (const file of arg.split(/\s+/).filter((a) => a !== '' && !a.startsWith('/'))) {
          await fsp.rm(this.#ctx.machine.volume.resolve(file.replace(/"/g, '')), { force: true });
        }
        return 'next';
      case 'mkdir':
      case 'md':
        await fsp.mkdir(this.#ctx.machine.volume.resolve(arg.replace(/"/g, '')), { recursive: true });
        return 'next';
      case 'call': {
        const { word, rest: callArgs } = firstWord(arg);
        if (/\.(bat|cmd)$/i.test(word)) return (await this.runBatch(word, callArgs.trim().split(/\s+/).filter(Boolean), io)) === 'exit' ? 'exit' : 'next';
        return this.runLine(arg, io, batch);
      }
      default:
        return 'next';
    }
  }

  #set(arg: string, out: (t: string) => void, err: (t: string) => void): Flow {
    const body = arg.startsWith('"') && arg.endsWith('"') ? arg.slice(1, -1) : arg;
    const eq = body.indexOf('=');
    if (eq > 0) {
      const name = body.slice(0, eq);
      const existing = Object.keys(this.env).find((k) => k.toUpperCase() === name.toUpperCase());
      if (existing !== undefined) delete this.env[existing];
      if (body.slice(eq + 1) !== '') this.env[name] = body.slice(eq + 1);
      return 'next';
    }
    const all = Object.entries({ PROMPT: '$P$G', ...this.env }).sort(([a], [b]) => a.toUpperCase().localeCompare(b.toUpperCase()));
    const shown = all.filter(([k]) => k.toUpperCase().startsWith(body.toUpperCase()));
    if (shown.length === 0) {
      err(`Environment variable ${body} not defined\r\n`);
      this.errorlevel = 1;
      return 'next';
    }
    out(shown.map(([k, v]) => `${k}=${v}\r\n`).join(''));
    return 'next';
  }

  async #type(arg: string, io: ProgramIo, err: (t: string) => void): Promise<Flow> {
    try {
      io.stdout(await fsp.readFile(this.#ctx.machine.volume.resolve(arg.replace(/"/g, ''))));
    } catch (error) {
      err(`${this.#ctx.machine.message(error instanceof WindowsPathError ? error.win32 : 'FILE_NOT_FOUND')}\r\n`);
      this.errorlevel = 1;
    }
    return 'next';
  }

  async #dir(arg: string, out: (t: string) => void, err: (t: string) => void): Promise<Flow> {
    const target = arg.replace(/"/g, '').replace(/\s*\/\S+/g, '') || SYSTEM32;
    try {
      const host = this.#ctx.machine.volume.resolve(target);
      const entries = (await fsp.readdir(host, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      const lines = [` Directory of ${target}`, ''];
      for (const e of entries) {
        const size = e.isDirectory() ? '<DIR>         ' : String((await fsp.stat(path.join(host, e.name))).size).padStart(14);
        lines.push(`01/01/2025  12:00 PM    ${size} ${e.name}`);
      }
      out(`${lines.join('\r\n')}\r\n`);
    } catch {
      err(`${this.#ctx.machine.message('FILE_NOT_FOUND')}\r\n`);
      this.errorlevel = 1;
    }
    return 'next';
  }

  /** Run a batch file: each line read in the console's current code page, as cmd does. */
  async runBatch(file: string, args: readonly string[], io: ProgramIo): Promise<Flow> {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(this.#ctx.machine.volume.resolve(file));
    } catch {
      io.stderr(this.#text(`${this.#ctx.machine.message('FILE_NOT_FOUND')}\r\n`));
      this.errorlevel = 1;
      return 'next';
    }
    const lines = bytes.toString('latin1').split(/\r?\n/);
    for (const raw of lines) {
      const decode = codePageDecoder(this.#ctx.console.outputCodePage) ?? ((b: Uint8Array) => Buffer.from(b).toString('latin1'));
      const line = decode(Buffer.from(raw, 'latin1'));
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith(':') || /^@?rem(\s|$)/i.test(trimmed)) continue;
      if (/^goto\s+:eof$/i.test(trimmed)) return 'end-batch';
      if (this.#echo && !trimmed.startsWith('@')) io.stdout(this.#text(`\r\n${SYSTEM32}>${trimmed}\r\n`));
      const flow = await this.runLine(trimmed.replace(/^@/, ''), io, { args: [file, ...args] });
      if (flow === 'exit') return 'exit';
      if (flow === 'end-batch' || this.#ctx.process.killed) return 'next';
    }
    return 'next';
  }
}

/** `cmd.exe`. */
export const cmd: Program = async (ctx) => {
  const invocation = parseCmdInvocation(ctx.commandLine, (p) => findProgram(ctx.machine, p, ctx.env) !== undefined);
  const session = new CmdSession(ctx, invocation.unicode);
  if (invocation.command === undefined) {
    // Interactive: stdin is NUL or a closed pipe, so it ends at once.
    ctx.io.stdout(ctx.machine.encode(`${WINDOWS_VERSION}\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\n${SYSTEM32}>`, ctx.console.outputCodePage));
    return 0;
  }
  const { word } = firstWord(invocation.command);
  if (/\.(bat|cmd)$/i.test(word) && invocation.command.trim() === word) await session.runBatch(word, [], ctx.io);
  else await session.runLine(invocation.command, ctx.io);
  return session.errorlevel >>> 0;
};

/** A batch file run directly (`CreateProcess` starts cmd.exe /c for it). */
export function batchProgram(file: string): Program {
  return async (ctx) => {
    const session = new CmdSession(ctx, false);
    const args = ctx.argv.slice(1);
    await session.runBatch(file, args, ctx.io);
    return session.errorlevel >>> 0;
  };
}

