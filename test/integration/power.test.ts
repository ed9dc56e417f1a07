import { afterEach, describe, expect, it } from 'vitest';
import { QgaCommandError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

// The host agent blocks these (they would stop this machine): the failure reply must
// reject, although on success the agent sends no reply at all. The success path (resolve
// on the sync that follows, with no reply) is tested against a scripted agent in
// test/unit/helpers.
describe.skipIf(!qgaSocket)('power commands against a real qemu-ga that blocks them', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  const expectDisabled = async (call: Promise<void>, command: string): Promise<void> => {
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe(command);
    expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
    expect((error as QgaCommandError).desc).toMatch(/has been disabled/);
  };

  it('shutdown in every mode and reboot reject with the agent error', async () => {
    client = await connectAgent();
    await expectDisabled(client.shutdown(), 'guest-shutdown');
    await expectDisabled(client.shutdown({ mode: 'halt' }), 'guest-shutdown');
    await expectDisabled(client.reboot(), 'guest-shutdown');
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('suspend to ram, disk and hybrid reject with the agent error', async () => {
    client = await connectAgent();
    await expectDisabled(client.suspend('ram'), 'guest-suspend-ram');
    await expectDisabled(client.suspend('disk'), 'guest-suspend-disk');
    await expectDisabled(client.suspend('hybrid'), 'guest-suspend-hybrid');
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('a wrong mode or kind is a TypeError, nothing is sent', async () => {
    client = await connectAgent();
    const sent: string[] = [];
    client.on('request', ({ command }) => sent.push(command));
    await expect(client.shutdown({ mode: 'poweroff' as never })).rejects.toBeInstanceOf(TypeError);
    await expect(client.suspend('s3' as never)).rejects.toBeInstanceOf(TypeError);
    expect(sent).toEqual([]);
  });
});
