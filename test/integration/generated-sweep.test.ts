/**
 * Calls every read-only command the real agent allows through its generated method, with
 * reply validation on, so each reply is checked against the shape generated from the schema.
 * Prints one line saying what was exercised, what answered with an error and what was
 * skipped and why.
 */
import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { QGA_COMMANDS, QgaCommandError, validateReply, type QgaClient, type QgaCommandInfo } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

/** Commands that change the guest (here, the host the agent runs on), never swept, and why. */
const STATE_CHANGING: readonly (readonly [RegExp, string])[] = [
  [/^guest-(set-|ssh-(add|remove)-authorized-keys$)/, 'changes settings'],
  [/^guest-(shutdown|suspend-)/, 'powers off or suspends'],
  [/^guest-(fsfreeze-(freeze|freeze-list|thaw)|fstrim)$/, 'freezes or trims filesystems'],
  [/^guest-exec/, 'runs processes; the exec tests cover it'],
  [/^guest-file-/, 'opens and writes files; the file tests cover it'],
];

/** Arguments for the read-only commands that require some. */
const SAMPLE_ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  'guest-sync': { id: 4242 },
  'guest-sync-delimited': { id: 4343 },
  'guest-ssh-get-authorized-keys': { username: userInfo().username },
};

/** Commands the sweep must reach whenever the agent has them enabled. */
const MUST_EXERCISE = [
  'guest-info',
  'guest-get-osinfo',
  'guest-get-host-name',
  'guest-get-time',
  'guest-get-timezone',
  'guest-network-get-interfaces',
  'guest-get-fsinfo',
  'guest-get-vcpus',
  'guest-get-users',
  'guest-get-cpustats',
];

type Method = (this: QgaClient, ...args: unknown[]) => Promise<unknown>;

describe.skipIf(!qgaSocket)('every read-only command through its generated method, replies validated', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('answers each one with a reply that matches the generated shape, or with an agent error', async () => {
    client = await connectAgent({ validate: true });
    const agent = await client.guestInfo();
    const known = QGA_COMMANDS as Readonly<Record<string, QgaCommandInfo | undefined>>;

    const exercised: string[] = [];
    const validated: string[] = [];
    const answeredWithError: string[] = [];
    const skipped: string[] = [];
    const failures: string[] = [];
    for (const { name, enabled } of [...agent.supported_commands].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const info = known[name];
      const changes = STATE_CHANGING.find(([pattern]) => pattern.test(name))?.[1];
      if (info === undefined) skipped.push(`${name} (not in the generated table)`);
      else if (changes !== undefined) skipped.push(`${name} (${changes})`);
      else if (!enabled) skipped.push(`${name} (disabled by the agent)`);
      else if (info.argumentsRequired && SAMPLE_ARGS[name] === undefined) skipped.push(`${name} (needs arguments the sweep has none for)`);
      else {
        exercised.push(name);
        const method = (client as unknown as Record<string, Method>)[info.method];
        expect(method, `${name} has no generated method ${info.method}`).toBeTypeOf('function');
        const args = SAMPLE_ARGS[name];
        try {
          const value = await (args === undefined ? method!.call(client) : method!.call(client, args));
          // The client already rejected a mismatch (validate: true); say it once more in the test.
          const problems = validateReply(name, value);
          if (problems.length > 0) failures.push(`${name}: ${problems.join('; ')}`);
          else validated.push(name);
        } catch (error) {
          // The agent refusing (wrong platform, no udev, …) is its answer; anything else, a
          // validation failure above all, is a failure of the sweep.
          if (error instanceof QgaCommandError) answeredWithError.push(`${name} (${error.errorClass}: ${error.desc})`);
          else failures.push(`${name}: ${String(error)}`);
        }
      }
    }

    console.log(
      `generated sweep against qemu-ga ${agent.version}: exercised ${exercised.length}, ` +
        `answered ${validated.length}, results validated [${validated.join(', ')}]; ` +
        `answered with error ${answeredWithError.length} [${answeredWithError.join('; ')}]; ` +
        `skipped ${skipped.length} [${skipped.join('; ')}]`,
    );
    expect(failures).toEqual([]);
    expect(exercised.length).toBeGreaterThan(0);
    const enabled = new Set(agent.supported_commands.filter((c) => c.enabled).map((c) => c.name));
    for (const name of MUST_EXERCISE) if (enabled.has(name)) expect(exercised, name).toContain(name);
  });
});
