/**
 * How long `info()`'s cached guest-info lives: one per client, for one connection, dropped
 * by the client itself (not through listeners users can see or remove).
 */
import { describe, expect, it } from 'vitest';
import { QgaClient } from '../../../src/index.js';
import { useScriptedGuest, type ScriptedGuest } from './scripted-guest.js';

let guest: ScriptedGuest;
let client: QgaClient;
useScriptedGuest((g, c) => {
  guest = g;
  client = c;
});

const infoRequests = (): number => guest.commands().filter((c) => c === 'guest-info').length;

/** Drop the channel from the agent's side and wait for the client to be back. */
async function dropChannel(target: QgaClient): Promise<void> {
  const reconnected = new Promise((r) => target.once('connect', r));
  for (const socket of guest.agent.sockets) socket.destroy();
  await reconnected;
}

describe('the guest-info cache', () => {
  it('belongs to one client: two open clients each ask once and keep their own answer', async () => {
    expect(await client.supports('guest-exec')).toBe(true);
    guest.disabled.add('guest-exec');
    const other = await QgaClient.connect({ path: guest.agent.path });
    try {
      expect(await other.supports('guest-exec')).toBe(false);
      // Neither answer leaked into the other client.
      expect(await client.supports('guest-exec')).toBe(true);
      expect(await other.supports('guest-exec')).toBe(false);
      expect(infoRequests()).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('is dropped on reconnect, without checkEnabled too', async () => {
    const reconnecting = await QgaClient.connect({ path: guest.agent.path, reconnect: { retries: 5, delay: 10 } });
    try {
      expect(await reconnecting.supports('guest-exec')).toBe(true);
      guest.disabled.add('guest-exec');
      await dropChannel(reconnecting);
      expect(await reconnecting.supports('guest-exec')).toBe(false);
      expect(infoRequests()).toBe(2);
    } finally {
      await reconnecting.close();
    }
  });

  it('is dropped before connect listeners run, so a listener asking again gets the new answer', async () => {
    const reconnecting = await QgaClient.connect({ path: guest.agent.path, reconnect: { retries: 5, delay: 10 } });
    try {
      // Listening before the first info(): the listener runs before anything info() set up.
      const seen = new Promise<boolean>((resolve) => reconnecting.once('connect', () => resolve(reconnecting.supports('guest-exec'))));
      await reconnecting.info();
      guest.disabled.add('guest-exec');
      await dropChannel(reconnecting);
      expect(await seen).toBe(false);
    } finally {
      await reconnecting.close();
    }
  });

  it('adds no listeners, and removing all listeners does not keep a stale answer', async () => {
    const reconnecting = await QgaClient.connect({ path: guest.agent.path, reconnect: { retries: 5, delay: 10 } });
    try {
      await reconnecting.info();
      expect(reconnecting.listenerCount('connect')).toBe(0);
      expect(reconnecting.listenerCount('close')).toBe(0);
      reconnecting.removeAllListeners();
      guest.disabled.add('guest-exec');
      await dropChannel(reconnecting);
      expect(await reconnecting.supports('guest-exec')).toBe(false);
    } finally {
      await reconnecting.close();
    }
  });

  it('is dropped on close: info() then fails like any call instead of answering from memory', async () => {
    await client.info();
    await client.close();
    await expect(client.info()).rejects.toHaveProperty('code', 'QGA_CONNECTION');
  });
});
