import { afterEach, describe, expect, it } from 'vitest';
import { QGA_COMMANDS, QgaClient, QgaCommandError, QgaTimeoutError, type RetryEvent } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

let agent: SimulatedAgent | undefined;
let client: QgaClient | undefined;
afterEach(async () => {
  await client?.close();
  await agent?.stop();
  client = agent = undefined;
});

async function connected(retry: unknown): Promise<{ agent: SimulatedAgent; client: QgaClient; retries: RetryEvent[] }> {
  agent = await SimulatedAgent.start();
  client = await QgaClient.connect({ path: agent.path, timeout: 150, retry: retry as never });
  const retries: RetryEvent[] = [];
  client.on('retry', (e) => retries.push(e));
  return { agent, client, retries };
}

describe('retry policy', () => {
  it('sends an idempotent read again after a timeout, and it succeeds', async () => {
    const { agent, client, retries } = await connected({ retries: 2, delay: 10 });
    agent.injectFault('drop', { command: 'guest-get-osinfo', times: 1 });
    const os = await client.guestGetOsinfo();
    expect(os.id).toBeTruthy();
    expect(agent.stats.commands['guest-get-osinfo']).toBe(2);
    expect(retries).toEqual([{ command: 'guest-get-osinfo', attempt: 2, error: expect.any(QgaTimeoutError), delay: 10 }]);
  });

  it('gives up after its retries with the last error', async () => {
    const { agent, client } = await connected({ retries: 2, delay: 1 });
    agent.injectFault('drop', { command: 'guest-get-host-name', times: Infinity });
    await expect(client.guestGetHostName()).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(agent.stats.commands['guest-get-host-name']).toBe(3);
  });

  it('never sends a command that changes the guest twice', async () => {
    const { agent, client, retries } = await connected(true);
    for (const command of ['guest-exec', 'guest-file-open', 'guest-exec-status'] as const) agent.injectFault('drop', { command, times: 1 });
    await expect(client.guestExec({ path: '/bin/true' })).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(client.guestFileOpen({ path: '/tmp/x', mode: 'w' })).rejects.toBeInstanceOf(QgaTimeoutError);
    await expect(client.guestExecStatus({ pid: 1 })).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(agent.stats.commands['guest-exec']).toBe(1);
    expect(agent.stats.commands['guest-file-open']).toBe(1);
    expect(agent.stats.commands['guest-exec-status']).toBe(1);
    expect(retries).toEqual([]);
  });

  it('does not retry an answer: an agent error is final', async () => {
    const { agent, client } = await connected(true);
    // An idempotent read the agent refuses (the simulated agent has no guest-get-fsinfo).
    await expect(client.guestGetFsinfo()).rejects.toBeInstanceOf(QgaCommandError);
    expect(agent.stats.commands['guest-get-fsinfo']).toBe(1);
  });

  it('is off by default', async () => {
    const { agent, client } = await connected(undefined);
    agent.injectFault('drop', { command: 'guest-ping', times: 1 });
    await expect(client.ping()).rejects.toBeInstanceOf(QgaTimeoutError);
    expect(agent.stats.commands['guest-ping']).toBe(1);
  });

  it('an abort while waiting to retry rejects with the signal reason at once', async () => {
    const { agent, client } = await connected({ retries: 5, delay: 10_000 });
    agent.injectFault('drop', { command: 'guest-ping', times: 1 });
    const controller = new AbortController();
    const call = client.ping({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 300);
    await expect(call).rejects.toThrow('stop');
    expect(agent.stats.commands['guest-ping']).toBe(1);
  });

  it('rejects a bad policy before connecting', async () => {
    await expect(QgaClient.connect({ path: '/x', retry: { retires: 2 } as never })).rejects.toThrow(/unknown option 'retires'/);
    await expect(QgaClient.connect({ path: '/x', retry: { retries: -1 } })).rejects.toBeInstanceOf(TypeError);
  });

  it('only reads are marked idempotent', () => {
    const idempotent = Object.values(QGA_COMMANDS).filter((c) => c.idempotent).map((c) => c.name);
    for (const name of idempotent) expect(name).toMatch(/^guest-(get-|info$|ping$|sync|network-get-|fsfreeze-status$|ssh-get-)/);
    for (const name of ['guest-exec', 'guest-exec-status', 'guest-file-read', 'guest-file-write', 'guest-fsfreeze-freeze', 'guest-shutdown']) {
      expect(QGA_COMMANDS[name as keyof typeof QGA_COMMANDS].idempotent).toBe(false);
    }
  });
});
