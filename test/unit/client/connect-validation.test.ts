/**
 * Connect options that cannot be right are refused before anything is opened, and the
 * messages of what can fail read the way a person would write them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, QgaTimeoutError } from '../../../src/index.js';
import { answerSync, startFakeAgent, useFakeAgentAndClient } from '../../support/fake-agent.js';

const opened = useFakeAgentAndClient();
const dir = mkdtempSync(join(tmpdir(), 'qga-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the connect target', () => {
  const mixed: [string, object][] = [
    ['path and port', { path: '/run/qga.sock', port: 4444 }],
    ['path and host', { path: '/run/qga.sock', host: '127.0.0.1' }],
    ['transport and path', { transport: { description: 't', open: () => Promise.resolve(), write: () => Promise.resolve(), close: () => Promise.resolve() }, path: '/x' }],
  ];
  for (const [name, target] of mixed) {
    it(`${name} together is a TypeError`, async () => {
      await expect(QgaClient.connect(target as never)).rejects.toThrow(/QgaClient\.connect: give one of path, host \+ port, transport, libvirt or proxmox; .* cannot be combined/);
    });
  }

  it('host without port, or port without host, is a TypeError', async () => {
    await expect(QgaClient.connect({ host: '127.0.0.1' } as never)).rejects.toThrow(/host and port go together/);
    await expect(QgaClient.connect({ port: 4444 } as never)).rejects.toThrow(/host and port go together/);
  });

  it('a path that exists but is not a socket says so, not "nothing is listening"', async () => {
    const file = join(dir, 'regular');
    writeFileSync(file, 'not a socket');
    const sub = join(dir, 'directory');
    mkdirSync(sub);
    const error = await QgaClient.connect({ path: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/is not a socket \(it is a regular file\)/);
    await expect(QgaClient.connect({ path: sub })).rejects.toThrow(/is not a socket \(it is a directory\)/);
  });
});

describe('maxReplyBytes', () => {
  it('below 1 KiB (too small for the agent\'s own short replies) is a TypeError naming the minimum', async () => {
    await expect(QgaClient.connect({ path: join(dir, 'none'), maxReplyBytes: 10 })).rejects.toThrow(/maxReplyBytes must be an integer of at least 1024 bytes, got 10/);
    await expect(QgaClient.connect({ path: join(dir, 'none'), maxReplyBytes: 4096.5 })).rejects.toThrow(TypeError);
  });

  it('1 KiB is accepted', async () => {
    opened.agent = await startFakeAgent(answerSync);
    opened.client = await QgaClient.connect({ path: opened.agent.path, maxReplyBytes: 1024 });
    await opened.client.ping();
  });
});

describe('fractional milliseconds in messages', () => {
  it('are rounded the way a person would write them', async () => {
    const error = await QgaClient.connect({ path: join(dir, 'never'), waitForAgent: 300.7, connectTimeout: 100.25 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/waited 301 ms/);
    opened.agent = await startFakeAgent(() => undefined);
    const silent = await QgaClient.connect({ path: opened.agent.path, connectTimeout: 0.1 + 0.2 }).catch((e: unknown) => e);
    expect((silent as Error).message).toMatch(/did not answer within 0\.3 ms/);
    expect(new QgaTimeoutError('guest-ping', 0.1 + 0.2).message).toBe('guest-ping: no reply within 0.3 ms');
  });
});
