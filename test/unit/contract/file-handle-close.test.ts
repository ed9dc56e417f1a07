/**
 * API.md, Helpers: "File helpers always close the guest file handle, on success, error and
 * abort alike". Checked the moment the helper's promise settles.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { QgaClient, QgaTimeoutError } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';

let agent: SimulatedAgent;
let client: QgaClient;

beforeEach(async () => {
  agent = await SimulatedAgent.start({ files: { '/data': 'some guest data\n' } });
  client = await QgaClient.connect({ path: agent.path });
});

afterEach(async () => {
  await client.close();
  await agent.stop();
});

it('an aborted readFile has closed the guest handle when it rejects', async () => {
  agent.injectFault({ kind: 'delay', ms: 300 }, { command: 'guest-file-read' });
  const controller = new AbortController();
  const reading = client.readFile('/data', { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  expect(agent.openFileCount).toBe(0);
});

it('a writeFile that runs past its timeout has closed the guest handle when it rejects', async () => {
  agent.injectFault({ kind: 'delay', ms: 300 }, { command: 'guest-file-write' });
  await expect(client.writeFile('/tmp/out', 'hello\n', { timeout: 50 })).rejects.toBeInstanceOf(QgaTimeoutError);
  expect(agent.openFileCount).toBe(0);
});

it('a readFile whose open times out still closes the handle the agent opened', async () => {
  agent.injectFault({ kind: 'delay', ms: 200 }, { command: 'guest-file-open' });
  await expect(client.readFile('/data', { callTimeout: 50 })).rejects.toBeInstanceOf(QgaTimeoutError);
  // Give the late open reply time to arrive, then let the client resynchronise.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await client.ping();
  expect(agent.openFileCount).toBe(0);
});
