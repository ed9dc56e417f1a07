/**
 * A scripted guest behind the shared fake agent: in-memory files with qemu-ga's handle
 * semantics (numbers from 1000, never reused, open until guest-file-close), the freeze
 * state machine with its allow-list, no-reply power commands and a password sink. Tests
 * inject faults with `intercept`, which sees every request first.
 */
import { afterEach, beforeEach } from 'vitest';
import { QgaClient } from '../../../src/index.js';
import { answerSync, startFakeAgent, type FakeAgent, type FakeConnection, type FakeRequest } from '../../support/fake-agent.js';

export interface OpenFile {
  path: string;
  mode: string;
  position: number;
}

export interface ScriptedGuest {
  agent: FakeAgent;
  files: Map<string, Buffer>;
  /** Handles currently open in the "agent". */
  open: Map<number, OpenFile>;
  /** Every handle ever opened. */
  opened: number[];
  frozen: boolean;
  /** Commands guest-info lists as disabled. */
  disabled: Set<string>;
  /** Commands that fail with a GenericError (power commands, password). */
  failing: Map<string, string>;
  /** Sees each request first; return true when it answered (or chose silence) itself. */
  intercept: ((request: FakeRequest, connection: FakeConnection) => boolean) | undefined;
  /** The commands received, in order, sync traffic excluded. */
  commands(): string[];
  close(): Promise<void>;
}

const FREEZE_ALLOWED = new Set(['guest-ping', 'guest-info', 'guest-sync', 'guest-sync-delimited', 'guest-fsfreeze-status', 'guest-fsfreeze-thaw']);
const NO_REPLY = new Set(['guest-shutdown', 'guest-suspend-ram', 'guest-suspend-disk', 'guest-suspend-hybrid']);
const KNOWN = [
  'guest-ping', 'guest-info', 'guest-sync', 'guest-sync-delimited', 'guest-get-osinfo', 'guest-exec',
  'guest-file-open', 'guest-file-read', 'guest-file-write', 'guest-file-seek', 'guest-file-close',
  'guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-freeze-list', 'guest-fsfreeze-thaw',
  'guest-shutdown', 'guest-suspend-ram', 'guest-suspend-disk', 'guest-suspend-hybrid', 'guest-set-user-password',
];
const FROZEN_COUNT = 3;

