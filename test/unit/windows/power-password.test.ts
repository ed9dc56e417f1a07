import { describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError } from '../../../src/index.js';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

describe.each(ERAS)('password and power on a simulated $era agent', (era) => {
  it("crypted passwords are refused locally: the hash never crosses the channel", async () => {
    const { agent, client } = await startWindows(era);
    const error = (await client.setUserPassword('Administrator', '$6$salt$hash', { crypted: true }).catch((e: unknown) => e)) as QgaCommandError;
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error.desc).toMatch(/^'crypted' must be off on this host/);
    expect(sent(agent, 'guest-set-user-password')).toBe(0);
    // The agent would refuse too, in its era's words.
    const raw = (await client.call('guest-set-user-password', { username: 'Administrator', password: 'eA==', crypted: true }).catch((e: unknown) => e)) as QgaCommandError;
    expect(raw.desc).toBe(era.newTexts ? "'crypted' must be off on this host" : 'this feature or command is not currently supported');
  });

  it('a plain password for a local account is set; an unknown account gets the localized text', async () => {
    const { agent, client } = await startWindows(era, { windows: { locale: 'de' } });
    await client.setUserPassword('Administrator', 'Sommer2025!');
    expect(agent.passwordChanges[0]).toMatchObject({ username: 'Administrator', crypted: false, password: 'Sommer2025!' });
    const error = (await client.setUserPassword('niemand', 'x').catch((e: unknown) => e)) as QgaCommandError;
    expect(error.desc).toBe('failed to set password: Der Benutzername konnte nicht gefunden werden.');
  });

  it('reboot: no reply, the channel closes, the rebooted agent has forgotten its processes and files, handle numbers go on', async () => {
    const { agent, client } = await startWindows(era);
    const proc = await client.spawn(['ping', '-n', '60', '127.0.0.1']);
    const before = await client.call('guest-file-open', { path: 'C:\\Windows\\Temp\\open.txt', mode: 'w' });
    const closed = new Promise((resolve) => client.once('close', resolve));
    await client.reboot();
    await closed;
    expect(agent.shutdownRequests).toEqual([{ command: 'guest-shutdown', mode: 'reboot' }]);
    const again = await QgaClient.connect({ path: agent.path });
    try {
      const error = (await again.call('guest-exec-status', { pid: proc.pid }).catch((e: unknown) => e)) as QgaCommandError;
      expect(error.desc).toBe('PID lld does not exist');
      expect(agent.openFileCount).toBe(0);
      const lost = (await again.call('guest-file-close', { handle: before }).catch((e: unknown) => e)) as QgaCommandError;
      expect(lost.desc).toBe(`handle '${before}' has not been found`);
      const after = await again.call('guest-file-open', { path: 'C:\\Windows\\Temp\\open.txt', mode: 'w' });
      expect(after).toBe(before + 1);
      await again.call('guest-file-close', { handle: after });
    } finally {
      await again.close();
    }
  });

  it('power off: the guest is gone, connecting fails', async () => {
    const { agent, client } = await startWindows(era);
    const closed = new Promise((resolve) => client.once('close', resolve));
    await client.shutdown();
    await closed;
    expect(agent.poweredOff).toBe(true);
    await expect(QgaClient.connect({ path: agent.path, connectTimeout: 300 })).rejects.toThrow();
  });

  it("a bad mode gets the Windows agent's text; suspend without S3/S4 is refused", async () => {
    const { client } = await startWindows(era);
    const bad = (await client.call('guest-shutdown', { mode: 'sleep' }).catch((e: unknown) => e)) as QgaCommandError;
    expect(bad.desc).toBe("Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
    await expect(client.suspend('ram')).rejects.toMatchObject({ desc: 'suspend-to-ram not supported by OS' });
  });
});

describe('crypted passwords on a POSIX guest', () => {
  it('still go to the agent', async () => {
    const { agent, client } = await startLinux();
    await client.setUserPassword('root', '$6$salt$hash', { crypted: true });
    expect(agent.passwordChanges[0]).toMatchObject({ username: 'root', crypted: true });
  });
});
