/**
 * The simulated Windows PowerShell 5.1 (`powershell.exe`): `-Command`, `-EncodedCommand`
 * (base64 of UTF-16LE), `-File` (UTF-8 with a BOM, else the ANSI page), `-NoProfile`,
 * `-NonInteractive`, `-ExecutionPolicy`. A small language: `Write-Output` / `echo` /
 * `Write-Host` and bare values ('…', "…" with `$env:X` and `$x`), variable assignments,
 * `[Console]::OutputEncoding = …`, `Start-Sleep`, `Write-Error`, `throw`, `exit N`, and
 * native programs. Output is written in `[Console]::OutputEncoding` (the OEM page until
 * changed; `[Text.Encoding]::UTF8` adds a BOM). With `-EncodedCommand` the error stream is
 * CLIXML, with a progress record unless `$ProgressPreference` was silenced. Without
 * `SystemRoot` in its environment it cannot load .NET and fails.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { codePageDecoder } from '../../../guest-os/code-pages.js';
import { findProgram } from './lookup.js';
import { envGet, type Program, type ProgramContext } from './runtime.js';

interface OutputEncoding {
  page: number;
  bom: boolean;
}

const NOT_RECOGNIZED = {
  en: (name: string) => `${name} : The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
  de: (name: string) => `${name} : Die Benennung "${name}" wurde nicht als Name eines Cmdlet, einer Funktion, einer Skriptdatei oder eines ausführbaren Programms erkannt. Überprüfen Sie die Schreibweise des Namens, oder ob der Pfad korrekt ist (sofern enthalten), und wiederholen Sie den Vorgang.`,
} as const;

/** Split a script into statements at newlines and `;` outside quotes. */
function statements(script: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of script) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\n' || ch === ';') {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out.map((s) => s.replace(/\r$/, '').trim()).filter((s) => s !== '' && !s.startsWith('#'));
}

/** Split arguments on spaces outside quotes, quotes kept. */
function words(text: string): string[] {
  return text.match(/'(?:[^']|'')*'|"(?:[^"`]|`.)*"|\S+/g) ?? [];
}

/** `[Console]::OutputEncoding = <this>`. */
function encodingOf(expr: string): OutputEncoding | undefined {
  const e = expr.replace(/\s+/g, ' ').trim().toLowerCase();
  if (/^new-object (system\.)?text\.utf8encoding \$false$/.test(e)) return { page: 65001, bom: false };
  if (/^new-object (system\.)?text\.utf8encoding( \$true)?$/.test(e) || /^\[(system\.)?text\.encoding\]::utf8$/.test(e)) return { page: 65001, bom: true };
  if (/^\[(system\.)?text\.encoding\]::unicode$/.test(e)) return { page: 1200, bom: false };
  const n = /^\[(system\.)?text\.encoding\]::getencoding\((\d+)\)$/.exec(e);
  return n ? { page: Number(n[2]), bom: false } : undefined;
}

