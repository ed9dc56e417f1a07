import { afterEach, describe, expect, it } from 'vitest';
import { QgaCommandError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

// Freezing the host's filesystems would hang this machine, so the host agent blocks the
// freeze and thaw commands. Here: the refusal path. Freeze/run/thaw itself is tested
// against a scripted agent in test/unit/helpers, and on a real guest in the VM suite.
describe.skipIf(!qgaSocket)('withFrozenFilesystems against a real qemu-ga that blocks freezing', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  for (const mountpoints of [undefined, ['/']]) {
    const command = mountpoints ? 'guest-fsfreeze-freeze-list' : 'guest-fsfreeze-freeze';
    it(`a refused ${command} rejects with the agent error, fn never runs, no thaw is sent`, async () => {
      client = await connectAgent();
      const sent: string[] = [];
      client.on('request', ({ command: c }) => sent.push(c));
      let ran = false;
      const error = await client
        .withFrozenFilesystems(
          () => {
            ran = true;
          },
          mountpoints ? { mountpoints } : {},
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).command).toBe(command);
      expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
      expect((error as QgaCommandError).desc).toMatch(/has been disabled/);
      expect(ran).toBe(false);
      // A fresh client first asks once what the guest is (a Windows freeze differs).
      expect(sent).toEqual(['guest-info', 'guest-get-osinfo', 'guest-fsfreeze-status', command]);
      await expect(client.call('guest-fsfreeze-status')).resolves.toBe('thawed');
    });
  }
});
