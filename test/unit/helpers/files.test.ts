import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile as readHostFile, rm, writeFile as writeHostFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaProtocolError, QgaTimeoutError, type TransferProgress } from '../../../src/index.js';
import { rechunk } from '../../../src/helpers/files-write.js';
import { useScriptedGuest, type ScriptedGuest } from './scripted-guest.js';

let guest: ScriptedGuest;
let client: QgaClient;
useScriptedGuest((g, c) => {
  guest = g;
  client = c;
});

const sizesOf = (command: string): number[] =>
  guest.agent.requests.filter((r) => r.execute === command).map((r) => (command === 'guest-file-write' ? Buffer.from(r.arguments?.['buf-b64'] as string, 'base64').length : (r.arguments?.['count'] as number)));

/** Answer nothing to the `n`th (1-based) request named `command`. */
function silence(command: string, n = 1): void {
  let seen = 0;
  guest.intercept = (request) => request.execute === command && ++seen === n;
}

describe('readFile', () => {
  it('reads in chunkSize pieces and stops at eof, then closes', async () => {
    const data = randomBytes(10_000);
    guest.files.set('/f', data);
    const read = await client.readFile('/f', { chunkSize: 4096 });
    expect(read.equals(data)).toBe(true);
    expect(sizesOf('guest-file-read')).toEqual([4096, 4096, 4096]);
    expect(guest.commands().at(-1)).toBe('guest-file-close');
    expect(guest.open.size).toBe(0);
  });

  it('maxBytes: a file of exactly that size is read, one byte more rejects after the handle was closed', async () => {
    guest.files.set('/exact', randomBytes(10_000));
    await expect(client.readFile('/exact', { chunkSize: 4096, maxBytes: 10_000 })).resolves.toHaveLength(10_000);
    // Near the limit only what still fits, and one byte more, is asked for (a short read
    // that hits the end says eof on POSIX).
    expect(sizesOf('guest-file-read')).toEqual([4096, 4096, 1809]);
    guest.files.set('/longer', randomBytes(10_001));
    const error = await client.readFile('/longer', { chunkSize: 4096, maxBytes: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaProtocolError);
    expect((error as Error).message).toBe(
      'readFile: /longer holds more than maxBytes (10000 bytes); pass a larger maxBytes, or read it with createReadStream() or download(), which hold one chunk at a time',
    );
    expect(guest.open.size).toBe(0);
  });

  it('decodes to a string with encoding', async () => {
    guest.files.set('/t', Buffer.from('héllo\n'));
    await expect(client.readFile('/t', { encoding: 'utf8' })).resolves.toBe('héllo\n');
  });

  it('reports progress with the size from a seek, and seeks only when asked', async () => {
    guest.files.set('/f', randomBytes(10));
    await client.readFile('/f', { chunkSize: 4 });
    expect(guest.commands()).not.toContain('guest-file-seek');
    const seen: TransferProgress[] = [];
    await client.readFile('/f', { chunkSize: 4, onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { bytes: 4, total: 10 },
      { bytes: 8, total: 10 },
      { bytes: 10, total: 10 },
    ]);
  });

  it('caps chunkSize at the agent limit of 48 MiB and refuses nonsense', async () => {
    guest.files.set('/f', Buffer.from('x'));
    await client.readFile('/f', { chunkSize: 1e9 });
    expect(sizesOf('guest-file-read')).toEqual([48 * 1024 * 1024]);
    await expect(client.readFile('/f', { chunkSize: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(client.readFile('/f', { timeout: -1 })).rejects.toBeInstanceOf(TypeError);
    await expect(client.readFile('/f', { callTimeout: Number.NaN })).rejects.toBeInstanceOf(TypeError);
    await expect(client.readFile('/f', { chunkSize: 1.5 })).rejects.toBeInstanceOf(TypeError);
    await expect(client.readFile('')).rejects.toBeInstanceOf(TypeError);
  });

  it('a missing file rejects with the agent description and opens nothing', async () => {
    const error = await client.readFile('/missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toMatch(/No such file or directory/);
    expect(guest.opened).toEqual([]);
  });

  it('an agent error mid-read still closes the handle', async () => {
    guest.files.set('/f', randomBytes(100));
    let reads = 0;
    guest.intercept = (request, c) => {
      if (request.execute === 'guest-file-read' && ++reads === 2) {
        c.error(request, 'GenericError', 'failed to read file: Input/output error');
        return true;
      }
      return false;
    };
    await expect(client.readFile('/f', { chunkSize: 10 })).rejects.toThrow(/Input\/output error/);
    expect(guest.opened.length).toBe(1);
    expect(guest.open.size).toBe(0);
  });

  it('a timed-out read closes the handle with a fresh call after the resync', async () => {
    guest.files.set('/f', randomBytes(100));
    silence('guest-file-read', 2);
    const error = await client.readFile('/f', { chunkSize: 10, callTimeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('guest-file-read');
    // The close was queued before the rejection: the next call runs after it.
    await client.ping();
    expect(guest.open.size).toBe(0);
    const tail = guest.agent.requests.slice(-3).map((r) => r.execute);
    expect(tail).toEqual(['guest-sync-delimited', 'guest-file-close', 'guest-ping']);
  });

  it('timeout bounds the whole transfer: QgaTimeoutError named after the helper, handle closed', async () => {
    guest.files.set('/f', randomBytes(100));
    let reads = 0;
    guest.intercept = (request, c) => {
      if (request.execute !== 'guest-file-read') return false;
      // Every read answers, slowly: no single call times out, the transfer does.
      reads++;
      setTimeout(() => guest.intercept === undefined || c.reply(request, { count: 1, 'buf-b64': 'eA==', eof: false }), 30);
      return true;
    };
    const error = await client.readFile('/f', { chunkSize: 1, timeout: 200 }).catch((e: unknown) => e);
    guest.intercept = undefined;
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('readFile');
    expect((error as QgaTimeoutError).timeout).toBe(200);
    expect(reads).toBeGreaterThan(2);
    await client.ping();
    expect(guest.open.size).toBe(0);
  });

  it('an abort mid-read rejects with signal.reason once the handle is closed', async () => {
    guest.files.set('/f', randomBytes(100));
    const controller = new AbortController();
    const reason = new Error('stop');
    guest.intercept = (request) => {
      if (request.execute !== 'guest-file-read') return false;
      controller.abort(reason);
      return true;
    };
    await expect(client.readFile('/f', { signal: controller.signal })).rejects.toBe(reason);
    await client.ping();
    expect(guest.open.size).toBe(0);
  });

  it('an abort while the open is on the wire lets the open finish, then closes that handle', async () => {
    guest.files.set('/f', randomBytes(100));
    const controller = new AbortController();
    guest.intercept = (request) => {
      if (request.execute === 'guest-file-open') controller.abort();
      return false;
    };
    const error = await client.readFile('/f', { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(guest.opened.length).toBe(1);
    expect(guest.open.size).toBe(0);
    expect(guest.commands()).toEqual(['guest-file-open', 'guest-file-close']);
  });

  it('an already aborted signal sends nothing', async () => {
    await expect(client.readFile('/f', { signal: AbortSignal.abort() })).rejects.toHaveProperty('name', 'AbortError');
    expect(guest.commands()).toEqual([]);
  });
});

describe('writeFile', () => {
  it('writes a string, truncating, then appends with append: true', async () => {
    guest.files.set('/w', Buffer.from('old content'));
    await client.writeFile('/w', 'hello ');
    await client.writeFile('/w', 'world', { append: true });
    expect(guest.files.get('/w')?.toString()).toBe('hello world');
    const modes = guest.agent.requests.filter((r) => r.execute === 'guest-file-open').map((r) => r.arguments?.['mode']);
    expect(modes).toEqual(['w', 'a']);
    expect(guest.open.size).toBe(0);
  });

  it('regroups a stream of small chunks into chunkSize writes', async () => {
    const data = randomBytes(10_000);
    const pieces = Array.from({ length: 100 }, (_, i) => data.subarray(i * 100, i * 100 + 100));
    await client.writeFile('/w', Readable.from(pieces), { chunkSize: 4096 });
    expect(guest.files.get('/w')?.equals(data)).toBe(true);
    expect(sizesOf('guest-file-write')).toEqual([4096, 4096, 1808]);
  });

  it('accepts an async iterable and Uint8Array, and reports progress', async () => {
    async function* gen(): AsyncGenerator<Uint8Array | string> {
      yield new Uint8Array([1, 2, 3]);
      await new Promise((r) => setImmediate(r));
      yield 'ab';
    }
    await client.writeFile('/g', gen());
    expect([...(guest.files.get('/g') ?? [])]).toEqual([1, 2, 3, 97, 98]);
    const seen: TransferProgress[] = [];
    await client.writeFile('/u', new Uint8Array(10), { chunkSize: 4, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => `${p.bytes}/${String(p.total)}`)).toEqual(['4/10', '8/10', '10/10']);
  });

  it('an empty write creates an empty file', async () => {
    await client.writeFile('/empty', '');
    expect(guest.files.get('/empty')?.length).toBe(0);
    expect(guest.commands()).toEqual(['guest-file-open', 'guest-file-close']);
  });

  it('bad arguments reject with TypeError before anything is opened', async () => {
    await expect(client.writeFile('/w', 42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(client.writeFile('/w', 'x', { append: true, mode: 'w' })).rejects.toBeInstanceOf(TypeError);
    await expect(client.writeFile('/w', 'x', { mode: 'r' as never })).rejects.toBeInstanceOf(TypeError);
    expect(guest.commands()).toEqual([]);
  });

  it('a failing source closes the handle and rejects with the source error', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    await expect(client.writeFile('/w', broken)).rejects.toThrow('source broke');
    expect(guest.opened.length).toBe(1);
    expect(guest.open.size).toBe(0);
  });

  it('a timed-out write closes the handle', async () => {
    silence('guest-file-write');
    await expect(client.writeFile('/w', 'data', { callTimeout: 100 })).rejects.toBeInstanceOf(QgaTimeoutError);
    await client.ping();
    expect(guest.open.size).toBe(0);
  });
});

describe('streams', () => {
  it('createReadStream reads only as the consumer pulls (backpressure)', async () => {
    guest.files.set('/big', randomBytes(64 * 1024));
    const stream = client.createReadStream('/big', { chunkSize: 1024 });
    stream.pause();
    stream.once('data', () => stream.pause());
    stream.resume();
    await new Promise((r) => setTimeout(r, 200));
    // Paused after the first chunk: a couple of reads in flight/buffered, not the file.
    expect(sizesOf('guest-file-read').length).toBeLessThanOrEqual(20);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.resume();
    await new Promise((r) => stream.once('end', r));
    expect(sizesOf('guest-file-read').length).toBeGreaterThanOrEqual(64);
    expect(guest.open.size).toBe(0);
  });

  it('createReadStream closes the handle before end, and when the consumer stops early', async () => {
    guest.files.set('/f', randomBytes(10_000));
    const stream = client.createReadStream('/f', { chunkSize: 1000 });
    stream.once('end', () => expect(guest.open.size).toBe(0));
    const got = Buffer.concat(await stream.toArray());
    expect(got.equals(guest.files.get('/f')!)).toBe(true);
    expect(stream.bytesRead).toBe(10_000);

    for await (const _chunk of client.createReadStream('/f', { chunkSize: 1000 })) break;
    await new Promise((r) => setTimeout(r, 50));
    expect(guest.opened.length).toBe(2);
    expect(guest.open.size).toBe(0);
  });

  it('a read stream destroyed while a read is on the wire closes the handle before close', async () => {
    guest.files.set('/f', randomBytes(10_000));
    const stream = client.createReadStream('/f', { chunkSize: 1000 });
    guest.intercept = (request) => {
      if (request.execute === 'guest-file-read') setImmediate(() => stream.destroy());
      return request.execute === 'guest-file-read';
    };
    stream.resume();
    await new Promise((r) => stream.once('close', r));
    await client.ping();
    expect(guest.open.size).toBe(0);
  });

  it('a stream past its timeout is destroyed with QgaTimeoutError and closes the handle', async () => {
    guest.files.set('/f', randomBytes(10_000));
    silence('guest-file-read', 2);
    const stream = client.createReadStream('/f', { chunkSize: 1000, timeout: 150 });
    const error = await stream.toArray().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as QgaTimeoutError).command).toBe('createReadStream');
    await client.ping();
    expect(guest.open.size).toBe(0);
  });

  it('a read stream that is never read opens nothing', async () => {
    const stream = client.createReadStream('/f');
    stream.destroy();
    await new Promise((r) => stream.once('close', r));
    expect(guest.commands()).toEqual([]);
  });

  it('createWriteStream writes, closes before finish, and respects abort', async () => {
    const data = randomBytes(5000);
    const target = client.createWriteStream('/ws', { chunkSize: 1024 });
    await pipeline(Readable.from([data.subarray(0, 3000), data.subarray(3000)]), target);
    expect(guest.files.get('/ws')?.equals(data)).toBe(true);
    expect(target.bytesWritten).toBe(5000);
    expect(guest.open.size).toBe(0);

    const controller = new AbortController();
    const reason = new Error('enough');
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(512));
      },
    });
    let writes = 0;
    guest.intercept = (request) => {
      if (request.execute === 'guest-file-write' && ++writes === 3) controller.abort(reason);
      return false;
    };
    await expect(pipeline(endless, client.createWriteStream('/ws2', { chunkSize: 1024, signal: controller.signal }))).rejects.toBe(reason);
    await client.ping();
    expect(guest.open.size).toBe(0);
  });

  it('a write stream destroyed by its user closes the handle', async () => {
    const target = client.createWriteStream('/ws');
    target.write('partial');
    target.destroy();
    await new Promise((r) => target.once('close', r));
    expect(guest.opened.length).toBe(1);
    expect(guest.open.size).toBe(0);
  });
});

describe('download / upload', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qga-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through host files', async () => {
    const data = randomBytes(100_000);
    await writeHostFile(join(dir, 'in'), data);
    const up = await client.upload(join(dir, 'in'), '/up', { chunkSize: 8192 });
    expect(up.bytes).toBe(100_000);
    const down = await client.download('/up', join(dir, 'out'), { chunkSize: 8192 });
    expect(down.bytes).toBe(100_000);
    expect((await readHostFile(join(dir, 'out'))).equals(data)).toBe(true);
    expect(guest.open.size).toBe(0);
  });

  it('a failed download leaves the existing host file untouched and no partial file', async () => {
    await writeHostFile(join(dir, 'keep'), 'precious');
    await expect(client.download('/missing', join(dir, 'keep'))).rejects.toBeInstanceOf(QgaCommandError);
    expect(await readHostFile(join(dir, 'keep'), 'utf8')).toBe('precious');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual(['keep']);
  });

  it('uploading a missing host file touches nothing in the guest', async () => {
    await expect(client.upload(join(dir, 'nope'), '/x')).rejects.toHaveProperty('code', 'ENOENT');
    expect(guest.commands()).toEqual([]);
  });
});

describe('no handle leaks', () => {
  it('after many failing, timed-out and aborted transfers every opened handle is closed', async () => {
    guest.files.set('/f', randomBytes(50_000));
    const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
    for (let i = 0; i < 10; i++) {
      silence('guest-file-read', 2);
      await client.readFile('/f', { chunkSize: 1000, callTimeout: 30 }).catch(() => undefined);
      guest.intercept = undefined;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), i % 3);
      await pipeline(client.createReadStream('/f', { chunkSize: 1000, signal: controller.signal }), sink()).catch(() => undefined);
      await client.writeFile('/f2', Readable.from([Buffer.alloc(10)]), { signal: AbortSignal.abort() }).catch(() => undefined);
      await client.readFile('/missing').catch(() => undefined);
    }
    await client.ping();
    expect(guest.opened.length).toBeGreaterThanOrEqual(10);
    expect([...guest.open.keys()]).toEqual([]);
  });
});

describe('rechunk', () => {
  it('yields exact pieces whatever the input chunking', async () => {
    const input = [Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(0), Buffer.alloc(1, 3)];
    const out: number[] = [];
    for await (const piece of rechunk(input, 4)) out.push(piece.length);
    expect(out).toEqual([4, 4, 4, 2]);
  });
});
