/**
 * API.md, Connecting: `maxReplyBytes` default 100 MiB, "a larger one fails that call with
 * `QgaProtocolError`". The simulated agent's `oversize` fault defaults to "100 MiB + 1,
 * just over a client's default limit": with both defaults the call must fail.
 */
import { afterEach, expect, it } from 'vitest';
import { QgaClient, QgaProtocolError } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

let agent: SimulatedAgent | undefined;
let client: QgaClient | undefined;

afterEach(async () => {
  await client?.close();
  await agent?.stop();
});

it("the agent's default oversize reply exceeds the client's default maxReplyBytes", async () => {
  agent = await SimulatedAgent.start();
  client = await QgaClient.connect({ path: agent.path, timeout: 30_000 });
  agent.injectFault('oversize', { command: 'guest-get-osinfo' });
  const outcome = await client.guestGetOsinfo().then(
    (value) => ({ resolved: typeof value }),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(QgaProtocolError);
  await client.ping();
}, 60_000);
