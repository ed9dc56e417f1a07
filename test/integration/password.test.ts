import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { QgaCommandError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

const PASSWORD = 'Tr0ub4dor&3-never-logged';
const ENCODED = Buffer.from(PASSWORD).toString('base64');

/** Every string reachable from a value: event payloads, error fields, causes. */
function strings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return value === undefined ? [] : [String(value)];
  seen.add(value);
  const out: string[] = [];
  if (value instanceof Error) out.push(value.message, String(value.stack), String(value));
  for (const key of Reflect.ownKeys(value)) out.push(...strings((value as Record<PropertyKey, unknown>)[key], seen));
  return out;
}

// guest-set-user-password is blocked on the host agent (it would run chpasswd here), so
// the call fails; the test is that the secret appears nowhere on the way.
describe.skipIf(!qgaSocket)('setUserPassword against a real qemu-ga that blocks it', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('rejects with the agent error, and no event, error field or stack holds the password', async () => {
    client = await connectAgent();
    const captured: unknown[] = [];
    for (const event of ['request', 'response', 'resync', 'connect', 'close', 'reconnecting'] as const) {
      client.on(event as 'request', (...args: unknown[]) => captured.push(event, ...args));
    }
    const error = await client.setUserPassword('nobody', PASSWORD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe('guest-set-user-password');
    expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
    expect((error as QgaCommandError).desc).toMatch(/has been disabled/);
    const crypted = await client.setUserPassword('nobody', PASSWORD, { crypted: true }).catch((e: unknown) => e);
    expect(crypted).toBeInstanceOf(QgaCommandError);
    expect(captured.length).toBeGreaterThan(0);
    for (const text of strings([captured, error, crypted])) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(ENCODED);
    }
  });

  it('with debug logging on, the output never holds the password', async () => {
    // debuglog reads NODE_DEBUG at start-up: run the call in a child process.
    const script = `
      import { QgaClient } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/index.ts'))};
      const client = await QgaClient.connect({ path: process.env.SOCK, waitForAgent: 5000 });
      try { await client.setUserPassword('nobody', process.env.SECRET); }
      catch (e) { console.log(String(e)); console.log(e.stack); console.log(JSON.stringify(e)); }
      await client.close();
    `;
    const tsx = resolve(import.meta.dirname, '../../node_modules/.bin/tsx');
    const { stdout, stderr } = await promisify(execFile)(tsx, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_DEBUG: 'qga,qga:*', SOCK: qgaSocket, SECRET: PASSWORD },
      timeout: 30_000,
    });
    expect(stderr).toMatch(/guest-set-user-password/); // debug output was on
    expect(stdout).toMatch(/has been disabled/);
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(ENCODED);
    }
  });
});
