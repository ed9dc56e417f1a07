import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { QgaCommandError } from '../../../../src/index.js';
import { emulateShell, stagingLeftovers, startPve, type PveSetup } from '../../../support/proxmox.js';

const MiB = 1024 * 1024;

async function setup(options: Parameters<typeof startPve>[0] = {}): Promise<PveSetup & { dir: string }> {
  const s = await startPve(options);
  emulateShell(s.agent!);
  return { ...s, dir: s.agent!.hostPath('/tmp') };
}

const writes = (s: PveSetup): string[] => s.pve.requests.filter((r) => /\/agent\/(file-write|exec)$/.test(r.path)).map((r) => `${r.path.split('/').pop()} ${r.status}`);

describe('files through Proxmox', () => {
  it('writes up to 61,440 bytes with one file-write, every byte value intact', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    for (const size of [0, 1, 256, 61_440]) {
      const data = size === 256 ? Buffer.from(Array.from({ length: 256 }, (_, i) => i)) : randomBytes(size);
      s.pve.clearRequests();
      await client.writeFile('/tmp/f.bin', data);
      expect(writes(s)).toEqual(['file-write 200']);
      expect((await fsp.readFile(s.agent!.hostPath('/tmp/f.bin'))).equals(data)).toBe(true);
      expect((await client.readFile('/tmp/f.bin')).equals(data)).toBe(true);
    }
  });

  it('writes a larger file through exec into a staging file renamed over the target: never a short file', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    await client.writeFile('/tmp/f.bin', 'old content');
    for (const size of [61_441, 65_536, 65_537, 300_000]) {
      const data = randomBytes(size);
      s.pve.clearRequests();
      await client.writeFile('/tmp/f.bin', data);
      expect(writes(s).every((w) => w === 'exec 200')).toBe(true);
      expect((await client.readFile('/tmp/f.bin')).equals(data)).toBe(true);
      expect(await stagingLeftovers(s.dir)).toEqual([]);
    }
  });

  it('appends: a small append is one exec onto the target, a large one is staged then appended', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    await client.writeFile('/tmp/log', 'first\n');
    await client.writeFile('/tmp/log', 'second\n', { append: true });
    const big = randomBytes(150_000);
    await client.writeFile('/tmp/log', big, { append: true });
    expect((await client.readFile('/tmp/log')).equals(Buffer.concat([Buffer.from('first\nsecond\n'), big]))).toBe(true);
    expect(await stagingLeftovers(s.dir)).toEqual([]);
  });

  it('a failure while staging leaves the target as it was and removes the staging file', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    await client.writeFile('/tmp/f.bin', 'keep me');
    let appends = 0;
    const original = s.agent!;
    original.handleExec('/bin/sh', async (argv, ctx) => {
      if (argv[2] === 'cat >> "$1"' && ++appends === 2) return { exitCode: 1, stderr: 'No space left on device\n' };
      const [, , script, , first] = argv;
      const at = original.hostPath(first ?? '');
      if (script === 'cat > "$1"') await fsp.writeFile(at, ctx.input);
      else if (script === 'cat >> "$1"') await fsp.appendFile(at, ctx.input);
      else if (script === 'rm -f -- "$1"') await fsp.rm(at, { force: true });
      return {};
    });
    await expect(client.writeFile('/tmp/f.bin', randomBytes(300_000))).rejects.toThrow(/exited with 1 in the guest: No space left on device/);
    expect(await client.readFile('/tmp/f.bin', { encoding: 'utf8' })).toBe('keep me');
    expect(await stagingLeftovers(s.dir)).toEqual([]);
  });

  it('without exec (PVEVMUser on PVE 9) a file over 61,440 bytes fails naming the limit, the target untouched', async () => {
    const s = await setup({ role: 'PVEVMUser' });
    const client = await s.connect({ node: 'pve1' });
    await client.writeFile('/tmp/f.bin', 'small is fine');
    const error = await client.writeFile('/tmp/f.bin', randomBytes(70_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as Error).message).toMatch(/at most 61440 bytes a call, and it always truncates.*VM\.GuestAgent\.Unrestricted.*Permission check failed/);
    expect(await client.readFile('/tmp/f.bin', { encoding: 'utf8' })).toBe('small is fine');
  });

  it('on a Proxmox with a 64 KiB body limit, a binary file-write that does not fit goes the exec way', async () => {
    const s = await setup({ versions: { bodyLimit: 64 * 1024 } });
    const client = await s.connect({ node: 'pve1' });
    const text = Buffer.alloc(61_440, 'a');
    await client.writeFile('/tmp/a.txt', text);
    expect(writes(s)).toEqual(['file-write 200']);
    s.pve.clearRequests();
    const binary = randomBytes(61_440); // about 120 KiB as JSON: over the limit
    await client.writeFile('/tmp/b.bin', binary);
    expect(writes(s)[0]).toBe('file-write 501');
    expect((await client.readFile('/tmp/b.bin')).equals(binary)).toBe(true);
    // Later requests are sized for the limit from the start.
    s.pve.clearRequests();
    await client.writeFile('/tmp/c.bin', randomBytes(61_440));
    expect(writes(s).every((w) => w === 'exec 200')).toBe(true);
  });

  it('reads in count/offset pieces (qemu-server 9.1.5+), as base64 split at its per-MiB padding', async () => {
    const s = await setup();
    const data = randomBytes(9 * MiB + 12_345);
    await fsp.writeFile(s.agent!.hostPath('/tmp/big.bin'), data);
    const client = await s.connect({ node: 'pve1' });
    s.pve.clearRequests();
    expect((await client.readFile('/tmp/big.bin')).equals(data)).toBe(true);
    // 1 MiB a request by default (the channel's fileReadChunk); 10 pieces for 9 MiB and a bit.
    expect(s.pve.requests.map((r) => `${r.path.split('/').pop()} ${r.status}`)).toEqual(Array(10).fill('file-read 200'));
    s.pve.clearRequests();
    expect((await client.readFile('/tmp/big.bin', { chunkSize: 4 * MiB })).equals(data)).toBe(true);
    expect(s.pve.requests).toHaveLength(3); // 4 MiB pieces: each reply holds four padded base64 runs
  });

  it('before qemu-server 9.1.5 reads the whole file at once after the 400, and refuses one of 16 MiB or more', async () => {
    const s = await setup({ versions: { fileReadRange: false } });
    const client = await s.connect({ node: 'pve1' });
    const data = randomBytes(3 * MiB);
    await fsp.writeFile(s.agent!.hostPath('/tmp/ok.bin'), data);
    s.pve.clearRequests();
    expect((await client.readFile('/tmp/ok.bin')).equals(data)).toBe(true);
    expect(s.pve.requests.map((r) => r.status)).toEqual([400, 200]);
    await fsp.writeFile(s.agent!.hostPath('/tmp/huge.bin'), Buffer.alloc(16 * MiB + 1));
    s.pve.clearRequests();
    await expect(client.readFile('/tmp/huge.bin')).rejects.toThrow(/16 MiB or larger, more than this Proxmox's file-read returns \(qemu-server 9\.1\.5 added count and offset/);
    expect(s.pve.requests.map((r) => r.status)).toEqual([200]); // the 400 probe is remembered
  });

  it('a missing file is a QgaCommandError with the agent\'s text', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    await expect(client.readFile('/tmp/none')).rejects.toMatchObject({ errorClass: 'GenericError', desc: expect.stringMatching(/No such file or directory/) });
  });

  it('streams, download and upload go through the channel too', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    const data = randomBytes(200_000);
    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), client.createWriteStream('/tmp/s.bin'));
    const chunks: Buffer[] = [];
    for await (const chunk of client.createReadStream('/tmp/s.bin', { chunkSize: 64 * 1024 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const host = await fsp.mkdtemp(path.join(tmpdir(), 'qga-pve-'));
    try {
      await client.download('/tmp/s.bin', path.join(host, 'down.bin'));
      expect((await fsp.readFile(path.join(host, 'down.bin'))).equals(data)).toBe(true);
      const up = randomBytes(70_000);
      await fsp.writeFile(path.join(host, 'up.bin'), up);
      await expect(client.upload(path.join(host, 'up.bin'), '/tmp/up.bin')).resolves.toEqual({ bytes: 70_000 });
      expect((await fsp.readFile(s.agent!.hostPath('/tmp/up.bin'))).equals(up)).toBe(true);
    } finally {
      await fsp.rm(host, { recursive: true, force: true });
    }
  });

  it('refuses read-write modes, which need a file handle', async () => {
    const s = await setup();
    const client = await s.connect({ node: 'pve1' });
    await expect(client.writeFile('/tmp/x', 'y', { mode: 'r+' })).rejects.toThrow(/reads and writes whole files; mode 'r\+'/);
  });
});
