import { describe, expect, it } from 'vitest';
import { PROXMOX_COMMANDS } from '../../../../src/channels/proxmox/endpoints.js';
import { QgaCommandError } from '../../../../src/index.js';
import { SimulatedAgentError } from '../../../../src/testing/index.js';
import { startPve } from '../../../support/proxmox.js';

describe('commands through Proxmox', () => {
  it('carries the simple commands on their endpoints, with the result unwrapped', async () => {
    const { pve, connect } = await startPve({ agentOptions: { hostName: 'web-1', timezone: { zone: 'CET', offset: 3600 } } });
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    await expect(client.guestGetHostName()).resolves.toEqual({ 'host-name': 'web-1' });
    await expect(client.guestGetTimezone()).resolves.toEqual({ zone: 'CET', offset: 3600 });
    expect((await client.info()).supported_commands.length).toBeGreaterThan(20);
    expect(pve.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /nodes/pve1/qemu/100/agent/get-host-name',
      'GET /nodes/pve1/qemu/100/agent/get-timezone',
      'GET /nodes/pve1/qemu/100/agent/info',
    ]);
  });

  it('keeps get-time exact beyond 2^53', async () => {
    const ns = 1_796_500_035_598_561_234n;
    const { connect } = await startPve({ agentOptions: { clock: () => ns } });
    const client = await connect({ node: 'pve1' });
    await expect(client.guestGetTime()).resolves.toBe(ns);
  });

  it('an agent error inside a 200 (result.error) is a QgaCommandError with its class and desc', async () => {
    const { agent, connect } = await startPve();
    agent!.handle('guest-get-fsinfo', () => {
      throw new SimulatedAgentError('GenericError', 'failed to open /proc/self/mountinfo');
    });
    const client = await connect({ node: 'pve1' });
    const error = await client.guestGetFsinfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error).toMatchObject({ command: 'guest-get-fsinfo', errorClass: 'GenericError', desc: 'failed to open /proc/self/mountinfo' });
    agent!.disable('guest-get-users');
    await expect(client.guestGetUsers()).rejects.toMatchObject({ errorClass: 'CommandNotFound', desc: expect.stringMatching(/has been disabled/) });
  });

  it('refuses a command Proxmox cannot carry before sending, naming the channel; supports() says false', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    for (const name of ['guest-get-disks', 'guest-file-open', 'guest-set-time', 'guest-sync', 'guest-ssh-get-authorized-keys'] as const) {
      const error = await (client.call as (n: string, a?: unknown) => Promise<unknown>)(name, name === 'guest-file-open' ? { path: '/x' } : name === 'guest-sync' ? { id: 1 } : name === 'guest-ssh-get-authorized-keys' ? { username: 'root' } : undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as Error).message).toMatch(/the proxmox channel cannot carry/);
      await expect(client.supports(name)).resolves.toBe(false);
    }
    expect(pve.requests.filter((r) => !r.path.endsWith('/agent/info'))).toEqual([]);
    await expect(client.supports('guest-exec')).resolves.toBe(true);
    expect([...client.capabilities.commands!].sort()).toEqual([...PROXMOX_COMMANDS].sort());
    expect(client.capabilities.commands!.size).toBe(23);
  });

  it('shutdown powers down; another mode is a clear error and nothing is sent', async () => {
    const { pve, agent, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    await expect(client.reboot()).rejects.toThrow(/no mode and always powers the guest down; mode 'reboot' cannot be sent/);
    await expect(client.shutdown({ mode: 'halt' })).rejects.toBeInstanceOf(QgaCommandError);
    expect(pve.requests).toEqual([]);
    await client.shutdown();
    expect(agent!.shutdownRequests).toEqual([{ command: 'guest-shutdown', mode: 'powerdown' }]);
  });

  it('fstrim without arguments only; suspend goes to its endpoint', async () => {
    const { pve, agent, connect } = await startPve();
    agent!.handle('guest-fstrim', () => ({ paths: [{ path: '/', trimmed: 0 }] }));
    const client = await connect({ node: 'pve1' });
    await expect(client.call('guest-fstrim', { minimum: 4096 })).rejects.toThrow(/takes no 'minimum'/);
    await client.call('guest-fstrim');
    await client.suspend('ram');
    expect(agent!.shutdownRequests).toEqual([{ command: 'guest-suspend-ram' }]);
    expect(pve.requests.map((r) => r.path).slice(-2)).toEqual(['/nodes/pve1/qemu/100/agent/fstrim', '/nodes/pve1/qemu/100/agent/suspend-ram']);
  });

  it('sets a password (UTF-8 bytes intact through the byte string); Proxmox limits checked before sending', async () => {
    const { pve, agent, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    await client.setUserPassword('alice', 'pässwörd✓');
    expect(agent!.passwordChanges.map((c) => [c.username, c.password, c.crypted])).toEqual([['alice', 'pässwörd✓', false]]);
    pve.clearRequests();
    await expect(client.setUserPassword('alice', 'abcd')).rejects.toThrow(/5 to 1024 bytes; this one has 4/);
    await expect(client.setUserPassword('alice', 'x'.repeat(1025))).rejects.toThrow(/this one has 1025/);
    expect(pve.requests).toEqual([]);
  });

  it('a 403 on a call names the missing privilege; the client stays usable', async () => {
    const { pve, connect } = await startPve();
    const token = pve.addToken('viewer@pve!tok', { role: 'PVEVMUser' });
    const client = await connect({ token, node: 'pve1' });
    const error = await client.exec(['true']).catch((e: unknown) => e);
    expect(error).toMatchObject({ command: 'guest-exec', errorClass: 'PermissionDenied' });
    expect((error as Error).message).toContain('Permission check failed (/vms/100, VM.GuestAgent.Unrestricted)');
    await client.ping();
  });

  it('on PVE 8 every agent call needs VM.Monitor, and the 403 says so', async () => {
    const { pve, connect } = await startPve({ privileges: 'pve8' });
    const token = pve.addToken('viewer@pve!tok', { role: 'PVEVMUser' });
    const error = await connect({ token, node: 'pve1' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Permission check failed \(\/vms\/100, VM\.Monitor\).*PVE 8 and earlier/);
    const admin = pve.addToken('admin@pve!tok', { role: 'PVEVMAdmin' });
    const client = await connect({ token: admin, node: 'pve1' });
    await client.ping();
  });
});
