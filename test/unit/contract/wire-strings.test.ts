/**
 * Strings that cannot reach the agent as written are a TypeError before anything is sent:
 * a NUL ends a C string in the agent (the path would be cut short), and a lone UTF-16
 * surrogate has no UTF-8 form (it would arrive as U+FFFD: another path, another password).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QgaClient } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';
import { itRefusesBeforeSending, type RefusalCase } from '../../support/refused-before-sending.js';

let agent: SimulatedAgent;
let client: QgaClient;
beforeAll(async () => {
  agent = await SimulatedAgent.start({ exec: { echo: () => ({}) } });
  client = await QgaClient.connect({ path: agent.path });
});
afterAll(async () => {
  await client.close();
  await agent.stop();
});

const NUL = '/tmp/a\0b';
const LONE = '/tmp/caf\uD83D';
const cases: RefusalCase[] = [
  ['readFile, NUL', (c) => c.readFile(NUL), /readFile: path contains a NUL character/],
  ['readFile, lone surrogate', (c) => c.readFile(LONE), /readFile: path contains a lone UTF-16 surrogate/],
  ['writeFile', (c) => c.writeFile(LONE, 'x'), /writeFile: path contains a lone UTF-16 surrogate/],
  ['createReadStream', (c) => c.createReadStream(NUL), /createReadStream: path contains a NUL character/],
  ['createWriteStream', (c) => c.createWriteStream(LONE), /createWriteStream: path contains a lone UTF-16 surrogate/],
  ['download', (c) => c.download(NUL, '/tmp/host-copy'), /download: path contains a NUL character/],
  ['upload', (c) => c.upload('/etc/hostname', LONE), /upload: path contains a lone UTF-16 surrogate/],
  ['exec argv', (c) => c.exec(['echo', 'caf\uDC00']), /exec: argv\[1\] contains a lone UTF-16 surrogate/],
  ['freeze mountpoints', (c) => c.withFrozenFilesystems(() => 1, { mountpoints: [NUL] }), /withFrozenFilesystems: mountpoints\[0\] contains a NUL character/],
  ['password', (c) => c.setUserPassword('alice', 'pa\uD800ss'), /setUserPassword: the password contains a lone UTF-16 surrogate/],
];

describe('NUL and lone surrogates are refused before anything is sent', () => {
  itRefusesBeforeSending(cases, () => ({ agent, client }));

  it('a well-formed surrogate pair is fine', async () => {
    await client.writeFile('/tmp/emoji-\uD83D\uDE00', 'ok');
    await expect(client.readFile('/tmp/emoji-😀', { encoding: 'utf8' })).resolves.toBe('ok');
  });
});
