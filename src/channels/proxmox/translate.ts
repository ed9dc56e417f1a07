/**
 * QGA wire shapes ↔ Proxmox parameters and replies, so the client's helpers (exec, spawn,
 * password, power) work unchanged through Proxmox: `guest-exec`'s `{path, arg,
 * input-data}` becomes exec's `command` array and byte string, exec-status comes back with
 * booleans and base64 output as qemu-ga sends them, and a `result.error` inside a 200
 * becomes the agent error it is.
 * @module
 */
import { QgaCommandError, QgaProtocolError } from '../../errors.js';
import { decodeBase64Argument, fromByteString, toByteString } from './encoding.js';
import { PROXMOX_LIMITS, type ArgumentMapping, type ReplyShape } from './endpoints.js';

/** Parameters of one request: a query for GETs, a JSON body for POSTs. */
export type ProxmoxParams = Record<string, string | number | boolean | string[]>;

const CHANNEL = 'the Proxmox VE channel';

/** A command Proxmox cannot carry as asked; nothing was sent. */
export function refused(command: string, why: string): QgaCommandError {
  return new QgaCommandError(command, 'GenericError', `${why}; refused by ${CHANNEL} before sending`);
}

function onlyKeys(command: string, args: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (args[key] !== undefined && !allowed.includes(key)) throw refused(command, `Proxmox's ${command.replace(/^guest-/, '')} endpoint takes no '${key}' argument`);
  }
}

/** Maps the QGA arguments of `command`; rejects what Proxmox cannot pass on. */
export function mapArguments(command: string, mapping: ArgumentMapping, args: Record<string, unknown> | undefined): ProxmoxParams {
  const a = args ?? {};
  switch (mapping) {
    case 'none':
      onlyKeys(command, a, []);
      return {};
    case 'fstrim':
      // Proxmox passes no arguments: only the agent's default (minimum 0) can be asked for.
      if (a['minimum'] !== undefined && a['minimum'] !== 0) throw refused(command, "Proxmox's fstrim endpoint takes no 'minimum' (it always trims everything)");
      onlyKeys(command, a, ['minimum']);
      return {};
    case 'shutdown':
      // qemu-server sends guest-shutdown without a mode: always powerdown.
      if (a['mode'] !== undefined && a['mode'] !== 'powerdown') throw refused(command, `Proxmox's shutdown endpoint has no mode and always powers the guest down; mode '${String(a['mode'])}' cannot be sent`);
      onlyKeys(command, a, ['mode']);
      return {};
    case 'exec':
      return execParams(command, a);
    case 'exec-status':
      onlyKeys(command, a, ['pid']);
      if (!Number.isSafeInteger(a['pid'])) throw new TypeError(`${command}: pid must be an integer`);
      return { pid: a['pid'] as number };
    case 'password':
      return passwordParams(command, a);
  }
}

function execParams(command: string, a: Record<string, unknown>): ProxmoxParams {
  onlyKeys(command, a, ['path', 'arg', 'env', 'input-data', 'capture-output']);
  const { path, arg, env } = a;
  if (typeof path !== 'string' || path === '') throw new TypeError(`${command}: path must be a non-empty string`);
  if (arg !== undefined && !(Array.isArray(arg) && arg.every((x) => typeof x === 'string'))) throw new TypeError(`${command}: arg must be an array of strings`);
  if (Array.isArray(env) && env.length > 0) {
    throw refused(command, "Proxmox's exec endpoint cannot pass an environment (env); run the program under /usr/bin/env NAME=value … instead");
  }
  // Proxmox always captures both streams apart; keeping one of them is the helpers' job,
  // but merging them is not something the output can be turned into afterwards.
  if (a['capture-output'] === 'merged') throw refused(command, "Proxmox's exec endpoint captures stdout and stderr apart; capture mode 'merged' cannot be had (run the program under sh -c '… 2>&1')");
  const params: ProxmoxParams = { command: [path, ...((arg) ?? [])] };
  if (a['input-data'] !== undefined) {
    const input = decodeBase64Argument(a['input-data'], `${command}: input-data`);
    if (input.length > PROXMOX_LIMITS.execInput) {
      throw refused(command, `stdin of ${input.length} bytes is more than Proxmox's exec input-data limit of ${PROXMOX_LIMITS.execInput} bytes`);
    }
    if (input.length > 0) params['input-data'] = toByteString(input);
  }
  return params;
}

function passwordParams(command: string, a: Record<string, unknown>): ProxmoxParams {
  onlyKeys(command, a, ['username', 'password', 'crypted']);
  const { username, crypted } = a;
  if (typeof username !== 'string' || username === '') throw new TypeError(`${command}: username must be a non-empty string`);
  const password = decodeBase64Argument(a['password'], `${command}: password`);
  // Never quote the password: say only how long it is.
  if (password.length < PROXMOX_LIMITS.passwordMin || password.length > PROXMOX_LIMITS.passwordMax) {
    throw refused(command, `Proxmox takes passwords of ${PROXMOX_LIMITS.passwordMin} to ${PROXMOX_LIMITS.passwordMax} bytes; this one has ${password.length}`);
  }
  return { username, password: toByteString(password), crypted: crypted === true };
}

/** Unwraps a reply's `data` into the QGA return value. */
export function mapReply(command: string, shape: ReplyShape, data: unknown): unknown {
  switch (shape) {
    case 'result': {
      if (data === null || data === undefined) return undefined;
      if (typeof data !== 'object') throw new QgaProtocolError(`${command}: Proxmox's reply has no result object`);
      const result = (data as { result?: unknown }).result;
      const error = typeof result === 'object' && result !== null ? (result as { error?: unknown }).error : undefined;
      if (typeof error === 'object' && error !== null) {
        // 200 with the agent's error inside: these endpoints skip check_agent_error.
        const e = error as { class?: unknown; desc?: unknown };
        throw new QgaCommandError(command, typeof e.class === 'string' ? e.class : 'GenericError', typeof e.desc === 'string' ? e.desc : JSON.stringify(error));
      }
      return result;
    }
    case 'exec': {
      const pid = (data as { pid?: unknown } | null)?.pid;
      if (!Number.isSafeInteger(pid)) throw new QgaProtocolError(`${command}: Proxmox's reply carries no pid`);
      return { pid };
    }
    case 'exec-status':
      return execStatus(command, data);
  }
}

/** 1/0 or a real boolean (the schema says boolean; Proxmox's JSON encoder writes integers). */
function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

/**
 * exec-status as qemu-ga sends it. Proxmox base64-decodes `out-data`/`err-data` (when
 * non-empty) into byte strings; they are encoded back, so the helpers decode them as
 * they do for every channel.
 */
function execStatus(command: string, data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || !('exited' in data)) throw new QgaProtocolError(`${command}: Proxmox's reply is not an exec status`);
  const d = data as Record<string, unknown>;
  const status: Record<string, unknown> = { exited: flag(d['exited']) };
  for (const key of ['exitcode', 'signal'] as const) if (typeof d[key] === 'number') status[key] = d[key];
  for (const key of ['out-data', 'err-data'] as const) {
    const value = d[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new QgaProtocolError(`${command}: ${key} is not a string`);
    status[key] = fromByteString(value, `${command} ${key}`).toString('base64');
  }
  for (const key of ['out-truncated', 'err-truncated'] as const) if (d[key] !== undefined) status[key] = flag(d[key]);
  return status;
}
