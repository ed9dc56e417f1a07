/**
 * What each agent endpoint does once a request passed auth, permissions and validation,
 * after qemu-server 9.2's `PVE/API2/Qemu/Agent.pm`: the 20 simple
 * commands with their result (or the agent's error) inside a 200, exec and exec-status with
 * Proxmox's conversions, the file-read and file-write composites, set-user-password.
 * @module
 */
import type { AgentAnswer } from './agent-link.js';
import { PveError, type SimulatedVm } from './vm.js';

const MiB = 1024 * 1024;
const WIDE = /[\u0100-\uffff]/;

/** Perl's `encode_base64`: a newline after every 76 characters and at the end. */
function perlBase64(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  return b64 === '' ? '' : `${b64.replace(/.{1,76}/g, '$&\n')}`;
}

/** A byte string (one character per byte) as bytes; a wider character dies in encode_base64. */
function byteStringBytes(text: string, line: number): Buffer {
  if (WIDE.test(text)) throw new PveError(500, `Wide character in subroutine entry at /usr/share/perl5/PVE/API2/Qemu/Agent.pm line ${line}.`);
  return Buffer.from(text, 'latin1');
}

/** The composites use `check_agent_error`: an agent error is a 500 `Agent error: …`. */
function checked(answer: AgentAnswer): unknown {
  if (!answer.ok) throw new PveError(500, `Agent error: ${answer.desc}`);
  return answer.value;
}

/** A simple command: `{"result": R}`, or the agent's error inside it (no check_agent_error). */
export async function simple(vm: SimulatedVm, command: string): Promise<unknown> {
  const answer = await vm.command(`guest-${command}`);
  return { result: answer.ok ? (answer.value ?? null) : { error: { class: answer.errorClass, desc: answer.desc } } };
}

/** exec: argv from `command`, stdin from `input-data`, output always captured; `{pid}` unwrapped. */
export async function exec(vm: SimulatedVm, values: Record<string, unknown>): Promise<unknown> {
  const [path, ...arg] = values['command'] as string[];
  if (path === undefined) throw new PveError(500, 'Agent error: no command given');
  const args: Record<string, unknown> = { path, arg, 'capture-output': true };
  const input = values['input-data'];
  if (typeof input === 'string' && input !== '') args['input-data'] = byteStringBytes(input, 412).toString('base64');
  const value = checked(await vm.command('guest-exec', args)) as { pid: number };
  return { pid: value.pid };
}

/** exec-status: JSON booleans as 1/0, output base64-decoded into byte strings when non-empty. */
export async function execStatus(vm: SimulatedVm, values: Record<string, unknown>): Promise<unknown> {
  const status = checked(await vm.command('guest-exec-status', { pid: values['pid'] })) as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) {
    if (typeof value === 'boolean') data[key] = value ? 1 : 0;
    else if ((key === 'out-data' || key === 'err-data') && typeof value === 'string') {
      if (value !== '') data[key] = Buffer.from(value, 'base64').toString('latin1');
    } else data[key] = value;
  }
  return data;
}

/**
 * file-read: open, seek to `offset`, read in chunks of min(1 MiB, rest) until `count` or
 * EOF, close (its errors only warned). `decode=0` concatenates each chunk's base64 as the
 * agent sent it, padding included. `truncated` whenever EOF was not seen.
 */
export async function fileRead(vm: SimulatedVm, values: Record<string, unknown>): Promise<unknown> {
  const count = (values['count'] as number | undefined) ?? 16 * MiB;
  const decode = (values['decode'] as boolean | undefined) ?? true;
  const handle = checked(await vm.command('guest-file-open', { path: values['file'], mode: 'r' })) as number;
  const pieces: string[] = [];
  const bytes: Buffer[] = [];
  let read = 0;
  let eof = false;
  try {
    const offset = (values['offset'] as number | undefined) ?? 0;
    if (offset > 0) checked(await vm.command('guest-file-seek', { handle, offset, whence: 'set' }));
    while (read < count) {
      const reply = checked(await vm.command('guest-file-read', { handle, count: Math.min(MiB, count - read) })) as { count: number; 'buf-b64': string; eof: boolean };
      read += reply.count;
      if (decode) bytes.push(Buffer.from(reply['buf-b64'], 'base64'));
      else pieces.push(reply['buf-b64']);
      if (reply.eof) {
        eof = true;
        break;
      }
    }
  } finally {
    await vm.command('guest-file-close', { handle }).catch(() => undefined);
  }
  const content = decode ? Buffer.concat(bytes).toString('latin1') : pieces.join('');
  return eof ? { content, 'bytes-read': read } : { content, 'bytes-read': read, truncated: 1 };
}

/**
 * file-write: `content` base64-encoded Perl style (encode=1) or passed as base64 unchecked
 * (encode=0); opened `wb`, written, closed, each of the three preceded by qemu-server's
 * pre-checks (a ping). The handle leaks when the write fails, as in qemu-server.
 */
export async function fileWrite(vm: SimulatedVm, node: string, values: Record<string, unknown>): Promise<unknown> {
  const content = values['content'] as string;
  const encode = (values['encode'] as boolean | undefined) ?? true;
  const b64 = encode ? perlBase64(byteStringBytes(content, 466)) : content;
  const handle = checked(await vm.command('guest-file-open', { path: values['file'], mode: 'wb' })) as number;
  await vm.precheck(node);
  checked(await vm.command('guest-file-write', { handle, 'buf-b64': b64 }));
  await vm.precheck(node);
  checked(await vm.command('guest-file-close', { handle }));
  return null;
}

/** set-user-password: the byte-string password base64-encoded for the agent. */
export async function setUserPassword(vm: SimulatedVm, values: Record<string, unknown>): Promise<unknown> {
  const password = byteStringBytes(values['password'] as string, 502).toString('base64');
  const value = checked(await vm.command('guest-set-user-password', { username: values['username'], password, crypted: values['crypted'] ?? false }));
  return { result: value ?? {} };
}
