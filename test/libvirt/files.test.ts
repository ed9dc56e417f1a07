/**
 * File transfers through libvirt: round trips across the channel's chunk boundaries, and
 * the write chunk size that libvirt 9.0 carries safely (larger guest-file-write requests
 * are garbled by libvirt's agent writer, see src/channels/libvirt/capabilities.ts).
 */
import { randomBytes } from 'node:crypto';
import { describe, afterAll, beforeAll, expect, it } from 'vitest';
import { LIBVIRT_FILE_WRITE_CHUNK, LIBVIRT_MAX_FILE_WRITE_CHUNK, LIBVIRT_MAX_REQUEST_BYTES } from '../../src/channels/libvirt/capabilities.js';
import type { QgaClient } from '../../src/index.js';
import { connect, noLibvirt, domainA } from './env.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe.skipIf(noLibvirt)('libvirt channel, real libvirtd: files', () => {
  let client: QgaClient;
  beforeAll(async () => {
    client = await connect(domainA, { timeout: 30_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  it.each([0, 1, LIBVIRT_FILE_WRITE_CHUNK - 1, LIBVIRT_FILE_WRITE_CHUNK, LIBVIRT_FILE_WRITE_CHUNK + 1, MiB + 1, 2 * MiB + 3 * LIBVIRT_FILE_WRITE_CHUNK + 7])(
    'writeFile then readFile of %i bytes comes back identical',
    async (size) => {
      const data = randomBytes(size);
      const path = `/tmp/lv-round-${size}`;
      await client.writeFile(path, data);
      const back = await client.readFile(path);
      expect(back.length).toBe(size);
      expect(back.equals(data)).toBe(true);
      await client.exec(['rm', '-f', path]);
    },
  );

  it('the write chunk is the channel’s, and a larger chunkSize is capped at the safe maximum', async () => {
    const data = randomBytes(3 * LIBVIRT_MAX_FILE_WRITE_CHUNK + 100);
    const chunks: number[] = [];
    await client.writeFile('/tmp/lv-capped', data, { chunkSize: 4 * MiB, onProgress: ({ bytes }) => chunks.push(bytes) });
    expect(chunks[0]).toBe(LIBVIRT_MAX_FILE_WRITE_CHUNK);
    expect((await client.readFile('/tmp/lv-capped')).equals(data)).toBe(true);
  });

  it('the largest write chunk is carried reliably: 20 guest-file-write calls of the maximum, none fails', async () => {
    const handle = await client.call('guest-file-open', { path: '/tmp/lv-max', mode: 'w' });
    try {
      const chunk = randomBytes(LIBVIRT_MAX_FILE_WRITE_CHUNK).toString('base64');
      expect(chunk.length + 100).toBeLessThanOrEqual(LIBVIRT_MAX_REQUEST_BYTES);
      for (let i = 0; i < 20; i++) {
        const { count } = await client.call('guest-file-write', { handle, 'buf-b64': chunk }, { timeout: 10_000 });
        expect(count).toBe(LIBVIRT_MAX_FILE_WRITE_CHUNK);
      }
    } finally {
      await client.call('guest-file-close', { handle });
    }
  });

  it('just above the boundary: a guest-file-write request over the safe size is refused before sending, the agent untouched', async () => {
    const handle = await client.call('guest-file-open', { path: '/tmp/lv-over', mode: 'w' });
    try {
      const over = randomBytes(150 * KiB).toString('base64');
      await expect(client.call('guest-file-write', { handle, 'buf-b64': over })).rejects.toThrow(/more than libvirt carries safely/);
      await expect(client.call('guest-file-write', { handle, 'buf-b64': randomBytes(KiB).toString('base64') })).resolves.toMatchObject({ count: KiB });
    } finally {
      await client.call('guest-file-close', { handle });
    }
  });

  it('a read chunk near libvirt’s 4 MiB reply limit works; readFile caps chunkSize below it', async () => {
    const size = 3 * MiB;
    await client.exec(['sh', '-c', `head -c ${size} /dev/urandom > /tmp/lv-big`]);
    const chunks: number[] = [];
    const data = await client.readFile('/tmp/lv-big', { chunkSize: 8 * MiB, onProgress: ({ bytes }) => chunks.push(bytes) });
    expect(data.length).toBe(size);
    expect(chunks[0]).toBe(client.capabilities.limits.maxFileReadChunk);
    await client.exec(['rm', '-f', '/tmp/lv-big', '/tmp/lv-capped', '/tmp/lv-max', '/tmp/lv-over']);
  });
});
