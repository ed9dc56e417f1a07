import { afterEach, describe, expect, inject, it } from 'vitest';
import { QgaCommandError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

const blocked = (): string[] => inject('qgaBlocked').split(',').filter(Boolean);

describe.skipIf(!qgaSocket)('info and supports against a real qemu-ga', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('info returns the agent version and command list, fetched once per connection', async () => {
    client = await connectAgent();
    const sent: string[] = [];
    client.on('request', ({ command }) => sent.push(command));
    const first = await client.info();
    expect(first.version).toMatch(/^\d+\.\d+/);
    expect(first.supported_commands.map((c) => c.name)).toContain('guest-file-open');
    const second = await client.info();
    expect(second).toBe(first);
    expect(sent.filter((c) => c === 'guest-info')).toHaveLength(1);
    await client.info({ refresh: true });
    expect(sent.filter((c) => c === 'guest-info')).toHaveLength(2);
  });

  it('supports: present and enabled is true; blocked or unknown is false', async () => {
    client = await connectAgent();
    expect(await client.supports('guest-ping')).toBe(true);
    expect(await client.supports('guest-file-read')).toBe(true);
    expect(blocked()).toContain('guest-shutdown');
    expect(await client.supports('guest-shutdown')).toBe(false);
    expect(await client.supports('guest-no-such-command')).toBe(false);
  });

  it('without checkEnabled a blocked command costs a round trip and gets the agent error', async () => {
    client = await connectAgent();
    const sent: string[] = [];
    client.on('request', ({ command }) => sent.push(command));
    const error = await client.call('guest-fstrim').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
    expect((error as QgaCommandError).desc).toMatch(/has been disabled/);
    expect(sent).toEqual(['guest-fstrim']);
  });

  it('checkEnabled: every blocked command fails fast with CommandNotFound, nothing is sent', async () => {
    client = await connectAgent({ checkEnabled: true });
    const sent: string[] = [];
    client.on('request', ({ command }) => sent.push(command));
    for (const command of blocked()) {
      const started = performance.now();
      const error = await client.call(command as 'guest-fstrim').catch((e: unknown) => e);
      expect(error, command).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
      expect((error as QgaCommandError).command).toBe(command);
      expect((error as QgaCommandError).desc).toMatch(/disabled/);
      expect(performance.now() - started).toBeLessThan(50);
    }
    await expect(client.shutdown()).rejects.toBeInstanceOf(QgaCommandError);
    expect(sent).toEqual([]);
    // Enabled commands are untouched.
    await expect(client.ping()).resolves.toBeUndefined();
    expect(sent).toEqual(['guest-ping']);
  });
});
