/**
 * The small console tools of the simulated Windows guest: `whoami`, `ping`, `taskkill`,
 * `reg query` (the code pages only), `chcp`, `timeout` and `crash.exe`, a test program
 * that dies with an access violation. They print in the console's code page and their
 * texts are in the guest's language.
 * @module
 */
import { print, println, type Program, type ProgramContext } from './runtime.js';

const CODE_PAGE_KEY = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage';

/** `chcp [page]`: shows or sets the console's output code page (shared by cmd's `chcp`). */
export function chcp(ctx: ProgramContext, arg: string | undefined): number {
  if (arg === undefined) {
    println(ctx, ctx.machine.texts.activeCodePage(ctx.console.outputCodePage));
    return 0;
  }
  const page = Number(arg);
  let known = Number.isInteger(page) && page > 0;
  try {
    if (known) ctx.machine.encoders.get(page);
  } catch {
    known = false;
  }
  if (!known) {
    println(ctx, ctx.machine.texts.invalidCodePage, 'stderr');
    return 1;
  }
  ctx.console.outputCodePage = page;
  println(ctx, ctx.machine.texts.activeCodePage(page));
  return 0;
}

const whoami: Program = (ctx) => {
  println(ctx, ctx.machine.texts.whoami);
  return 0;
};

/** `ping [-n count] host`: loopback answers (a second apart); any other host is unknown, and that goes to stdout. */
const ping: Program = async (ctx) => {
  const args = ctx.argv.slice(1);
  let count = 4;
  const at = args.findIndex((a) => a.toLowerCase() === '-n');
  if (at >= 0) {
    count = Math.max(1, Number(args[at + 1]) || 4);
    args.splice(at, 2);
  }
  const host = args.find((a) => !a.startsWith('-'));
  if (host === undefined) {
    println(ctx, ctx.machine.texts.syntaxError);
    return 1;
  }
  if (host !== '127.0.0.1' && host.toLowerCase() !== 'localhost') {
    println(ctx, ctx.machine.texts.pingUnknownHost(host));
    return 1;
  }
  println(ctx, '');
  println(ctx, `Pinging 127.0.0.1 with 32 bytes of data:`);
  for (let i = 0; i < count; i++) {
    if (i > 0) await ctx.process.sleep(1000);
    if (ctx.process.killed) return 1;
    println(ctx, 'Reply from 127.0.0.1: bytes=32 time<1ms TTL=128');
  }
  return 0;
};

/** `taskkill /PID n [/T] [/F]`: ends the process (and with /T its children); the victims exit 1. */
const taskkill: Program = (ctx) => {
  const args = ctx.argv.slice(1).map((a) => a.toUpperCase());
  const at = args.indexOf('/PID');
  const pid = Number(args[at + 1]);
  const target = at >= 0 ? ctx.machine.processes.live.get(pid) : undefined;
  if (!target) {
    println(ctx, ctx.machine.texts.taskkillNotFound(Number.isFinite(pid) ? pid : 0), 'stderr');
    return 128;
  }
  target.kill(args.includes('/T'));
  println(ctx, ctx.machine.texts.taskkillDone(pid, target.parent));
  return 0;
};

/** `reg query <CodePage key> [/v name]`: the code pages, as `reg` prints them (not localized). */
const reg: Program = (ctx) => {
  const [, verb = '', key = '', flag, name] = ctx.argv;
  const wanted = key.toUpperCase().replace(/^HKLM\\/, 'HKEY_LOCAL_MACHINE\\');
  if (verb.toLowerCase() !== 'query' || wanted !== CODE_PAGE_KEY.toUpperCase()) {
    println(ctx, ctx.machine.texts.regNotFound, 'stderr');
    return 1;
  }
  const { oem, ansi } = ctx.machine.codePages;
  const values: [string, string][] = [
    ['1250', 'c_1250.nls'],
    ['1251', 'c_1251.nls'],
    ['1252', 'c_1252.nls'],
    ['ACP', String(ansi)],
    ['OEMCP', String(oem)],
    ['MACCP', '10000'],
    ['OEMHAL', 'vgaoem.fon'],
  ];
  const shown = flag?.toLowerCase() === '/v' ? values.filter(([n]) => n.toUpperCase() === name?.toUpperCase()) : values;
  if (shown.length === 0) {
    println(ctx, ctx.machine.texts.regNotFound, 'stderr');
    return 1;
  }
  print(ctx, `\r\n${CODE_PAGE_KEY}\r\n${shown.map(([n, v]) => `    ${n}    REG_SZ    ${v}\r\n`).join('')}\r\n`);
  return 0;
};

/** `timeout /t N`: needs a console for input, which a guest-exec child never has. */
const timeout: Program = (ctx) => {
  println(ctx, ctx.machine.texts.timeoutNoRedirect, 'stderr');
  return 1;
};

/** A test program that crashes with an access violation (exit code 0xC0000005). */
const crash: Program = () => 0xc0000005;

const chcpProgram: Program = (ctx) => chcp(ctx, ctx.argv[1]);

/** The tools in System32, by file name (lower case). */
export const SYSTEM32_TOOLS: Readonly<Record<string, Program>> = {
  'whoami.exe': whoami,
  'ping.exe': ping,
  'taskkill.exe': taskkill,
  'reg.exe': reg,
  'timeout.exe': timeout,
  'chcp.com': chcpProgram,
  'crash.exe': crash,
};

