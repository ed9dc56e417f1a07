import { describe, expect, it } from 'vitest';
import { QgaCommandError, QgaExecError } from '../../../../src/index.js';
import { startPve } from '../../../support/proxmox.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const statusCalls = (pve: { requests: readonly { path: string }[] }): number => pve.requests.filter((r) => r.path.endsWith('/agent/exec-status')).length;

describe('exec through Proxmox', () => {
  it('runs a program and decodes UTF-8 output that Proxmox sent as a byte string', async () => {
    const { agent, connect } = await startPve();
    agent!.handleExec('greet', () => ({ stdout: 'café ✓ 日本\n', stderr: 'warn\n', exitCode: 2 }));
    const client = await connect({ node: 'pve1' });
    const result = await client.exec(['greet']);
    expect(result).toMatchObject({ exitCode: 2, signal: null, stdout: 'café ✓ 日本\n', stderr: 'warn\n', stdoutTruncated: false, stderrTruncated: false });
  });

  it('passes every byte value both ways: stdin in, binary stdout back', async () => {
    const { agent, connect } = await startPve();
    agent!.handleExec('cat', (_argv, { input }) => ({ stdout: Buffer.concat([input, ALL_BYTES]) }));
    const client = await connect({ node: 'pve1' });
    const input = Buffer.from(ALL_BYTES).reverse();
    const result = await client.exec(['cat'], { input, encoding: 'buffer' });
    expect(result.stdout.equals(Buffer.concat([input, ALL_BYTES]))).toBe(true);
  });

  it('asks for the status only until the first "exited" reply (it reaps the pid)', async () => {
    const { pve, agent, connect } = await startPve();
    agent!.handleExec('slow', () => ({ delayMs: 80, stdout: 'done' }));
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    const proc = await client.spawn(['slow']);
    const [a, b] = await Promise.all([proc.wait(), proc.wait()]);
    expect(a.stdout).toBe('done');
    expect(b).toBe(a);
    const polls = statusCalls(pve);
    await expect(proc.status()).resolves.toBe(a); // kept on the handle: no further request
    expect(statusCalls(pve)).toBe(polls);
    // A status after the reaping one would be a 500 ("PID … does not exist").
    expect(pve.requests.filter((r) => r.path.endsWith('/exec-status')).map((r) => r.status)).toEqual(Array(polls).fill(200));
  });

  it('a program the agent cannot start is a QgaCommandError with the agent\'s text (500 Agent error)', async () => {
    const { connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    const error = await client.exec(['/no/such/program']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error).toMatchObject({ command: 'guest-exec', errorClass: 'GenericError', desc: expect.stringMatching(/Failed to execute child process/) });
  });

  it('check: true rejects with QgaExecError carrying the result', async () => {
    const { agent, connect } = await startPve();
    agent!.handleExec('false', () => ({ exitCode: 1 }));
    const client = await connect({ node: 'pve1' });
    await expect(client.exec(['false'], { check: true })).rejects.toBeInstanceOf(QgaExecError);
  });

  it('refuses stdin over 65,536 bytes, an environment and merged capture before sending', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.clearRequests();
    await expect(client.exec(['cat'], { input: Buffer.alloc(65_537) })).rejects.toThrow(/stdin of 65537 bytes is more than Proxmox's exec input-data limit of 65536 bytes/);
    await expect(client.exec(['env'], { env: { A: 'b' } })).rejects.toThrow(/cannot pass an environment/);
    await expect(client.execAndWait({ path: 'x', 'capture-output': 'merged' })).rejects.toThrow(/'merged' cannot be had/);
    expect(pve.requests.filter((r) => r.path.includes('/exec'))).toEqual([]);
  });

  it('takes exactly 65,536 bytes of stdin', async () => {
    const { agent, connect } = await startPve();
    agent!.handleExec('wc', (_argv, { input }) => ({ stdout: String(input.length) }));
    const client = await connect({ node: 'pve1' });
    await expect(client.exec(['wc'], { input: Buffer.alloc(65_536, 0xff) })).resolves.toMatchObject({ stdout: '65536' });
  });

  it('stdin that an older Proxmox\'s 64 KiB body cannot hold is a QgaCommandError naming the limit, not run', async () => {
    const { pve, agent, connect } = await startPve({ versions: { bodyLimit: 64 * 1024 } });
    agent!.handleExec('wc', (_argv, { input }) => ({ stdout: String(input.length) }));
    const client = await connect({ node: 'pve1' });
    await expect(client.exec(['wc'], { input: Buffer.alloc(65_536, 0x01) })).rejects.toThrow(/over this Proxmox's body limit of 65536 bytes/);
    expect(pve.requests.filter((r) => r.path.endsWith('/agent/exec')).map((r) => r.status)).toEqual([501]);
    await expect(client.exec(['wc'], { input: Buffer.alloc(65_536, 0x01) })).rejects.toThrow(/body limit/); // now refused before sending
    expect(pve.requests.filter((r) => r.path.endsWith('/agent/exec'))).toHaveLength(1);
    await expect(client.exec(['wc'], { input: 'plain text' })).resolves.toMatchObject({ stdout: '10' });
  });

  it('works with a Proxmox before 8.0, whose exec command is a string-alist (form keys)', async () => {
    const { pve, agent, connect } = await startPve({ versions: { execArray: false } });
    agent!.handleExec('echo', (argv) => ({ stdout: argv.slice(1).join('|') }));
    const client = await connect({ node: 'pve1' });
    await expect(client.exec(['echo', 'a b', 'c,d'])).resolves.toMatchObject({ stdout: 'a b|c,d' });
    expect(pve.requests.filter((r) => r.path.endsWith('/agent/exec')).map((r) => r.status)).toEqual([400, 200]);
    await expect(client.exec(['echo', 'again'])).resolves.toMatchObject({ stdout: 'again' });
    expect(pve.requests.filter((r) => r.path.endsWith('/agent/exec')).map((r) => r.status)).toEqual([400, 200, 200]);
  });

  it('kills a spawned process through exec of kill', async () => {
    const { agent, connect } = await startPve({ agentOptions: { hostExec: true } });
    expect(agent).toBeDefined();
    const client = await connect({ node: 'pve1' });
    const proc = await client.spawn(['sleep', '30']);
    await expect(proc.kill('TERM')).resolves.toBe(true);
    await expect(proc.wait({ timeout: 5_000 })).resolves.toMatchObject({ signal: 15 });
  });
});
