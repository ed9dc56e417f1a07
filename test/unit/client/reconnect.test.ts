import { afterEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, type ConnectEvent, type ReconnectEvent } from '../../../src/index.js';
import { answerSync, startFakeAgent, type FakeAgent } from '../../support/fake-agent.js';

let agent: FakeAgent | undefined;
let client: QgaClient | undefined;
afterEach(async () => {
  await client?.close();
  await agent?.close();
  client = undefined;
  agent = undefined;
});

describe('reconnect', () => {
  it('is off by default: a lost channel closes the client', async () => {
    agent = await startFakeAgent();
    client = await QgaClient.connect({ path: agent.path });
    const closed = new Promise<Error | undefined>((r) => client!.once('close', r));
    for (const s of [...agent.sockets]) s.destroy();
    expect(await closed).toBeInstanceOf(QgaConnectionError);
    await expect(client.ping()).rejects.toBeInstanceOf(QgaConnectionError);
  });

  it('reopens the channel, fails the call on the wire, sends the queued ones after a resync', async () => {
    let hangUpOn = 'guest-hang';
    agent = await startFakeAgent((request, connection) => {
      if (request.execute === hangUpOn) {
        hangUpOn = '';
        setTimeout(() => connection.socket.destroy(), 10);
        return;
      }
      answerSync(request, connection);
    });
    client = await QgaClient.connect({ path: agent.path, reconnect: { retries: 5, delay: 20 } });
    const events: string[] = [];
    client.on('reconnecting', (e: ReconnectEvent) => events.push(`reconnecting ${e.attempt}/${e.retries}`));
    client.on('connect', (e: ConnectEvent) => events.push(`connect reconnected=${e.reconnected}`));
    client.on('resync', (info) => events.push(`resync ${info.reason}`));
    const onWire = client.call('guest-hang' as 'guest-ping');
    const queued = [client.call('guest-sync', { id: 1 }), client.call('guest-sync', { id: 2 })];
    await expect(onWire).rejects.toBeInstanceOf(QgaConnectionError);
    await expect(Promise.all(queued)).resolves.toEqual([1, 2]);
    expect(events).toEqual(['reconnecting 1/5', 'resync reconnect', 'connect reconnected=true']);
    expect(agent.connections).toBe(2);
    expect(client.closed).toBe(false);
  });

  it('gives up after the retries and rejects everything waiting', async () => {
    agent = await startFakeAgent();
    client = await QgaClient.connect({ path: agent.path, reconnect: { retries: 2, delay: 10 } });
    const closed = new Promise<Error | undefined>((r) => client!.once('close', r));
    await agent.close(); // the agent and its socket are gone for good
    agent = undefined;
    // Written before the client noticed the loss (EPIPE), or waiting for the channel:
    // either way it ends in QgaConnectionError.
    const waiting = client.ping({ timeout: 5000 }).catch((e: unknown) => e);
    const error = await closed;
    expect((error as Error).message).toMatch(/2 reconnect attempts failed/);
    expect(await waiting).toBeInstanceOf(QgaConnectionError);
    expect(client.closed).toBe(true);
  });

  it('close() during a reconnect stops it', async () => {
    agent = await startFakeAgent();
    client = await QgaClient.connect({ path: agent.path, reconnect: { retries: 50, delay: 50 } });
    const reconnecting = new Promise((r) => client!.once('reconnecting', r));
    for (const s of [...agent.sockets]) s.destroy();
    await reconnecting;
    await client.close();
    await new Promise((r) => setTimeout(r, 120));
    expect(agent.connections).toBe(1);
  });
});
