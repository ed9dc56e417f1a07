import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile as readHostFile, rm, writeFile as writeHostFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QgaCommandError, QgaProtocolError, QgaTimeoutError, type QgaClient, type TransferProgress } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

const MiB = 1024 * 1024;
const CHUNK = MiB; // the default chunkSize
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

// The agent runs on this machine: its "guest" files are ours, in a directory of our own.
describe.skipIf(!qgaSocket)('files against a real qemu-ga', () => {
  let client: QgaClient;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qga-files-it-'));
    client = await connectAgent();
  });
  afterAll(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('round trips with random data', () => {
    const sizes: [string, number, number | undefined][] = [
      ['0 bytes', 0, undefined],
      ['1 byte', 1, undefined],
      ['64 KiB chunk - 1', 64 * 1024 - 1, 64 * 1024],
      ['64 KiB chunk', 64 * 1024, 64 * 1024],
      ['64 KiB chunk + 1', 64 * 1024 + 1, 64 * 1024],
      ['default chunk - 1', CHUNK - 1, undefined],
      ['default chunk', CHUNK, undefined],
      ['default chunk + 1', CHUNK + 1, undefined],
      ['5 MiB', 5 * MiB, undefined],
    ];
    for (const [label, size, chunkSize] of sizes) {
      it(`${label}: writeFile then readFile give back the same bytes`, async () => {
        const data = randomBytes(size);
        const path = join(dir, `rt-${size}`);
        await client.writeFile(path, data, chunkSize === undefined ? {} : { chunkSize });
        // What the agent wrote, read without the library, then through it.
        expect(sha256(readFileSync(path))).toBe(sha256(data));
        const back = await client.readFile(path, chunkSize === undefined ? {} : { chunkSize });
        expect(back.length).toBe(size);
        expect(sha256(back)).toBe(sha256(data));
      });
    }

    it('64 MiB: written from a stream and read back through a stream, hashes equal', async () => {
      const path = join(dir, 'big');
      const hashIn = createHash('sha256');
      function* source(): Generator<Buffer> {
        for (let i = 0; i < 64; i++) {
          const block = randomBytes(MiB);
          hashIn.update(block);
          yield block;
        }
      }
      await client.writeFile(path, Readable.from(source()), { chunkSize: 16 * MiB });
      const hashOut = createHash('sha256');
      let total: number | undefined;
      await pipeline(
        client.createReadStream(path, { chunkSize: 16 * MiB, onProgress: (p) => (total = p.total) }),
        new Writable({
          write(chunk: Buffer, _e, cb) {
            hashOut.update(chunk);
            cb();
          },
        }),
      );
      expect(total).toBe(64 * MiB);
      expect(hashOut.digest('hex')).toBe(hashIn.digest('hex'));
      await rm(path);
    });
  });

  it('readFile decodes with encoding, writeFile appends with append: true', async () => {
    const path = join(dir, 'text');
    await client.writeFile(path, 'grüße\n');
    await client.writeFile(path, 'again\n', { append: true });
    await expect(client.readFile(path, { encoding: 'utf8' })).resolves.toBe('grüße\nagain\n');
  });

  it("an option writeFile does not know (fs's flag: 'a') is a TypeError and the file is left as it was", async () => {
    const path = join(dir, 'flag');
    await client.writeFile(path, 'first\n');
    const error = await client.writeFile(path, 'second\n', { flag: 'a' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/unknown option 'flag'/);
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    await client.writeFile(path, 'second\n', { append: true });
    expect(readFileSync(path, 'utf8')).toBe('first\nsecond\n');
  });

  it('onProgress reports bytes and the total from a seek', async () => {
    const path = join(dir, 'progress');
    await writeHostFile(path, randomBytes(300_000));
    const seen: TransferProgress[] = [];
    await client.readFile(path, { chunkSize: 100_000, onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([100_000, 200_000, 300_000].map((bytes) => ({ bytes, total: 300_000 })));
  });

  it('reads a file whose size a seek cannot tell (/proc) to its end, total undefined', async () => {
    const seen: TransferProgress[] = [];
    const text = await client.readFile('/proc/self/status', { encoding: 'utf8', onProgress: (p) => seen.push(p) });
    expect(text).toMatch(/^Name:/);
    expect(seen.at(-1)?.total).toBeUndefined();
  });

  it('download and upload copy whole files through host temp files', async () => {
    const data = randomBytes(3 * MiB + 17);
    const hostIn = join(dir, 'host-in');
    const guestPath = join(dir, 'guest-copy');
    const hostOut = join(dir, 'host-out');
    await writeHostFile(hostIn, data);
    const progress: TransferProgress[] = [];
    await expect(client.upload(hostIn, guestPath, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ bytes: data.length });
    expect(progress.at(-1)).toEqual({ bytes: data.length, total: data.length });
    await expect(client.download(guestPath, hostOut)).resolves.toEqual({ bytes: data.length });
    expect(sha256(await readHostFile(hostOut))).toBe(sha256(data));
  });

  it('a failed download leaves the host file as it was', async () => {
    const hostOut = join(dir, 'keep');
    await writeHostFile(hostOut, 'keep me');
    await expect(client.download(join(dir, 'no-such-file'), hostOut)).rejects.toBeInstanceOf(QgaCommandError);
    expect(await readHostFile(hostOut, 'utf8')).toBe('keep me');
  });

  it('createWriteStream takes a piped stream and the file is complete at finish', async () => {
    const path = join(dir, 'piped');
    const parts = Array.from({ length: 50 }, () => randomBytes(10_000));
    await pipeline(Readable.from(parts), client.createWriteStream(path, { chunkSize: 64 * 1024 }));
    expect(sha256(readFileSync(path))).toBe(sha256(Buffer.concat(parts)));
  });

  describe('errors carry the agent description', () => {
    it('a missing file', async () => {
      const error = await client.readFile(join(dir, 'missing')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).command).toBe('guest-file-open');
      expect((error as QgaCommandError).desc).toMatch(/No such file or directory/);
    });

    it('a directory: reading fails at the first read, writing at the open', async () => {
      const readError = await client.readFile(dir).catch((e: unknown) => e);
      expect(readError).toBeInstanceOf(QgaCommandError);
      expect((readError as QgaCommandError).command).toBe('guest-file-read');
      expect((readError as QgaCommandError).desc).toMatch(/Is a directory/);
      const writeError = await client.writeFile(dir, 'x').catch((e: unknown) => e);
      expect(writeError).toBeInstanceOf(QgaCommandError);
      expect((writeError as QgaCommandError).desc).toMatch(/Is a directory/);
    });

    it('no permission', async () => {
      // As root (CI) file modes do not stop the agent; sysfs still refuses a write open.
      let path = '/sys/kernel/notes';
      if (process.getuid?.() !== 0) {
        path = join(dir, 'locked');
        await writeHostFile(path, 'x');
        await chmod(path, 0o400);
      }
      const error = await client.writeFile(path, 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).desc).toMatch(/Permission denied|Read-only file system/);
    });
  });

  describe('a guest file that never ends (/dev/zero)', () => {
    // Collect garbage on demand, so what the read holds can be told from what it dropped.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const agentFds = (): number => readdirSync(`/proc/${readFileSync(join(inject('qgaDir'), 'qemu-ga.child'), 'utf8').trim()}/fd`).length;

    /**
     * readFile('/dev/zero') with `options`; the most array-buffer memory it held after a
     * chunk, measured from `watchFrom` bytes on (what is held only grows, and a collection
     * per chunk is slow).
     */
    async function readZero(options: { maxBytes?: number; timeout: number }, watchFrom: number): Promise<{ error: unknown; held: number }> {
      gc();
      const base = process.memoryUsage().arrayBuffers;
      let held = 0;
      const error = await client
        .readFile('/dev/zero', {
          ...options,
          onProgress: ({ bytes }) => {
            if (bytes < watchFrom) return;
            gc();
            held = Math.max(held, process.memoryUsage().arrayBuffers - base);
          },
        })
        .catch((e: unknown) => e);
      return { error, held };
    }

    it('readFile stops at maxBytes with a QgaProtocolError naming the limit, closes the handle, and never holds more than maxBytes + a chunk', async () => {
      await client.ping();
      const fds = agentFds();
      const { error, held } = await readZero({ maxBytes: 8 * MiB, timeout: 10_000 }, 0);
      expect(error).toBeInstanceOf(QgaProtocolError);
      expect((error as Error).message).toMatch(/maxBytes \(8388608 bytes\)/);
      expect(held).toBeLessThanOrEqual(8 * MiB + CHUNK + MiB);
      expect(agentFds()).toBe(fds);
    });

    it('without maxBytes the documented default (64 MiB) bounds it: memory does not grow until the timeout', async () => {
      const { error, held } = await readZero({ timeout: 45_000 }, 60 * MiB);
      expect(error).toBeInstanceOf(QgaProtocolError);
      expect((error as Error).message).toMatch(/maxBytes \(67108864 bytes\)/);
      expect(held).toBeLessThanOrEqual(64 * MiB + CHUNK + MiB);
    });
  });

  describe('no handle leaks', () => {
    const agentPid = (): number => Number(readFileSync(join(inject('qgaDir'), 'qemu-ga.child'), 'utf8').trim());
    const respawns = (): string => {
      try {
        return readFileSync(join(inject('qgaDir'), 'respawns'), 'utf8');
      } catch {
        return '0';
      }
    };
    const openFds = (): number => readdirSync(`/proc/${agentPid()}/fd`).length;

    it('many failed, timed-out, aborted and destroyed transfers leave the agent with no extra open files', async () => {
      const sub = join(dir, 'leak');
      await mkdir(sub);
      const file = join(sub, 'data');
      await writeHostFile(file, randomBytes(4 * MiB));
      await client.ping();
      const pidBefore = agentPid();
      const respawnsBefore = respawns();
      const before = openFds();

      for (let i = 0; i < 5; i++) {
        // agent error after the open: reading a directory
        await expect(client.readFile(sub)).rejects.toBeInstanceOf(QgaCommandError);
        // missing file and a directory opened for writing: the open itself fails
        await expect(client.readFile(join(sub, 'none'))).rejects.toBeInstanceOf(QgaCommandError);
        await expect(client.writeFile(sub, 'x')).rejects.toBeInstanceOf(QgaCommandError);
        // abort while a read is on the wire
        const controller = new AbortController();
        const onRequest = ({ command }: { command: string }): void => {
          if (command === 'guest-file-read') controller.abort();
        };
        client.on('request', onRequest);
        await expect(client.readFile(file, { chunkSize: 64 * 1024, signal: controller.signal })).rejects.toHaveProperty('name', 'AbortError');
        client.off('request', onRequest);
        // a consumer that stops after a few chunks
        let chunks = 0;
        for await (const _chunk of client.createReadStream('/dev/zero', { chunkSize: 64 * 1024 })) if (++chunks === 3) break;
        // a write stream aborted mid-way
        const stop = new AbortController();
        const endless = new Readable({
          read() {
            this.push(Buffer.alloc(64 * 1024));
          },
        });
        setTimeout(() => stop.abort(), 20);
        await expect(pipeline(endless, client.createWriteStream(join(sub, 'out'), { chunkSize: 64 * 1024, signal: stop.signal }))).rejects.toHaveProperty('name', 'AbortError');
      }
      // A read the agent needs far longer for than the timeout (48 MiB of /dev/zero).
      for (let i = 0; i < 2; i++) {
        await expect(client.readFile('/dev/zero', { chunkSize: 48 * MiB, callTimeout: 150 })).rejects.toBeInstanceOf(QgaTimeoutError);
      }
      // Closes after a timeout are queued behind the resynchronisation, which waits until
      // the agent finished the abandoned 48 MiB read: this ping runs after all of them.
      await client.ping({ timeout: 60_000 });
      expect(agentPid()).toBe(pidBefore);
      expect(respawns()).toBe(respawnsBefore);
      expect(openFds()).toBe(before);
    });
  });
});
