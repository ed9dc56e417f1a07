import { afterEach, describe, expect, it } from 'vitest';
import { QgaExecError, type QgaClient } from '../../src/index.js';
import { connectAgent, qgaSocket } from './connect-agent.js';

// The agent under test runs on this machine (a Linux guest, for the client).
describe.skipIf(!qgaSocket)('shell() and encoding: auto against a real qemu-ga', () => {
  let client: QgaClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('the guest is POSIX, told by guest-get-osinfo; it has no Windows code pages', async () => {
    client = await connectAgent();
    const os = await client.guestOs();
    expect(os).toMatchObject({ family: 'posix', detectedBy: 'osinfo', agent: { build: 'upstream' } });
    expect(os.osInfo?.id).toBeTypeOf('string');
    expect(await client.guestCodePages()).toBeUndefined();
  });

  it("shell() runs /bin/sh -c: pipes, variables, exit codes, stderr apart", async () => {
    client = await connectAgent();
    const res = await client.shell('printf "%s\\n" "héllo wörld" | tr a-z A-Z; echo oops >&2; exit 7');
    expect(res).toMatchObject({ exitCode: 7, signal: null, stdout: 'HéLLO WöRLD\n', stderr: 'oops\n' });
    await expect(client.shell('exit 2', { check: true })).rejects.toBeInstanceOf(QgaExecError);
  });

  it('shell() takes stdin and env (which replaces the environment on POSIX)', async () => {
    client = await connectAgent();
    const res = await client.shell('read line; echo "$GREETING, $line"; echo "${HOME:-no home}"', { input: 'Welt\n', env: { GREETING: 'Grüß Gott' } });
    expect(res.stdout).toBe('Grüß Gott, Welt\nno home\n');
  });

  it("shell 'cmd' and 'powershell' are refused on a POSIX guest before anything runs", async () => {
    client = await connectAgent();
    await expect(client.shell('dir', { shell: 'cmd' })).rejects.toThrow(/needs a Windows guest/);
    await expect(client.shell('Get-Date', { shell: 'powershell' })).rejects.toThrow(/needs a Windows guest/);
  });

  it("encoding 'auto' keeps UTF-8, drops a BOM, reads UTF-16LE, and falls back to U+FFFD", async () => {
    client = await connectAgent();
    const utf8 = await client.exec(['printf', 'caf\\303\\251 \\342\\202\\254\\n'], { encoding: 'auto' });
    expect(utf8.stdout).toBe('café €\n');
    const bom = await client.exec(['printf', '\\357\\273\\277bom\\n'], { encoding: 'auto' });
    expect(bom.stdout).toBe('bom\n');
    const utf16 = await client.exec(['printf', 'h\\000i\\000\\n\\000'], { encoding: 'auto' });
    expect(utf16.stdout).toBe('hi\n');
    const latin1 = await client.exec(['printf', 'caf\\351\\n'], { encoding: 'auto' });
    expect(latin1.stdout).toBe('caf\uFFFD\n');
  });

  it('explicit code pages and a decode hook work on any guest', async () => {
    client = await connectAgent();
    expect((await client.exec(['printf', '\\204\\224\\201'], { encoding: 'cp850' })).stdout).toBe('äöü');
    expect((await client.exec(['printf', '\\200'], { encoding: 'cp1252' })).stdout).toBe('€');
    expect((await client.exec(['printf', 'a\\r\\nb\\r\\n'], { newlines: 'lf' })).stdout).toBe('a\nb\n');
    const hooked = await client.exec(['printf', 'xyz'], { decode: (bytes, stream) => `${stream}=${bytes.toString('hex')}` });
    expect(hooked).toMatchObject({ stdout: 'stdout=78797a', stderr: 'stderr=' });
  });

  it("an empty argument still reaches a POSIX program (only Windows drops it)", async () => {
    client = await connectAgent();
    expect((await client.exec(['sh', '-c', 'echo "[$1][$2]"', 'sh', '', 'x'])).stdout).toBe('[][x]\n');
  });
});
