/**
 * API.md: "Helpers reject unknown options with TypeError before anything is sent." An
 * unknown key is a typo or a guess (`{ tiemout }`, `{ flag: 'a' }`, `{ mountpoint }`) that
 * would otherwise be ignored, with consequences: a truncated file, every filesystem frozen.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QgaClient } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';
import { itRefusesBeforeSending, type RefusalCase } from '../../support/refused-before-sending.js';

let agent: SimulatedAgent;
let client: QgaClient;
let hostDir: string;
beforeAll(async () => {
  agent = await SimulatedAgent.start({ exec: { true: () => ({}) } });
  client = await QgaClient.connect({ path: agent.path });
  hostDir = await mkdtemp(join(tmpdir(), 'qga-unknown-options-'));
  await writeFile(join(hostDir, 'up.txt'), 'up');
});
afterAll(async () => {
  await client.close();
  await agent.stop();
  await rm(hostDir, { recursive: true, force: true });
});

const fn = (): Promise<void> => Promise.resolve();
const cases: RefusalCase[] = [
  ['call', (c) => c.call('guest-ping', undefined, { tiemout: 5 } as never), /call|guest-ping: unknown option 'tiemout' \(did you mean 'timeout'\?\)/],
  ['ping', (c) => c.ping({ tiemout: 5 } as never), /unknown option 'tiemout'/],
  ['a generated method', (c) => c.guestGetOsinfo({ singal: undefined } as never), /unknown option 'singal' \(did you mean 'signal'\?\)/],
  ['sync', (c) => c.sync({ tiemout: 5 } as never), /sync: unknown option 'tiemout'/],
  ['readFile', (c) => c.readFile('/etc/hostname', { start: 10 } as never), /readFile: unknown option 'start'/],
  ['writeFile', (c) => c.writeFile('/tmp/x', 'data', { flag: 'a' } as never), /writeFile: unknown option 'flag'/],
  ['createReadStream', (c) => c.createReadStream('/etc/hostname', { highWaterMark: 1 } as never), /createReadStream: unknown option 'highWaterMark'/],
  ['createWriteStream', (c) => c.createWriteStream('/tmp/x', { flags: 'a' } as never), /createWriteStream: unknown option 'flags'/],
  ['download', (c) => c.download('/etc/hostname', join(hostDir, 'down'), { tiemout: 5 } as never), /download: unknown option 'tiemout'/],
  ['upload', (c) => c.upload(join(hostDir, 'up.txt'), '/tmp/up', { encoding: 'utf8' } as never), /upload: unknown option 'encoding'/],
  ['withFrozenFilesystems', (c) => c.withFrozenFilesystems(fn, { mountpoint: ['/'] } as never), /withFrozenFilesystems: unknown option 'mountpoint' \(did you mean 'mountpoints'\?\)/],
  ['setUserPassword', (c) => c.setUserPassword('alice', 'secret', { crypt: true } as never), /setUserPassword: unknown option 'crypt'/],
  ['shutdown', (c) => c.shutdown({ mdoe: 'halt' } as never), /shutdown: unknown option 'mdoe'/],
  ['reboot', (c) => c.reboot({ mode: 'halt' } as never), /reboot: unknown option 'mode'/],
  ['suspend', (c) => c.suspend('ram', { mode: 'deep' } as never), /suspend: unknown option 'mode'/],
  ['info', (c) => c.info({ refesh: true } as never), /info: unknown option 'refesh'/],
  ['supports', (c) => c.supports('guest-ping', { refresh: true } as never), /supports: unknown option 'refresh'/],
  ['exec', (c) => c.exec(['true'], { timout: 5 } as never), /exec: unknown option 'timout'/],
  ['exec pollInterval', (c) => c.exec(['true'], { pollInterval: { inital: 5 } } as never), /exec: unknown option 'pollInterval.inital'|pollInterval: unknown option 'inital'/],
  ['spawn', (c) => c.spawn(['true'], { timeout: 5 } as never), /spawn: unknown option 'timeout'/],
];

describe('unknown options are a TypeError before anything is sent', () => {
  itRefusesBeforeSending(cases, () => ({ agent, client }));

  it('GuestProcess.wait', async () => {
    const proc = await client.spawn(['true']);
    await expect(proc.wait({ input: 'x' } as never)).rejects.toThrow(/wait: unknown option 'input'/);
    await proc.wait();
  });

  it('connect, and reconnect options', async () => {
    const connections = agent.stats.connections;
    await expect(QgaClient.connect({ path: agent.path, tiemout: 5 } as never)).rejects.toThrow(/connect: unknown option 'tiemout' \(did you mean 'timeout'\?\)/);
    await expect(QgaClient.connect({ path: agent.path, reconnect: { retries: 2, dealy: 5 } } as never)).rejects.toThrow(/reconnect: unknown option 'dealy'/);
    expect(agent.stats.connections).toBe(connections);
  });
});
