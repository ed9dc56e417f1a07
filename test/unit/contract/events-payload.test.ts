/**
 * API.md, Events: "`request` / `response` (name, duration) for logging and metrics".
 */
import { afterEach, expect, it } from 'vitest';
import { QgaClient } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

let agent: SimulatedAgent | undefined;
let client: QgaClient | undefined;

afterEach(async () => {
  await client?.close();
  await agent?.stop();
});

it('request and response events carry the command name as `name`, and the duration', async () => {
  agent = await SimulatedAgent.start();
  client = await QgaClient.connect({ path: agent.path });
  const requests: Record<string, unknown>[] = [];
  const responses: Record<string, unknown>[] = [];
  client.on('request', (event) => requests.push(event as unknown as Record<string, unknown>));
  client.on('response', (event) => responses.push(event as unknown as Record<string, unknown>));
  await client.ping();
  expect(requests[0]?.['name']).toBe('guest-ping');
  expect(responses[0]?.['name']).toBe('guest-ping');
  expect(typeof responses[0]?.['duration']).toBe('number');
});
