/**
 * What a client's timers do to the life of the process, over a transport that holds
 * nothing itself (the in-process one): a call that waits for its reply keeps the process
 * alive until it settles or times out, as a per-call timer would; an idle client does not.
 * Each case runs in a child process, since only there can the process be seen to exit.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const tsx = resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');
const src = (path: string): string => JSON.stringify(resolve(import.meta.dirname, '../../../src', path));

/**
 * Runs `body` after connecting; resolves with what the child printed once it exited by
 * itself. A child still alive after 20 s is killed, and the promise rejects.
 */
async function runScript(body: string, connectOptions = '{}'): Promise<string> {
  const script = `
    import { QgaClient } from ${src('index.ts')};
    import { SimulatedAgent } from ${src('testing/index.ts')};
    const agent = await SimulatedAgent.start({ listen: false });
    const client = await QgaClient.connect({ transport: agent.createTransport(), ...${connectOptions} });
    ${body}
  `;
  const { stdout } = await promisify(execFile)(tsx, ['--input-type=module', '-e', script], { timeout: 20_000 });
  return stdout;
}

describe('a client and the life of the process', () => {
  it('a call waiting for its reply keeps the process alive until it times out', async () => {
    const stdout = await runScript(`
      agent.injectFault({ kind: 'drop' }, { command: 'guest-ping' });
      // Not awaited: only the call's own timer can keep the process alive for it.
      client.ping({ timeout: 1500 }).then(
        () => console.log('answered'),
        (error) => console.log('settled: ' + error.code),
      );
    `);
    expect(stdout.trim()).toBe('settled: QGA_TIMEOUT');
  }, 30_000);

  it('an idle client does not hold the process: it exits with the client left open', async () => {
    const stdout = await runScript(
      `
      await client.ping({ timeout: 60_000 });
      console.log('pinged');
    `,
      '{ connectTimeout: 60_000 }',
    );
    // Held by a deadline timer (60 s for the connect's resync and for the ping), the
    // process would be killed at 20 s and runScript reject.
    expect(stdout.trim()).toBe('pinged');
  }, 30_000);
});
