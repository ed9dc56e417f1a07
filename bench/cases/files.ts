/**
 * 64 MiB through `readFile` / `writeFile` at several chunk sizes, against a raw client
 * doing the same `guest-file-open` / `-read` or `-write` loop / `-close` at the same chunk
 * size. The agent runs on this host, so the guest file is a host temp file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawQgaClient } from '../raw-client.js';
import { clientMethod } from '../lib/library.js';
import { interleave, KiB, MiB, since } from '../lib/stats.js';
import type { BenchCase, BenchContext, Row } from '../lib/types.js';

/** The agent refuses a request over 64 MiB of JSON: the library caps write chunks here too. */
const MAX_WRITE_CHUNK = 48 * MiB - 64 * KiB;

function plan(ctx: BenchContext): { size: number; chunks: number[]; rounds: number } {
  if (ctx.smoke) return { size: 2 * MiB, chunks: [64 * KiB, MiB], rounds: 1 };
  return { size: 64 * MiB, chunks: [64 * KiB, MiB, 4 * MiB, 16 * MiB, 48 * MiB], rounds: 3 };
}

function label(chunk: number): string {
  return chunk >= MiB ? `${chunk / MiB} MiB` : `${chunk / KiB} KiB`;
}

async function rawRead(client: RawQgaClient, path: string, chunk: number): Promise<Buffer> {
  const handle = (await client.call('guest-file-open', { path, mode: 'r' })) as number;
  const parts: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const { data, eof } = await client.read(handle, chunk);
    parts.push(data);
    bytes += data.length;
    if (eof) break;
  }
  await client.call('guest-file-close', { handle });
  return Buffer.concat(parts, bytes);
}

async function rawWrite(client: RawQgaClient, path: string, data: Buffer, chunk: number): Promise<void> {
  const handle = (await client.call('guest-file-open', { path, mode: 'w' })) as number;
  const step = Math.min(chunk, MAX_WRITE_CHUNK);
  for (let offset = 0; offset < data.length; offset += step) {
    await client.call('guest-file-write', { handle, 'buf-b64': data.subarray(offset, offset + step).toString('base64') });
  }
  await client.call('guest-file-close', { handle });
}

const mibPerSecond = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);

/**
 * One sample: connect, time only the transfer, check what moved outside the timing, close.
 * Both sides of both cases go through here so they are timed the same way.
 */
async function timedTransfer<C extends { close(): Promise<void> }, T>(
  connect: () => Promise<C>,
  bytes: number,
  transfer: (client: C) => Promise<T>,
  verify: (result: T) => Promise<void> | void,
): Promise<number> {
  const client = await connect();
  try {
    const start = performance.now();
    const result = await transfer(client);
    const ms = since(start);
    await verify(result);
    return mibPerSecond(bytes, ms);
  } finally {
    await client.close();
  }
}

export const readCase: BenchCase = {
  name: 'read',
  title: '64 MiB readFile by chunk size',
  needsAgent: true,
  async run(ctx) {
    const { size, chunks, rounds } = plan(ctx);
    const path = join(ctx.workDir, 'read-source.bin');
    const content = randomBytes(size);
    await writeFile(path, content);
    const same = (who: string) => (data: Buffer): void => {
      if (!data.equals(content)) throw new Error(`${who} returned ${data.length} bytes that differ from the file`);
    };
    const rows: Row[] = [];
    try {
      for (const chunk of chunks) {
        ctx.log(`  read, chunk ${label(chunk)}`);
        const samples = await interleave(rounds, {
          library: () =>
            timedTransfer(() => ctx.connectLibrary(), size, (client) => clientMethod(client, 'readFile')(path, { chunkSize: chunk }) as Promise<Buffer>, same('readFile')),
          raw: () => timedTransfer(() => ctx.connectRaw(), size, (client) => rawRead(client, path, chunk), same('raw read')),
        });
        rows.push({ name: `readFile ${size / MiB} MiB, chunk ${label(chunk)}`, unit: 'MiB/s', direction: 'higher', ...samples, goal: { on: 'ratio', op: '>=', value: 0.85 } });
      }
    } finally {
      await rm(path, { force: true });
    }
    return { rows, notes: [`${rounds} rounds per chunk size; each sample is one whole file (open, reads, close).`] };
  },
};

export const writeCase: BenchCase = {
  name: 'write',
  title: '64 MiB writeFile by chunk size',
  needsAgent: true,
  async run(ctx) {
    const { size, chunks, rounds } = plan(ctx);
    const path = join(ctx.workDir, 'write-target.bin');
    const content = randomBytes(size);
    const rows: Row[] = [];
    const landed = (who: string) => async (): Promise<void> => {
      const written = await readFile(path);
      if (!written.equals(content)) throw new Error(`${who}: the guest file holds ${written.length} bytes that differ from what was written`);
      await rm(path, { force: true });
    };
    try {
      for (const chunk of chunks) {
        ctx.log(`  write, chunk ${label(chunk)}`);
        const samples = await interleave(rounds, {
          library: () =>
            timedTransfer(() => ctx.connectLibrary(), size, (client) => clientMethod(client, 'writeFile')(path, content, { chunkSize: chunk }), landed('writeFile')),
          raw: () => timedTransfer(() => ctx.connectRaw(), size, (client) => rawWrite(client, path, content, chunk), landed('raw write')),
        });
        rows.push({ name: `writeFile ${size / MiB} MiB, chunk ${label(chunk)}`, unit: 'MiB/s', direction: 'higher', ...samples, goal: { on: 'ratio', op: '>=', value: 0.85 } });
      }
    } finally {
      await rm(path, { force: true });
    }
    return {
      rows,
      notes: [`${rounds} rounds per chunk size; writes above ${label(MAX_WRITE_CHUNK)} are capped there by both sides (the agent's 64 MiB request limit).`],
    };
  },
};
