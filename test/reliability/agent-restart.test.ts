/**
 * Auto-reconnect when the agent goes away and comes back (a guest reboot, a restarted
 * qemu-ga), with the simulated agent stopping and starting again on the same socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError, type ConnectEvent } from '../../src/index.js';
import { SimulatedAgent } from '../../src/testing/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('after the agent restarts, the client reconnects, resyncs and queued calls go through', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qga-restart-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'agent.sock');
  let agent = await SimulatedAgent.start({ path, hostName: 'before-reboot' });
  const client = await QgaClient.connect({ path, reconnect: { retries: 40, delay: 25 } });
  cleanups.push(() => client.close());
  const connects: ConnectEvent[] = [];
  client.on('connect', (e) => connects.push(e));
  expect((await client.guestGetHostName())['host-name']).toBe('before-reboot');

  await agent.stop(); // the guest reboots
  const queued = client.guestGetHostName({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 150));
  agent = await SimulatedAgent.start({ path, hostName: 'after-reboot' });
  cleanups.push(() => agent.stop());

  // Written before the loss was noticed (fails) or waiting for the channel (succeeds).
  const result: unknown = await queued.catch((e: unknown) => e);
  if (result instanceof Error) expect(result).toBeInstanceOf(QgaConnectionError);
  else expect(result).toEqual({ 'host-name': 'after-reboot' });
  expect((await client.guestGetHostName())['host-name']).toBe('after-reboot');
  expect(connects).toEqual([expect.objectContaining({ reconnected: true })]);
  expect(client.closed).toBe(false);
});
