/**
 * TEMPORARY: the helpers of API.md (exec, readFile, writeFile, withFrozenFilesystems,
 * shutdown) are being added to QgaClient. The tests call them through these functions,
 * which use the client's own method when it exists and otherwise do the same over
 * `client.call()`, so the suite runs meanwhile. Delete this file once they have landed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QgaTimeoutError, type ExecResult, type QgaClient } from '../../src/index.js';

interface ExecOptions {
  input?: string | Uint8Array;
  timeout?: number;
  signal?: AbortSignal;
  encoding?: 'utf8' | 'buffer';
}

interface Helpers {
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult<string | Buffer>>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string | Uint8Array): Promise<unknown>;
  withFrozenFilesystems<T>(fn: () => Promise<T>, options?: { mountpoints?: string[]; timeout?: number }): Promise<unknown>;
  shutdown(options?: { mode?: 'powerdown' | 'halt' | 'reboot' }): Promise<void>;
}

const own = <K extends keyof Helpers>(client: QgaClient, name: K): Helpers[K] | undefined => {
  const fn = (client as unknown as Partial<Helpers>)[name];
  return typeof fn === 'function' ? (fn.bind(client) as Helpers[K]) : undefined;
};

/** Which helpers come from the client itself (for the log). */
export function helperSources(client: QgaClient): string {
  const names: (keyof Helpers)[] = ['exec', 'readFile', 'writeFile', 'withFrozenFilesystems', 'shutdown'];
  return names.map((n) => `${n}: ${own(client, n) ? 'client' : 'fallback'}`).join(', ');
}

export async function exec(client: QgaClient, argv: string[], options: ExecOptions & { encoding: 'buffer' }): Promise<ExecResult<Buffer>>;
export async function exec(client: QgaClient, argv: string[], options?: ExecOptions): Promise<ExecResult<string>>;
export async function exec(client: QgaClient, argv: string[], options: ExecOptions = {}): Promise<ExecResult<string | Buffer>> {
  const native = own(client, 'exec');
  if (native) return native(argv, options);
  const [path, ...arg] = argv;
  if (path === undefined) throw new TypeError('argv must not be empty');
  const deadline = options.timeout === undefined ? Infinity : performance.now() + options.timeout;
  const input = options.input === undefined ? undefined : Buffer.from(options.input).toString('base64');
  const { pid } = await client.call(
    'guest-exec',
    { path, arg, 'capture-output': true, ...(input === undefined ? {} : { 'input-data': input }) },
    options.signal ? { signal: options.signal } : {},
  );
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const status = await client.call('guest-exec-status', { pid }, options.signal ? { signal: options.signal } : {});
    if (status.exited) {
      const decode = (b64: string | undefined): string | Buffer => {
        const bytes = Buffer.from(b64 ?? '', 'base64');
        return options.encoding === 'buffer' ? bytes : bytes.toString('utf8');
      };
      return {
        pid,
        exitCode: status.exitcode ?? null,
        signal: status.signal ?? null,
        stdout: decode(status['out-data']),
        stderr: decode(status['err-data']),
        stdoutTruncated: status['out-truncated'] ?? false,
        stderrTruncated: status['err-truncated'] ?? false,
      };
    }
    if (performance.now() > deadline) throw new QgaTimeoutError('guest-exec', options.timeout ?? 0);
    await sleep(delay);
  }
}

const CHUNK = 1024 * 1024;

export async function readFile(client: QgaClient, path: string): Promise<Buffer> {
  const native = own(client, 'readFile');
  if (native) return native(path);
  const handle = await client.call('guest-file-open', { path, mode: 'r' });
  try {
    const parts: Buffer[] = [];
    for (;;) {
      const r = await client.call('guest-file-read', { handle, count: CHUNK });
      if (r.count > 0) parts.push(Buffer.from(r['buf-b64'], 'base64'));
      if (r.eof || r.count === 0) return Buffer.concat(parts);
    }
  } finally {
    await client.call('guest-file-close', { handle });
  }
}

export async function writeFile(client: QgaClient, path: string, data: Uint8Array): Promise<void> {
  const native = own(client, 'writeFile');
  if (native) {
    await native(path, data);
    return;
  }
  const handle = await client.call('guest-file-open', { path, mode: 'w' });
  try {
    for (let offset = 0; offset < data.length; offset += CHUNK) {
      const chunk = data.subarray(offset, offset + CHUNK);
      await client.call('guest-file-write', { handle, 'buf-b64': Buffer.from(chunk).toString('base64') });
    }
  } finally {
    await client.call('guest-file-close', { handle });
  }
}

export async function withFrozenFilesystems<T>(client: QgaClient, mountpoints: string[], fn: () => Promise<T>): Promise<unknown> {
  const native = own(client, 'withFrozenFilesystems');
  if (native) return native(fn, { mountpoints });
  const frozen = await client.call('guest-fsfreeze-freeze-list', { mountpoints });
  try {
    return { result: await fn(), frozen };
  } finally {
    await client.call('guest-fsfreeze-thaw');
  }
}

export async function shutdown(client: QgaClient): Promise<void> {
  const native = own(client, 'shutdown');
  if (native) return native({ mode: 'powerdown' });
  await client.call('guest-shutdown', { mode: 'powerdown' });
}
