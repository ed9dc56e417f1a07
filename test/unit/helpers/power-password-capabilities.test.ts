import { describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError } from '../../../src/index.js';
import { useScriptedGuest, type ScriptedGuest } from './scripted-guest.js';

let guest: ScriptedGuest;
let client: QgaClient;
useScriptedGuest((g, c) => {
  guest = g;
  client = c;
});

describe('power', () => {
  it('shutdown resolves when the agent took it, although no reply comes', async () => {
    const started = performance.now();
    await client.shutdown();
    expect(performance.now() - started).toBeLessThan(1000);
    await client.shutdown({ mode: 'halt' });
    await client.reboot();
    const modes = guest.agent.requests.filter((r) => r.execute === 'guest-shutdown').map((r) => r.arguments?.['mode']);
    expect(modes).toEqual(['powerdown', 'halt', 'reboot']);
    await client.ping();
  });

  it('suspend sends the command for its kind', async () => {
    await client.suspend('ram');
    await client.suspend('disk');
    await client.suspend('hybrid');
    expect(guest.commands()).toEqual(['guest-suspend-ram', 'guest-suspend-disk', 'guest-suspend-hybrid']);
    await expect(client.suspend('sleep' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(client.shutdown({ mode: 'off' as never })).rejects.toBeInstanceOf(TypeError);
  });

  it('a failure reply rejects with the agent error', async () => {
    guest.failing.set('guest-suspend-disk', 'the requested suspend mode is not supported by the guest');
    const error = await client.suspend('disk').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).desc).toMatch(/not supported/);
  });
});

describe('setUserPassword', () => {
  it('sends the password base64-encoded with the crypted flag', async () => {
    await client.setUserPassword('alice', 'pässwörd');
    await client.setUserPassword('bob', '$6$salt$hash', { crypted: true });
    const sent = guest.agent.requests.filter((r) => r.execute === 'guest-set-user-password').map((r) => r.arguments);
    expect(sent).toEqual([
      { username: 'alice', password: Buffer.from('pässwörd').toString('base64'), crypted: false },
      { username: 'bob', password: Buffer.from('$6$salt$hash').toString('base64'), crypted: true },
    ]);
  });

  it('refuses what the agent would refuse, without sending the secret or naming it', async () => {
    const secret = 'line1\nline2';
    const error = await client.setUserPassword('alice', secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).stack)).not.toContain('line1');
    await expect(client.setUserPassword('a:b', 'x')).rejects.toBeInstanceOf(TypeError);
    expect(guest.commands()).toEqual([]);
  });

  it('an agent message quoting the password is scrubbed', async () => {
    const secret = 'Sup3r-Secret';
    guest.intercept = (request, c) => {
      if (request.execute !== 'guest-set-user-password') return false;
      c.error(request, 'GenericError', `chpasswd said: bad password ${secret} (${String(request.arguments?.['password'])})`);
      return true;
    };
    const error = (await client.setUserPassword('alice', secret).catch((e: unknown) => e)) as QgaCommandError;
    expect(error).toBeInstanceOf(QgaCommandError);
    const b64 = Buffer.from(secret).toString('base64');
    for (const text of [error.message, error.desc, String(error.stack)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(b64);
    }
    expect(error.desc).toMatch(/redacted/);
  });
});

describe('info / supports / checkEnabled', () => {
  it('info is fetched once per connection; refresh asks again', async () => {
    const a = await client.info();
    const b = await client.info();
    expect(b).toBe(a);
    expect(guest.commands().filter((c) => c === 'guest-info')).toHaveLength(1);
    await client.info({ refresh: true });
    expect(guest.commands().filter((c) => c === 'guest-info')).toHaveLength(2);
  });

  it('supports is true only for a present and enabled command', async () => {
    guest.disabled.add('guest-exec');
    expect(await client.supports('guest-file-open')).toBe(true);
    expect(await client.supports('guest-exec')).toBe(false);
    expect(await client.supports('guest-nope')).toBe(false);
  });

  it('a guest-info taken while frozen is not cached', async () => {
    guest.frozen = true;
    expect(await client.supports('guest-file-open')).toBe(false);
    guest.frozen = false;
    expect(await client.supports('guest-file-open')).toBe(true);
  });

  it('checkEnabled: a disabled command fails fast with CommandNotFound and is not sent', async () => {
    guest.disabled.add('guest-shutdown');
    const strict = await QgaClient.connect({ path: guest.agent.path, checkEnabled: true });
    try {
      const before = guest.agent.requests.length;
      const error = await strict.shutdown().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
      expect((error as QgaCommandError).desc).toMatch(/disabled/);
      expect(guest.agent.requests.length).toBe(before);
      await strict.ping();
      // The connect-time guest-info also primed the info cache.
      await strict.info();
      expect(guest.commands().filter((c) => c === 'guest-info')).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('checkEnabled is skipped when the agent is frozen at connect', async () => {
    guest.frozen = true;
    const strict = await QgaClient.connect({ path: guest.agent.path, checkEnabled: true });
    try {
      guest.frozen = false;
      await expect(strict.call('guest-file-open', { path: '/nope' })).rejects.toThrow(/No such file/);
    } finally {
      await strict.close();
    }
  });

  it('after a reconnect, info and the checkEnabled list are read again from the new agent', async () => {
    guest.disabled.add('guest-shutdown');
    const strict = await QgaClient.connect({ path: guest.agent.path, checkEnabled: true, reconnect: { retries: 5, delay: 10 } });
    try {
      expect(await strict.supports('guest-shutdown')).toBe(false);
      await expect(strict.shutdown()).rejects.toThrow(/not sent/);
      // The "agent" restarts with another configuration and the channel drops.
      guest.disabled = new Set(['guest-suspend-ram']);
      guest.intercept = (request, c) => {
        if (request.execute !== 'guest-get-osinfo') return false;
        setTimeout(() => c.socket.destroy(), 5);
        return true;
      };
      const reconnected = new Promise((r) => strict.once('connect', r));
      await expect(strict.call('guest-get-osinfo')).rejects.toHaveProperty('code', 'QGA_CONNECTION');
      await reconnected;
      guest.intercept = undefined;
      expect(await strict.supports('guest-shutdown')).toBe(true);
      await expect(strict.shutdown()).resolves.toBeUndefined();
      const error = (await strict.suspend('ram').catch((e: unknown) => e)) as QgaCommandError;
      expect(error.desc).toMatch(/not sent/);
    } finally {
      await strict.close();
    }
  });

  it('checkEnabled must be a boolean', async () => {
    await expect(QgaClient.connect({ path: guest.agent.path, checkEnabled: 'yes' as never })).rejects.toBeInstanceOf(TypeError);
  });
});
