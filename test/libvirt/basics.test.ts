/**
 * The libvirt channel against the real libvirtd and guest: the same typed API as the direct
 * channel, reaching an agent only libvirt can reach.
 */
import { describe, afterAll, beforeAll, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError } from '../../src/index.js';
import { connect, noLibvirt, domainA, uri, uuidA } from './env.js';

describe.skipIf(noLibvirt)('libvirt channel, real libvirtd: basics', () => {
  let client: QgaClient;
  beforeAll(async () => {
    client = await connect(domainA);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('connects through libvirt and says so', () => {
    expect(client.connectInfo).toMatchObject({ channel: 'libvirt', reconnected: false, transport: `libvirt ${uri} domain ${domainA}` });
    expect(client.capabilities).toMatchObject({ kind: 'libvirt', noReply: 'manager', fileHandles: true });
    expect(client.capabilities.limits).toMatchObject({ maxReplyBytes: 4 * 1024 * 1024, fileReadChunk: 1024 * 1024, fileWriteChunk: 128 * 1024 });
  });

  it('pings, and reads the OS info as typed data', async () => {
    await expect(client.ping()).resolves.toBeUndefined();
    const os = await client.guestGetOsinfo();
    expect(os.id).toBe('qga-test-vm');
    expect(os['kernel-release']).toMatch(/^\d+\.\d+/);
  });

  it('guest-get-time: a 64-bit nanosecond count arrives exactly, as bigint', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const time = await client.call('guest-get-time');
    expect(typeof time).toBe('bigint');
    // The guest clock follows the host's (RTC at boot); a minute either way is plenty.
    expect((time as bigint) - before).toBeGreaterThan(-60_000_000_000n);
    expect((time as bigint) - before).toBeLessThan(60_000_000_000n);
  });

  it('runs a program and returns its output and exit code', async () => {
    const result = await client.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', stdoutTruncated: false });
  });

  it('the agent’s errors are QgaCommandError with its desc', async () => {
    await expect(client.call('guest-file-open', { path: '/nonexistent/file' })).rejects.toMatchObject({
      name: 'QgaCommandError',
      command: 'guest-file-open',
      errorClass: 'GenericError',
      desc: expect.stringMatching(/No such file or directory/),
    });
    await expect(client.call('guest-no-such-command' as 'guest-ping')).rejects.toMatchObject({ errorClass: 'CommandNotFound', desc: expect.stringMatching(/has not been found/) });
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('guest-sync-delimited is refused before sending (it would break libvirt’s agent channel); sync() works', async () => {
    await expect(client.call('guest-sync-delimited', { id: 1 })).rejects.toBeInstanceOf(QgaCommandError);
    await expect(client.supports('guest-sync-delimited')).resolves.toBe(false);
    await expect(client.supports('guest-exec')).resolves.toBe(true);
    await client.sync();
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('finds a domain by UUID as well as by name', async () => {
    const byUuid = await connect(uuidA);
    try {
      await expect(byUuid.call('guest-get-host-name')).resolves.toEqual(await client.call('guest-get-host-name'));
    } finally {
      await byUuid.close();
    }
  });

  it('an unknown domain is QgaConnectionError at connect, with libvirt’s words', async () => {
    const error = await QgaClient.connect({ libvirt: { domain: 'qga-no-such-domain' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/no such domain: Domain not found: no domain with matching name 'qga-no-such-domain'/);
  });

  it('an unreachable libvirtd is QgaConnectionError naming the socket', async () => {
    await expect(QgaClient.connect({ libvirt: { domain: domainA, uri: 'qemu:///system?socket=/nonexistent/libvirt-sock' } })).rejects.toThrow(
      /cannot reach libvirtd socket \/nonexistent\/libvirt-sock/,
    );
  });
});