function xmlText(text: string): string {
  return text
    .replace(/_x([0-9a-fA-F]{4})_/g, '_x005F_x$1_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\r\n\t]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

const PROGRESS_RECORD =
  '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>';

class PsSession {
  readonly #ctx: ProgramContext;
  readonly #clixml: boolean;
  readonly #vars = new Map<string, string>();
  #encoding: OutputEncoding;
  #bomWritten = false;
  #clixmlOpen = false;
  #silentProgress = false;
  failed = false;

  constructor(ctx: ProgramContext, clixml: boolean) {
    this.#ctx = ctx;
    this.#clixml = clixml;
    this.#encoding = { page: ctx.console.outputCodePage, bom: false };
  }

  #write(text: string): void {
    if (this.#encoding.bom && !this.#bomWritten && this.#encoding.page === 65001) {
      this.#bomWritten = true;
      this.#ctx.io.stdout(Buffer.from([0xef, 0xbb, 0xbf]));
    }
    this.#ctx.io.stdout(this.#ctx.machine.encode(text, this.#encoding.page));
  }

  #stderr(text: string): void {
    this.#ctx.io.stderr(this.#ctx.machine.encode(text, this.#encoding.page));
  }

  /** An error record: CLIXML under -EncodedCommand, else PowerShell's text form. */
  error(message: string, category: string): void {
    this.failed = true;
    if (this.#clixml) {
      this.#openClixml();
      this.#stderr(`<S S="Error">${xmlText(`${message}\r\n`)}</S><S S="Error">${xmlText(`    + CategoryInfo          : ${category}\r\n`)}</S>`);
    } else {
      this.#stderr(`${message}\r\n    + CategoryInfo          : ${category}\r\n \r\n`);
    }
  }

  #openClixml(): void {
    if (this.#clixmlOpen) return;
    this.#clixmlOpen = true;
    this.#stderr('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">');
    // Module auto-loading reports progress, which lands on stderr as CLIXML too.
    if (!this.#silentProgress) this.#stderr(PROGRESS_RECORD);
  }

  close(): void {
    if (this.#clixml && !this.#silentProgress) this.#openClixml();
    if (this.#clixmlOpen) this.#stderr('</Objs>');
  }

  #value(token: string): string {
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token.startsWith('"')) {
      return token
        .slice(1, -1)
        .replace(/`(.)/g, (_w, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c)
        .replace(/\$env:(\w+)/gi, (_w, name: string) => envGet(this.#ctx.env, name) ?? '')
        .replace(/\$(\w+)/g, (_w, name: string) => this.#vars.get(name.toLowerCase()) ?? '');
    }
    const env = /^\$env:(\w+)$/i.exec(token);
    if (env) return envGet(this.#ctx.env, env[1] as string) ?? '';
    if (token.startsWith('$')) return this.#vars.get(token.slice(1).toLowerCase()) ?? '';
    return token;
  }

  /** Run one statement; a number is the exit code that ends the script. */
  async run(statement: string): Promise<number | undefined> {
    const [head = '', ...rest] = words(statement);
    const verb = head.toLowerCase();
    const restText = statement.slice(head.length).trim();
    if (verb === 'exit') return rest[0] === undefined ? 0 : Number(this.#value(rest[0])) >>> 0;
    if (verb === 'throw') {
      const message = rest.length > 0 ? this.#value(restText) : 'ScriptHalted';
      this.error(message, `OperationStopped: (${message}:String) [], RuntimeException`);
      return 1;
    }
    if (verb === 'write-error') {
      this.error(this.#value(restText), 'NotSpecified: (:) [Write-Error], WriteErrorException');
      return undefined;
    }
    if (verb === 'write-output' || verb === 'echo' || verb === 'write-host') {
      for (const w of rest) this.#write(`${this.#value(w)}\r\n`);
      return undefined;
    }
    if (verb === 'start-sleep') {
      const ms = /-m(illi)?s(econds)?\s+(\d+)/i.exec(restText)?.[3];
      const s = /(?:-s(econds)?\s+)?(\d+(\.\d+)?)/i.exec(restText)?.[2];
      await this.#ctx.process.sleep(ms !== undefined ? Number(ms) : Number(s ?? 0) * 1000);
      return undefined;
    }
    const assign = /^(\[console\]::outputencoding|\$[\w:]+)\s*=\s*(.*)$/i.exec(statement);
    if (assign) {
      const target = (assign[1] as string).toLowerCase();
      const expr = assign[2] as string;
      if (target === '[console]::outputencoding') {
        const enc = encodingOf(expr);
        if (enc) {
          this.#encoding = enc;
          if (enc.page !== 1200) this.#ctx.console.outputCodePage = enc.page;
        }
      } else if (target === '$progresspreference') {
        this.#silentProgress = /silentlycontinue/i.test(expr);
      } else if (target !== '$outputencoding') {
        this.#vars.set(target.slice(1), this.#value(words(expr)[0] ?? ''));
      }
      return undefined;
    }
    if (/^['"$]/.test(head) || /^-?\d+$/.test(head)) {
      this.#write(`${this.#value(head)}\r\n`);
      return undefined;
    }
    return this.#native(head, statement);
  }

  async #native(head: string, statement: string): Promise<undefined> {
    if (!findProgram(this.#ctx.machine, head, this.#ctx.env)) {
      this.error(NOT_RECOGNIZED[this.#ctx.machine.locale](head), `ObjectNotFound: (${head}:String) [], CommandNotFoundException`);
      return undefined;
    }
    const silent = /\s*(?:>|\|\s*out-null)\s*(\$null)?\s*$/i;
    const toNull = silent.test(statement);
    const line = statement.replace(silent, '');
    const code = await this.#ctx.spawn(line, { stdout: toNull ? () => undefined : (b) => this.#ctx.io.stdout(b), stderr: (b) => this.#ctx.io.stderr(b) }, this.#ctx.env);
    this.#vars.set('lastexitcode', String(code ?? 1));
    this.failed = (code ?? 1) !== 0;
    return undefined;
  }
}

/** What the arguments ask for. */
function parseArgs(ctx: ProgramContext): { script: string | undefined; file: string | undefined; encoded: boolean } {
  const args = ctx.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const name = (args[i] as string).replace(/^[-/]/, '').toLowerCase();
    if (['executionpolicy', 'ep', 'inputformat', 'outputformat', 'windowstyle'].includes(name)) i++;
    else if (['encodedcommand', 'enc', 'e', 'ec'].includes(name)) return { script: Buffer.from(args[i + 1] ?? '', 'base64').toString('utf16le'), file: undefined, encoded: true };
    else if (['command', 'c'].includes(name)) return { script: args.slice(i + 1).join(' '), file: undefined, encoded: false };
    else if (['file', 'f'].includes(name)) return { script: undefined, file: args[i + 1], encoded: false };
  }
  return { script: undefined, file: undefined, encoded: false };
}

/** `powershell.exe`. */
export const powershell: Program = async (ctx) => {
  if (envGet(ctx.env, 'SystemRoot') === undefined) {
    // .NET cannot start without it (…failed with error 8009001d); the exit code is as
    // reported in the field, not confirmed on a guest.
    ctx.io.stderr(ctx.machine.encode('Internal Windows PowerShell error.  Loading managed Windows PowerShell failed with error 8009001d.\r\n', ctx.console.outputCodePage));
    return 0xfffd0000;
  }
  const { script: given, file, encoded } = parseArgs(ctx);
  let script = given;
  if (file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(ctx.machine.volume.resolve(file));
    } catch {
      ctx.io.stderr(ctx.machine.encode(`The argument '${file}' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.\r\n`, ctx.console.outputCodePage));
      return 0xfffd0000;
    }
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    // PowerShell 5.1 reads a script without BOM in the ANSI page.
    script = bom ? bytes.subarray(3).toString('utf8') : (codePageDecoder(ctx.machine.codePages.ansi) ?? ((b: Uint8Array) => Buffer.from(b).toString('latin1')))(bytes);
  }
  if (script === undefined) return 0;
  const session = new PsSession(ctx, encoded);
  let exit: number | undefined;
  for (const statement of statements(script)) {
    exit = await session.run(statement);
    if (exit !== undefined || ctx.process.killed) break;
  }
  session.close();
  return exit ?? (session.failed ? 1 : 0);
};
