import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentRelease, QgaClient, releaseAtLeast } from '../../../src/index.js';
import { SimulatedAgent } from '../../../src/testing/index.js';
import { supportsCaptureModes } from '../../../src/helpers/exec-capture.js';
import { versionTraits } from '../../../src/testing/version.js';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

describe('virtio-win versions map to the QEMU release they behave like', () => {
  it.each([
    ['103.0.0', '6.2', false],
    ['104.0.2', '7.0', false],
    ['106.0.1', '8.0', true],
    ['108.0.2', '9.0', false],
    ['109.1.0', '9.1', false],
    ['110.0.2', '10.1', true],
    ['117.0.0', '10.1', true],
  ])('%s behaves like %s', (version, qemu, inferred) => {
    expect(agentRelease(version)).toEqual({ version, build: 'virtio-win', qemu, inferred });
  });

  it('upstream versions are what they say', () => {
    expect(agentRelease('7.2.22')).toEqual({ version: '7.2.22', build: 'upstream', qemu: '7.2', inferred: false });
  });

  it('a 108 build is not "9.1 or later", a 109 build is', () => {
    expect(releaseAtLeast('108.0.2', '9.1')).toBe(false);
    expect(releaseAtLeast('109.1.0', '9.1')).toBe(true);
    expect(releaseAtLeast('108.0.2', '2.5')).toBe(true);
  });

  it("the simulated agent's traits for 108.0.2 are 9.0's, not 9.1's", () => {
    expect(versionTraits('108.0.2', true)).toEqual({
      blockedSuffix: '',
      frozenSuffix: ': the agent is in frozen state',
      unknownPid: 'PID lld does not exist',
      wrapSpawnError: true,
      captureModes: true,
      truncatedFlagsFixed: false,
    });
    expect(versionTraits('110.0.2', true)).toMatchObject({ frozenSuffix: ': the command is not allowed', wrapSpawnError: false });
    expect(versionTraits('104.0.2').captureModes).toBe(false);
  });

  it('capture modes (8.1+) follow the mapped release, not the raw number', () => {
    expect(supportsCaptureModes('104.0.2')).toBe(false);
    expect(supportsCaptureModes('108.0.2')).toBe(true);
    expect(supportsCaptureModes('7.2.22')).toBe(false);
  });
});

describe.each(ERAS)('client.guestOs() on a simulated $era agent', (era) => {
  it('says Windows, from guest-get-osinfo, with the release the build behaves like', async () => {
    const { client } = await startWindows(era);
    const os = await client.guestOs();
    expect(os).toMatchObject({ family: 'windows', detectedBy: 'osinfo', agent: { version: era.version, build: 'virtio-win' } });
    expect(os.osInfo?.id).toBe('mswindows');
    expect(os.osInfo?.['pretty-name']).toBe('Windows Server 2022 Standard');
  });

  it('is read once per connection', async () => {
    const { agent, client } = await startWindows(era);
    await client.guestOs();
    await client.guestOs();
    await Promise.all([client.guestOs(), client.guestOs()]);
    expect(sent(agent, 'guest-get-osinfo')).toBe(1);
  });

  it('without guest-get-osinfo, the Windows-only guest-get-devices tells', async () => {
    const { client } = await startWindows(era, { disabled: ['guest-get-osinfo'] });
    expect(await client.guestOs()).toMatchObject({ family: 'windows', detectedBy: 'commands', osInfo: undefined });
  });

  it('without either, the virtio-win version number tells', async () => {
    const { client } = await startWindows(era, { disabled: ['guest-get-osinfo', 'guest-get-devices'] });
    expect(await client.guestOs()).toMatchObject({ family: 'windows', detectedBy: 'version' });
  });

  it('the Windows 11 sample still calls itself Windows 10 in pretty-name', async () => {
    const { client } = await startWindows(era, { windows: { edition: 'windows-11' } });
    const os = await client.guestOs();
    expect(os.osInfo).toMatchObject({ 'version-id': '11', 'pretty-name': 'Windows 10 Pro', id: 'mswindows' });
  });

  it('guestCodePages() reads OEM and ANSI once from the registry', async () => {
    const { agent, client } = await startWindows(era, { windows: { codePages: 866 } });
    expect(await client.guestCodePages()).toEqual({ oem: 866, ansi: 1251 });
    expect(await client.guestCodePages()).toEqual({ oem: 866, ansi: 1251 });
    expect(sent(agent, 'guest-exec')).toBe(1);
  });
});

describe('guestOs() on POSIX guests and across reconnects', () => {
  it('a Linux agent is posix, and has no code pages', async () => {
    const { agent, client } = await startLinux({ osInfo: { id: 'debian' } });
    expect(await client.guestOs()).toMatchObject({ family: 'posix', detectedBy: 'osinfo', agent: { build: 'upstream', qemu: '10.2' } });
    expect(await client.guestCodePages()).toBeUndefined();
    expect(sent(agent, 'guest-exec')).toBe(0);
  });

  it('is forgotten on reconnect: the next agent may be another guest', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'qga-win-'));
    const socket = path.join(dir, 'qga.sock');
    const linux = await SimulatedAgent.start({ path: socket });
    const client = await QgaClient.connect({ path: socket, reconnect: { retries: 50, delay: 20 } });
    let windows: SimulatedAgent | undefined;
    try {
      expect((await client.guestOs()).family).toBe('posix');
      const reconnected = new Promise((resolve) => client.once('connect', resolve));
      await linux.stop();
      windows = await SimulatedAgent.start({ profile: 'windows', path: socket });
      await reconnected;
      expect((await client.guestOs()).family).toBe('windows');
    } finally {
      await client.close();
      await windows?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
