/**
 * Renders QAPI `if` conditions for people: `Linux or Windows`,
 * `Windows, or Linux with libudev`. The macros are QEMU build switches (QEMU's
 * `meson.build`); a client cannot evaluate them, it can only say which builds have a command.
 */
import type { Cond } from './schema-model.js';

interface MacroText {
  /** Plain OS names join as "A or B"; other terms join as "A, or B". */
  os?: boolean;
  text: string;
  /** Wording inside an "or" list, when it differs ("Windows, or POSIX with utmpx"). */
  inAny?: string;
}

const MACROS: Readonly<Record<string, MacroText>> = {
  CONFIG_LINUX: { os: true, text: 'Linux' },
  CONFIG_WIN32: { os: true, text: 'Windows' },
  CONFIG_FREEBSD: { os: true, text: 'FreeBSD' },
  CONFIG_POSIX: { os: true, text: 'POSIX' },
  // FIFREEZE on Linux, UFSSUSPEND on FreeBSD (QEMU meson.build).
  CONFIG_FSFREEZE: { text: 'Linux/FreeBSD with fsfreeze support (FIFREEZE/UFSSUSPEND)' },
  CONFIG_FSTRIM: { text: 'Linux with FITRIM (fstrim support)' },
  CONFIG_LIBUDEV: { text: 'Linux with libudev' },
  // Library functions probed by meson; Windows has none of them.
  HAVE_GETIFADDRS: { text: 'needs getifaddrs', inAny: 'POSIX with getifaddrs' },
  HAVE_UTMPX: { text: 'needs utmpx', inAny: 'POSIX with utmpx' },
  CONFIG_GETLOADAVG: { text: 'needs getloadavg', inAny: 'POSIX with getloadavg' },
};

/** Order of OS names in "A or B" lists, so `any: [WIN32, LINUX]` and `[LINUX, WIN32]` read the same. */
const OS_ORDER = ['CONFIG_LINUX', 'CONFIG_FREEBSD', 'CONFIG_POSIX', 'CONFIG_WIN32'];

/** Readable condition, e.g. `Linux or Windows`. Unknown macros are shown by name. */
export function describeCond(cond: Cond): string {
  return render(cond, false);
}

function render(cond: Cond, nested: boolean): string {
  if (typeof cond === 'string') return MACROS[cond]?.text ?? cond;
  if ('not' in cond) return `not ${render(cond.not, true)}`;
  if ('all' in cond) {
    if (cond.all.length === 1) return render(cond.all[0]!, nested);
    const text = cond.all.map((c) => render(c, true)).join(' and ');
    return nested ? `(${text})` : text;
  }
  if (cond.any.length === 1) return render(cond.any[0]!, nested);
  const items = [...cond.any].sort((a, b) => rank(a) - rank(b));
  const osOnly = items.every((c) => typeof c === 'string' && MACROS[c]?.os === true);
  const parts = items.map((c) => (typeof c === 'string' ? (MACROS[c]?.inAny ?? render(c, true)) : render(c, true)));
  let text: string;
  if (osOnly) text = `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)!}`;
  else text = parts.join(', or ');
  return nested ? `(${text})` : text;
}

/** OS names first in a fixed order, then everything else in schema order. */
function rank(c: Cond): number {
  if (typeof c !== 'string') return OS_ORDER.length + 1;
  const i = OS_ORDER.indexOf(c);
  return i === -1 ? OS_ORDER.length : i;
}

/** C-like form, as QEMU's docs print it: `CONFIG_WIN32 || CONFIG_LIBUDEV`. */
export function condToC(cond: Cond): string {
  return cToText(cond, false);
}

function cToText(cond: Cond, nested: boolean): string {
  if (typeof cond === 'string') return cond;
  if ('not' in cond) return `!${cToText(cond.not, true)}`;
  const [op, list] = 'all' in cond ? [' && ', cond.all] : [' || ', cond.any];
  const text = list.map((c) => cToText(c, true)).join(op);
  return nested && list.length > 1 ? `(${text})` : text;
}

export function sameCond(a: Cond | undefined, b: Cond | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