export async function startScriptedGuest(): Promise<ScriptedGuest> {
  let nextHandle = 1000;
  const guest: ScriptedGuest = {
    agent: undefined as unknown as FakeAgent,
    files: new Map(),
    open: new Map(),
    opened: [],
    frozen: false,
    disabled: new Set(),
    failing: new Map(),
    intercept: undefined,
    commands: () => guest.agent.requests.map((r) => r.execute).filter((c) => c !== 'guest-sync' && c !== 'guest-sync-delimited'),
    close: () => guest.agent.close(),
  };

  const handle = (request: FakeRequest, c: FakeConnection): void => {
    const name = request.execute;
    const args = request.arguments ?? {};
    if (name === 'guest-sync' || name === 'guest-sync-delimited' || name === 'guest-ping') return answerSync(request, c);
    if (guest.frozen && !FREEZE_ALLOWED.has(name)) return c.error(request, 'CommandNotFound', `Command ${name} has been disabled: the agent is in frozen state`);
    if (guest.disabled.has(name)) return c.error(request, 'CommandNotFound', `Command ${name} has been disabled`);
    const failure = guest.failing.get(name);
    if (failure !== undefined) return c.error(request, 'GenericError', failure);
    const fileOf = (): OpenFile | undefined => {
      const file = guest.open.get(args['handle'] as number);
      if (!file) c.error(request, 'GenericError', `handle '${String(args['handle'])}' has not been found`);
      return file;
    };
    switch (name) {
      case 'guest-info':
        return c.reply(request, {
          version: '7.2.22',
          supported_commands: KNOWN.map((n) => ({ name: n, enabled: !guest.disabled.has(n) && (!guest.frozen || FREEZE_ALLOWED.has(n)), 'success-response': !NO_REPLY.has(n) })),
        });
      case 'guest-file-open': {
        const path = args['path'] as string;
        const mode = (args['mode'] as string | undefined) ?? 'r';
        if (path.endsWith('/')) return c.error(request, 'GenericError', `failed to open file '${path}' (mode: '${mode}'): Is a directory`);
        if (mode.startsWith('r') && !guest.files.has(path)) return c.error(request, 'GenericError', `failed to open file '${path}' (mode: '${mode}'): No such file or directory`);
        if (mode.startsWith('w')) guest.files.set(path, Buffer.alloc(0));
        if (mode.startsWith('a') && !guest.files.has(path)) guest.files.set(path, Buffer.alloc(0));
        const h = nextHandle++;
        guest.open.set(h, { path, mode, position: mode.startsWith('a') ? (guest.files.get(path)?.length ?? 0) : 0 });
        guest.opened.push(h);
        return c.reply(request, h);
      }
      case 'guest-file-read': {
        const file = fileOf();
        if (!file) return;
        const data = guest.files.get(file.path) ?? Buffer.alloc(0);
        const count = (args['count'] as number | undefined) ?? 4096;
        const piece = data.subarray(file.position, file.position + count);
        file.position += piece.length;
        return c.reply(request, { count: piece.length, 'buf-b64': piece.toString('base64'), eof: file.position >= data.length });
      }
      case 'guest-file-write': {
        const file = fileOf();
        if (!file) return;
        if (file.mode === 'r') return c.error(request, 'GenericError', 'failed to write to file: Bad file descriptor');
        const bytes = Buffer.from(args['buf-b64'] as string, 'base64');
        const data = guest.files.get(file.path) ?? Buffer.alloc(0);
        const at = file.mode.startsWith('a') ? data.length : file.position;
        const next = Buffer.concat([data.subarray(0, at), bytes, data.subarray(Math.min(data.length, at + bytes.length))]);
        guest.files.set(file.path, next);
        file.position = at + bytes.length;
        return c.reply(request, { count: bytes.length, eof: false });
      }
      case 'guest-file-seek': {
        const file = fileOf();
        if (!file) return;
        const size = guest.files.get(file.path)?.length ?? 0;
        const base = args['whence'] === 'end' ? size : args['whence'] === 'cur' ? file.position : 0;
        file.position = base + (args['offset'] as number);
        return c.reply(request, { position: file.position, eof: false });
      }
      case 'guest-file-close':
        if (!fileOf()) return;
        guest.open.delete(args['handle'] as number);
        return c.reply(request, {});
      case 'guest-fsfreeze-status':
        return c.reply(request, guest.frozen ? 'frozen' : 'thawed');
      case 'guest-fsfreeze-freeze':
      case 'guest-fsfreeze-freeze-list': {
        const count = name === 'guest-fsfreeze-freeze' ? FROZEN_COUNT : (args['mountpoints'] as string[]).length;
        guest.frozen = count > 0;
        return c.reply(request, count);
      }
      case 'guest-fsfreeze-thaw': {
        const count = guest.frozen ? FROZEN_COUNT : 0;
        guest.frozen = false;
        return c.reply(request, count);
      }
      case 'guest-set-user-password':
        return c.reply(request, {});
      default:
        if (NO_REPLY.has(name)) return; // success: silence
        return answerSync(request, c);
    }
  };

  guest.agent = await startFakeAgent((request, connection) => {
    if (guest.intercept?.(request, connection)) return;
    handle(request, connection);
  });
  return guest;
}

/**
 * A fresh scripted guest and a client connected to it for every test of the file, both
 * closed after it; `use` hands them to the file's variables.
 */
export function useScriptedGuest(use: (guest: ScriptedGuest, client: QgaClient) => void): void {
  let guest: ScriptedGuest | undefined;
  let client: QgaClient | undefined;
  beforeEach(async () => {
    guest = await startScriptedGuest();
    client = await QgaClient.connect({ path: guest.agent.path });
    use(guest, client);
  });
  afterEach(async () => {
    await client?.close();
    await guest?.close();
  });
}
