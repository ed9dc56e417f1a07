/**
 * The Proxmox channel over real HTTPS against the simulated Proxmox, with the real qemu-ga
 * as the guest: every agent command goes through qemu-server's path (a fresh connection to
 * the agent socket, guest-sync-delimited first) to a real agent, whose files and processes
 * are this machine's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile as writeHostFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QgaCommandError, QgaConnectionError, QgaTimeoutError } from '../../src/index.js';
import { stagingLeftovers, startPve } from '../support/proxmox.js';
import { qgaSocket } from './connect-agent.js';

const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** Real qemu-ga may be slow to answer on a loaded machine: Proxmox's own timeouts, no 3 s 401 delay. */
const REAL_TIMING = { authFailureDelay: 0, agentPing: 3_000, agentCommand: 5_000 };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe.skipIf(!qgaSocket)('Proxmox channel, real qemu-ga behind the simulated Proxmox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qga-pve-it-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const start = (options: Parameters<typeof startPve>[0] = {}) => startPve({ guest: qgaSocket, timing: REAL_TIMING, ...options });

  it('connects over HTTPS with a pinned certificate and talks to the agent', async () => {
    const { connect } = await start();
    const client = await connect({ node: 'pve1' });
    expect(client.connectInfo.channel).toBe('proxmox');
    await client.ping();
    expect((await client.guestGetHostName())['host-name']).toBe(hostname());
    expect((await client.info()).version).toMatch(/^\d+\.\d+/);
    expect(typeof (await client.guestGetTime())).toBe('bigint'); // nanoseconds since 1970: beyond 2^53
  });

  describe('exec', () => {
    it('decodes UTF-8 output that Proxmox carries as a byte string', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      const result = await client.exec(['/bin/sh', '-c', "printf 'caf\\303\\251 \\342\\234\\223 \\346\\227\\245\\n'; printf '\\303\\244rger\\n' >&2; exit 4"]);
      expect(result).toMatchObject({ exitCode: 4, stdout: 'café ✓ 日\n', stderr: 'ärger\n' });
    });

    it('brings binary output back exactly, and takes binary stdin', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      const path = join(dir, 'all-bytes');
      await writeHostFile(path, ALL_BYTES);
      const out = await client.exec(['/bin/cat', path], { encoding: 'buffer' });
      expect(out.stdout.equals(ALL_BYTES)).toBe(true);
      const input = Buffer.concat([ALL_BYTES, randomBytes(65_536 - 256)]);
      const echoed = await client.exec(['/bin/cat'], { input, encoding: 'buffer' });
      expect(sha256(echoed.stdout)).toBe(sha256(input));
      await expect(client.exec(['/bin/cat'], { input: Buffer.alloc(65_537) })).rejects.toThrow(/input-data limit of 65536 bytes/);
    });

    it('a program the agent cannot start: QgaCommandError from the 500 "Agent error"', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      await expect(client.exec(['/no/such/program'])).rejects.toMatchObject({ command: 'guest-exec', desc: expect.stringMatching(/Failed to execute child process/) });
    });

    it('spawns, kills and waits', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      const proc = await client.spawn(['/bin/sleep', '30']);
      await expect(proc.kill('TERM')).resolves.toBe(true);
      await expect(proc.wait({ timeout: 10_000 })).resolves.toMatchObject({ signal: 15 });
    });
  });

  describe('files, binary, up to and past each limit', () => {
    for (const size of [0, 1, 61_440, 61_441, 65_536, 65_537, 300_000]) {
      it(`${size} bytes: writeFile then readFile give back the same bytes, and the target is never short`, async () => {
        const { connect } = await start();
        const client = await connect({ node: 'pve1' });
        const data = size >= 256 ? Buffer.concat([ALL_BYTES, randomBytes(size - 256)]) : randomBytes(size);
        const path = join(dir, `rt-${size}`);
        await client.writeFile(path, data);
        expect(sha256(readFileSync(path))).toBe(sha256(data));
        expect(sha256(await client.readFile(path))).toBe(sha256(data));
        expect(await stagingLeftovers(dir)).toEqual([]);
      });
    }

    it('appends past the limit', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      const path = join(dir, 'appended');
      const more = randomBytes(100_000);
      await client.writeFile(path, 'head\n');
      await client.writeFile(path, more, { append: true });
      expect(readFileSync(path).equals(Buffer.concat([Buffer.from('head\n'), more]))).toBe(true);
    });

    it('reads past 16 MiB with count/offset (qemu-server 9.1.5+)', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      const data = randomBytes(16 * MiB + 1);
      const path = join(dir, 'big');
      await writeHostFile(path, data);
      expect(sha256(await client.readFile(path, { callTimeout: 30_000 }))).toBe(sha256(data));
    });

    it('before 9.1.5: a file up to 16 MiB comes whole; past it, an error naming the limit', async () => {
      const { connect } = await start({ versions: { fileReadRange: false } });
      const client = await connect({ node: 'pve1' });
      const small = randomBytes(2 * MiB);
      await writeHostFile(join(dir, 'small'), small);
      expect((await client.readFile(join(dir, 'small'))).equals(small)).toBe(true);
      await writeHostFile(join(dir, 'huge'), Buffer.alloc(16 * MiB + 1));
      await expect(client.readFile(join(dir, 'huge'))).rejects.toThrow(/16 MiB or larger/);
    });
  });

  describe('errors', () => {
    it('a command the agent blocks comes back inside a 200 (result.error) as QgaCommandError', async () => {
      const { connect } = await start();
      const client = await connect({ node: 'pve1' });
      // The sandboxed agent blocks fsfreeze and set-user-password (scripts/test-env/qemu-ga/start-qemu-ga).
      await expect(client.call('guest-fsfreeze-freeze')).rejects.toMatchObject({ errorClass: 'CommandNotFound', desc: expect.stringMatching(/disabled/) });
      // set-user-password is checked by qemu-server (check_agent_error): a 500 "Agent error".
      await expect(client.setUserPassword('nobody', 'secret-pw')).rejects.toMatchObject({ errorClass: 'GenericError', desc: expect.stringMatching(/disabled/) });
    });

    it('VM stopped, agent down, agent not configured: QgaConnectionError; the client recovers', async () => {
      const { pve, connect } = await start({ timing: { ...REAL_TIMING, agentPing: 500 } });
      const client = await connect({ node: 'pve1' });
      pve.setRunning(100, false);
      await expect(client.ping()).rejects.toThrow(/VM 100 is not running/);
      pve.setRunning(100, true);
      pve.setAgentRunning(100, false);
      await expect(client.ping()).rejects.toThrow(/QEMU guest agent is not running/);
      pve.setAgentRunning(100, true);
      pve.setAgentConfigured(100, false);
      await expect(connect({ node: 'pve1' })).rejects.toThrow(/No QEMU guest agent configured/);
      pve.setAgentConfigured(100, true);
      await client.ping();
    });

    it('waitForAgent waits for an agent that comes up', async () => {
      const { pve, connect } = await start({ timing: { ...REAL_TIMING, agentPing: 300 } });
      pve.setAgentRunning(100, false);
      setTimeout(() => pve.setAgentRunning(100, true), 800);
      const client = await connect({ node: 'pve1' }, { waitForAgent: 15_000 });
      expect(client.connectInfo.attempts).toBeGreaterThan(1);
    });

    it('403 names the missing privilege; 401 and a fingerprint mismatch fail the connect', async () => {
      const { pve, connect } = await start();
      const user = pve.addToken('vmuser@pve!tok', { role: 'PVEVMUser' });
      const client = await connect({ token: user, node: 'pve1' });
      await expect(client.exec(['/bin/true'])).rejects.toThrow(/VM\.GuestAgent\.Unrestricted/);
      await expect(connect({ token: 'automation@pve!qga=bad', node: 'pve1' })).rejects.toThrow(QgaConnectionError);
      await expect(connect({ fingerprint: '00'.repeat(32), node: 'pve1' })).rejects.toThrow(/not the pinned/);
    });

    it('596: the outcome is unknown', async () => {
      const { pve, connect } = await start({ timing: { ...REAL_TIMING, proxyTimeout: 300 } });
      const client = await connect({ node: 'pve1' });
      pve.delay(600, { endpoint: 'get-osinfo' });
      await expect(client.guestGetOsinfo()).rejects.toThrow(QgaTimeoutError);
      await expect(client.guestGetOsinfo()).resolves.toHaveProperty('id');
    });

    it('an expired ticket: one re-login, the call goes through', async () => {
      let now = Date.now();
      const { pve, connect } = await start({ users: { 'root@pam': 'pw' }, clock: () => now });
      const client = await connect({ token: undefined, username: 'root@pam', password: 'pw', node: 'pve1' });
      now += 3 * 60 * 60 * 1000;
      pve.clearRequests();
      await client.ping();
      expect(pve.requests.map((r) => r.status)).toEqual([401, 200, 200]);
    });
  });

  it('follows a migration to another node (the same guest)', async () => {
    const { pve, connect } = await start({ nodes: ['pve1', 'pve2'] });
    const client = await connect();
    const moving = pve.migrate(100, 'pve2', { downtime: 300 });
    await expect(client.guestGetHostName()).resolves.toEqual({ 'host-name': hostname() });
    await moving;
    await expect(client.exec(['/bin/true'])).resolves.toMatchObject({ exitCode: 0 });
    expect(pve.requests.at(-1)?.path).toMatch(/^\/nodes\/pve2\//);
  });

  it('refuses what Proxmox cannot carry before sending', async () => {
    const { pve, connect } = await start();
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    await expect(client.call('guest-get-disks')).rejects.toBeInstanceOf(QgaCommandError);
    await expect(client.supports('guest-get-disks')).resolves.toBe(false);
    expect(pve.requests.filter((r) => !r.path.endsWith('/info'))).toEqual([]);
  });

  it('"got timeout" from qemu-server is a QgaTimeoutError', async () => {
    const { pve, connect } = await start();
    const client = await connect({ node: 'pve1' });
    pve.setTiming({ agentCommand: 1_000 }).slowAgent(100, 2_000, { command: 'guest-get-osinfo' });
    await expect(client.guestGetOsinfo()).rejects.toThrow(/qga command 'guest-get-osinfo' failed - got timeout/);
    await expect(client.guestGetOsinfo()).resolves.toHaveProperty('id');
  });
});
