/**
 * A chunk call carries up to 48 MiB: on a slow guest that outlasts the client's 5 s
 * per-call default. Unless the caller sets `callTimeout`, each chunk call's limit grows
 * with the chunk; a chunk call that still times out names the option to raise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaTimeoutError } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

const MiB = 1024 * 1024;
let agent: SimulatedAgent;
let client: QgaClient;
beforeEach(async () => {
  agent = await SimulatedAgent.start({ files: { '/f': 'ten bytes!' } });
  // A per-call default far below what the delayed chunk calls below take.
  client = await QgaClient.connect({ path: agent.path, timeout: 100 });
});
afterEach(async () => {
  await client.close();
  await agent.stop();
});

describe('per-call timeouts of chunk calls', () => {
  it("a 48 MiB read chunk may take longer than the client's per-call default", async () => {
    agent.injectFault({ kind: 'delay', ms: 300 }, { command: 'guest-file-read' });
    await expect(client.readFile('/f', { chunkSize: 48 * MiB, encoding: 'utf8' })).resolves.toBe('ten bytes!');
  });

  it('a large write chunk too', async () => {
    agent.injectFault({ kind: 'delay', ms: 300 }, { command: 'guest-file-write' });
    await client.writeFile('/g', Buffer.alloc(8 * MiB), { chunkSize: 8 * MiB });
    expect(agent.openFileCount).toBe(0);
  });

  it('an explicit callTimeout is used as given, and its timeout error names the option', async () => {
    agent.injectFault({ kind: 'delay', ms: 300 }, { command: 'guest-file-read' });
    const error = await client.readFile('/f', { chunkSize: 48 * MiB, callTimeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect(error).toMatchObject({ command: 'guest-file-read', timeout: 100 });
    expect((error as Error).message).toMatch(/guest-file-read: no reply within 100 ms.*raise callTimeout/);
  });
});
