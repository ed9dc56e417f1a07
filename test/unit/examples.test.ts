/**
 * The examples are documentation users copy: they must keep working. Each task function
 * runs against the simulated demo guest, and the CLI runs as users run it (a child
 * process through tsx), with and without `--socket`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QgaClient } from '../../src/index.js';
import type { SimulatedAgent } from '../../src/testing/index.js';
import { SimulatedAgent as Agent } from '../../src/testing/index.js';
import { startDemoGuest } from '../../examples/demo-guest.js';
import { ping } from '../../examples/ping.js';
import { osInfo, describeOsInfo } from '../../examples/osinfo.js';
import { hostName } from '../../examples/hostname.js';
import { networkInterfaces } from '../../examples/network-interfaces.js';
import { run } from '../../examples/exec.js';
import { cpuStats } from '../../examples/cpu-stats.js';
import { downloadFile, getFile, putFile } from '../../examples/file-get-put.js';
import { setPassword } from '../../examples/set-password.js';
import { freezeAround } from '../../examples/freeze-snapshot.js';
import { progressLine, summaryTable, surveyFleet } from '../../examples/fleet.js';
import { instrumentQga, memorySinks } from '../../examples/telemetry.js';
import { QgaPool } from '../../src/index.js';
import { parseArgs, UsageError } from '../../examples/qga.js';
import { runScript } from '../../examples/windows-shell.js';
import { proxmoxSummary } from '../../examples/proxmox.js';
import { SimulatedProxmox } from '../../src/testing/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tsx examples/qga.ts ARGS…`, as a user runs it. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsxCli, 'examples/qga.ts', ...args],
      { cwd: root, env: { ...process.env, QGA_SOCKET: undefined, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : error ? 1 : 0, stdout, stderr }),
    );
  });
}

describe('examples against the simulated demo guest', () => {
  let agent: SimulatedAgent;
  let client: QgaClient;
  beforeAll(async () => {
    agent = await startDemoGuest();
    client = await QgaClient.connect({ path: agent.path });
  });
  afterAll(async () => {
    await client?.close();
    await agent?.stop();
  });

  it('ping answers with a round-trip time', async () => {
    const result = await ping(client);
    expect(result.ok).toBe(true);
    expect(result.ms).toBeGreaterThanOrEqual(0);
  });

  it('osinfo and hostname report the guest', async () => {
    const os = await osInfo(client);
    expect(os['pretty-name']).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(describeOsInfo(os)).toContain('kernel   6.1.0-27-amd64');
    expect(await hostName(client)).toBe('demo-guest');
  });

  it('network lists interfaces with CIDR addresses, IPv4 first', async () => {
    const nics = await networkInterfaces(client);
    expect(nics.find((n) => n.name === 'ens3')).toEqual({
      name: 'ens3',
      mac: '52:54:00:12:34:56',
      addresses: ['192.0.2.10/24', 'fe80::5054:ff:fe12:3456/64'],
    });
  });

  it('exec passes output, stdin and a non-zero exit through', async () => {
    expect(await run(client, ['echo', 'hi', 'there'])).toMatchObject({ exitCode: 0, stdout: 'hi there\n', stderr: '' });
    expect((await run(client, ['cat'], { input: 'from stdin' })).stdout).toBe('from stdin');
    expect((await run(client, ['false'])).exitCode).toBe(1);
  });

  it('cpu stats turn tick counters into shares that add up to 100 %', async () => {
    const cpus = await cpuStats(client);
    expect(cpus.map((c) => c.cpu)).toEqual([0, 1]);
    for (const c of cpus) expect(c.user + c.system + c.idle + c.iowait + c.steal).toBeCloseTo(100, 0);
  });

  it('files go into the guest and come back byte for byte', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qga-examples-'));
    try {
      const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
      await writeFile(path.join(dir, 'in.bin'), bytes);
      expect((await putFile(client, path.join(dir, 'in.bin'), '/tmp/copy.bin')).bytes).toBe(bytes.length);
      expect(await getFile(client, '/tmp/copy.bin')).toEqual(bytes);
      await downloadFile(client, '/tmp/copy.bin', path.join(dir, 'out.bin'));
      expect(await readFile(path.join(dir, 'out.bin'))).toEqual(bytes);
      expect(agent.openFileCount).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('set-password reaches the agent and refuses an empty password', async () => {
    await setPassword(client, 'alice', 'correct horse');
    expect(agent.passwordChanges.at(-1)).toMatchObject({ username: 'alice', crypted: false, password: 'correct horse' });
    await expect(setPassword(client, 'alice', '')).rejects.toThrow(/empty password/);
  });

  it('freeze-snapshot runs the snapshot while frozen and always thaws', async () => {
    const run1 = await freezeAround(client, () => Promise.resolve(agent.frozen));
    expect(run1).toMatchObject({ result: true, frozen: 1, thawed: 1 });
    await expect(freezeAround(client, () => Promise.reject(new Error('snapshot failed')))).rejects.toThrow('snapshot failed');
    expect(agent.frozen).toBe(false);
  });
});

describe('windows-shell', () => {
  it('runs PowerShell or cmd on a Windows guest, sh on a Linux one, text decoded', async () => {
    const win = await Agent.start({ profile: 'windows' });
    const linux = await startDemoGuest();
    try {
      await using wc = await QgaClient.connect({ path: win.path });
      expect(await runScript(wc, 'Write-Output "Grüße"')).toMatchObject({ family: 'windows', shell: 'powershell', result: { exitCode: 0, stdout: 'Grüße\n' } });
      expect(await runScript(wc, 'echo %COMPUTERNAME%', { cmd: true })).toMatchObject({ shell: 'cmd', result: { stdout: 'WIN-7Q2L0K4S1HD\n' } });
      await using lc = await QgaClient.connect({ path: linux.path });
      expect(await runScript(lc, 'echo hi')).toMatchObject({ family: 'posix', shell: 'sh' });
    } finally {
      await win.stop();
      await linux.stop();
    }
  });
});

describe('fleet', () => {
  it('surveys every guest of a pool, failures included, with progress and a summary table', async () => {
    const agents = await Promise.all(['a', 'b', 'c'].map((hostName) => Agent.start({ hostName })));
    try {
      await using pool = new QgaPool();
      agents.forEach((agent, i) => pool.add(`g${i}`, { path: agent.path }));
      pool.add('missing', { path: path.join(tmpdir(), `qga-examples-missing-${process.pid}.sock`) });
      const lines: string[] = [];
      const rows = await surveyFleet(pool, { concurrency: 2, timeout: 2_000, onProgress: (p) => lines.push(progressLine(p, 4)) });
      expect(rows.map((r) => r.hostName)).toEqual(['a', 'b', 'c', undefined]);
      expect(rows[3]!.error).toMatch(/^QGA_CONNECTION: .*ENOENT/);
      expect(lines.at(-1)).toMatch(/^\[####\] 4\/4 {2}1 failed {2}0 in flight$/);
      expect(summaryTable(rows)).toMatch(/3\/4 guests answered$/);
    } finally {
      await Promise.all(agents.map((a) => a.stop()));
    }
  });
});

describe('telemetry', () => {
  it('turns the diagnostics channels into spans, a duration histogram and error counts', async () => {
    const agent = await Agent.start();
    const sinks = memorySinks();
    const stop = instrumentQga(sinks);
    try {
      await using c = await QgaClient.connect({ path: agent.path });
      await c.ping();
      await c.guestFileOpen({ path: '/no/such/file' }).catch(() => undefined);
      expect(sinks.spans.map((s) => [s.name, s.error])).toEqual([
        ['qga guest-ping', undefined],
        ['qga guest-file-open', 'QGA_COMMAND'],
      ]);
      expect(sinks.spans[0]!.attributes).toMatchObject({ 'qga.command': 'guest-ping', 'qga.channel': 'direct', 'qga.reply_bytes': expect.any(Number) });
      expect(sinks.durations).toHaveLength(2);
      expect(Object.fromEntries(sinks.errors)).toEqual({ QGA_COMMAND: 1 });
      expect(sinks.resyncCount()).toBe(1);
    } finally {
      stop();
      await agent.stop();
    }
  });
});

describe('qga CLI', () => {
  it('keeps options before the command and everything after it for the command', () => {
    expect(parseArgs(['-j', '--socket', '/s', 'exec', 'ls', '-l'], {})).toEqual({ socket: '/s', json: true, command: 'exec', args: ['ls', '-l'] });
    expect(parseArgs(['hostname'], { QGA_SOCKET: '/env.sock' }).socket).toBe('/env.sock');
    expect(parseArgs(['--socket=/x', 'ping'], { QGA_SOCKET: '/env.sock' }).socket).toBe('/x');
    expect(() => parseArgs(['--bogus', 'ping'], {})).toThrow(UsageError);
  });

  it('-j ping prints JSON from the simulated guest when no socket is given', async () => {
    const { code, stdout } = await cli(['-j', 'ping']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true });
  });

  it('exec passes the output and the exit code through', async () => {
    const ok = await cli(['exec', 'uname', '-r']);
    expect(ok).toMatchObject({ code: 0, stdout: '6.1.0-27-amd64\n' });
    expect((await cli(['exec', 'false'])).code).toBe(1);
    const missing = await cli(['-j', 'exec', 'no-such-program']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ name: 'QgaCommandError', code: 'QGA_COMMAND' });
  });

  it('--socket talks to that agent; get prints a guest file', async () => {
    await using agent = await Agent.start({ hostName: 'from-socket', files: { '/etc/motd': 'hi from the socket\n' } });
    expect((await cli(['--socket', agent.path, 'hostname'])).stdout).toBe('from-socket\n');
    expect((await cli(['get', '/etc/motd'], { QGA_SOCKET: agent.path })).stdout).toBe('hi from the socket\n');
  });

  it('checks the command and its arguments before connecting: a usage error, not a connection error', async () => {
    const nowhere = '/nonexistent/qga.sock';
    for (const argv of [['frobnicate'], ['get'], ['get', 'a', 'b'], ['put', 'one'], ['exec'], ['exec', '--']]) {
      const { code, stderr } = await cli(['--socket', nowhere, ...argv]);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toContain('usage: qga');
      expect(stderr).not.toMatch(/QGA_CONNECTION|no such socket/);
    }
  });

  it('an unknown command exits 2 with the usage', async () => {
    const { code, stderr } = await cli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: qga');
  });
});

describe('the Proxmox example against a simulated Proxmox', () => {
  it('reports the guest, runs uname and round-trips a file through the API', async () => {
    await using guest = await Agent.start({ hostName: 'pve-guest' });
    guest.handleExec('uname', () => ({ stdout: 'Linux pve-guest\n' }));
    await using pve = await SimulatedProxmox.start({ vms: [{ vmid: 100, guest }] });
    const token = pve.addToken('automation@pve!qga', { role: 'PVEVMAdmin' });
    const summary = await proxmoxSummary({ host: pve.host, port: pve.port, vmid: 100, token, fingerprint: pve.fingerprint });
    expect(summary).toMatchObject({ channel: 'proxmox', hostName: 'pve-guest', uname: 'Linux pve-guest', roundTrip: expect.stringMatching(/^written through Proxmox VE https:\/\/127\.0\.0\.1:\d+ VM 100\n$/) });
  });
});
