import { describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, SocketTransport, type ConnectEvent, type ReconnectEvent, type Transport } from '../../../src/index.js';
import { answerSync, startFakeAgent, useFakeAgentAndClient, type FakeAgent } from '../../support/fake-agent.js';

const opened = useFakeAgentAndClient();

describe('reconnect', () => {
  it('is off by default: a lost channel closes the client', async () => {
    opened.agent = await startFakeAgent();
    opened.client = await QgaClient.connect({ path: opened.agent.path });
    const closed = new Promise<Error | undefined>((r) => opened.client!.once('close', r));
    for (const s of [...opened.agent.sockets]) s.destroy();
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    await expect(opened.client.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('reopens the channel, fails the call on the wire, sends the queued ones after a resync', async () => {
    let hangUpOn = 'guest-hang';
    opened.agent = await startFakeAgent((request, connection) => {
      if (request.execute === hangUpOn) {
        hangUpOn = '';
        setTimeout(() => connection.socket.destroy(), 10);
        return;
      }
      answerSync(request, connection);
    });
    opened.client = await QgaClient.connect({ path: opened.agent.path, reconnect: { retries: 5, delay: 20 } });
    const events: string[] = [];
    opened.client.on('reconnecting', (e: ReconnectEvent) => events.push(`reconnecting ${e.attempt}/${e.retries}`));
    opened.client.on('connect', (e: ConnectEvent) => events.push(`connect reconnected=${e.reconnected}`));
    opened.client.on('resync', (info) => events.push(`resync ${info.reason}`));
    const onWire = opened.client.call('guest-hang' as 'guest-ping');
    const queued = [opened.client.call('guest-sync', { id: 1 }), opened.client.call('guest-sync', { id: 2 })];
    await expect(onWire).rejects.toBeInstanceOf(QgaConnectionError);
    await expect(Promise.all(queued)).resolves.toEqual([1, 2]);
    expect(events).toEqual(['reconnecting 1/5', 'resync reconnect', 'connect reconnected=true']);
    expect(opened.agent.connections).toBe(2);
    expect(opened.client.closed).toBe(false);
  });

  it('gives up after the retries and rejects everything waiting', async () => {
    opened.agent = await startFakeAgent();
    opened.client = await QgaClient.connect({ path: opened.agent.path, reconnect: { retries: 2, delay: 10 } });
    const closed = new Promise<Error | undefined>((r) => opened.client!.once('close', r));
    await opened.agent.close(); // the agent and its socket are gone for good
    opened.agent = undefined;
    // Written before the client noticed the loss (EPIPE), or waiting for the channel:
    // either way it ends in QgaConnectionError.
    const waiting = opened.client.ping({ timeout: 5000 }).catch((e: unknown) => e);
    const error = await closed;
    expect((error as Error).message).toMatch(/2 reconnect attempts failed/);
    expect(await waiting).toBeInstanceOf(QgaConnectionError);
    expect(opened.client.closed).toBe(true);
  });

  it('close() during a reconnect stops it', async () => {
    opened.agent = await startFakeAgent();
    opened.client = await QgaClient.connect({ path: opened.agent.path, reconnect: { retries: 50, delay: 50 } });
    const reconnecting = new Promise((r) => opened.client!.once('reconnecting', r));
    for (const s of [...opened.agent.sockets]) s.destroy();
    await reconnecting;
    await opened.client.close();
    await new Promise((r) => setTimeout(r, 120));
    expect(opened.agent.connections).toBe(1);
  });
});

describe('a write that fails', () => {
  /**
   * A client with `reconnect` over a socket whose next write, once `failNextWrite()` was
   * called, the OS refuses (EPIPE) while the socket has not reported its close yet.
   */
  const connectWithFailingWrite = async (): Promise<{ client: QgaClient; agent: FakeAgent; failNextWrite: () => void }> => {
    const agent = (opened.agent = await startFakeAgent());
    const socket = new SocketTransport({ path: agent.path });
    let fail = false;
    const transport: Transport = {
      description: socket.description,
      open: (handlers, signal) => socket.open(handlers, signal),
      close: () => socket.close(),
      write: (bytes) => {
        if (!fail) return socket.write(bytes);
        fail = false;
        return Promise.reject(new QgaConnectionError(`${socket.description}: write failed: write EPIPE`));
      },
    };
    opened.client = await QgaClient.connect({ transport, reconnect: { retries: 5, delay: 20 } });
    return { client: opened.client, agent, failNextWrite: () => (fail = true) };
  };

  it('marks the channel lost at once: the calls behind it wait for the reconnect instead of failing', async () => {
    const { client, agent, failNextWrite } = await connectWithFailingWrite();
    const reconnecting: ReconnectEvent[] = [];
    client.on('reconnecting', (e) => reconnecting.push(e));
    failNextWrite();
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((id) => client.call('guest-sync', { id })));
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.any(QgaConnectionError) });
    expect((outcomes[0] as PromiseRejectedResult).reason.message).toMatch(/EPIPE/);
    expect(outcomes.slice(1)).toEqual([2, 3, 4].map((value) => ({ status: 'fulfilled', value })));
    expect(reconnecting).toHaveLength(1);
    expect(agent.connections).toBe(2);
  });

  it('a command answered only on failure (shutdown) whose write failed rejects: it was not taken', async () => {
    const { client, failNextWrite } = await connectWithFailingWrite();
    failNextWrite();
    await expect(client.shutdown()).rejects.toThrow(/EPIPE/);
  });
});
