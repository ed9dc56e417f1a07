import { describe, expect, it } from 'vitest';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

// One token per word: GLib would quote a token with spaces, and cmd's echo prints quotes.
const ECHO = ['cmd.exe', '/d', '/c', 'echo', 'Grüße,', 'Ørsted', '–', '5', '€'];

describe.each(ERAS)('output decoding on a simulated $era agent', (era) => {
  it('cmd prints in the OEM page: utf8 turns it into mojibake, auto reads it right (850)', async () => {
    const { client } = await startWindows(era);
    expect((await client.exec(ECHO)).stdout).not.toContain('Grüße');
    // CP850 has no euro sign: the console wrote '?' for it, as Windows does.
    expect((await client.exec(ECHO, { encoding: 'auto' })).stdout).toBe('Grüße, Ørsted ? 5 ?\r\n');
  });

  it('explicit code pages decode exactly, whatever the guest would say', async () => {
    const { client } = await startWindows(era, { windows: { codePages: 437 } });
    const argv = ['cmd.exe', '/d', '/c', 'echo', 'naïve', '½', '░'];
    const raw = (await client.exec(argv, { encoding: 'buffer' })).stdout;
    expect([...raw]).toEqual([0x6e, 0x61, 0x8b, 0x76, 0x65, 0x20, 0xab, 0x20, 0xb0, 0x0d, 0x0a]);
    expect((await client.exec(argv, { encoding: 'cp437' })).stdout).toBe('naïve ½ ░\r\n');
    // A token with a space: GLib quotes it, and cmd's echo prints the quotes.
    expect((await client.exec(['cmd.exe', '/d', '/c', 'echo', 'a b'], { encoding: 'cp437' })).stdout).toBe('"a b"\r\n');
    expect((await client.exec(['cmd.exe', '/d', '/c', 'echo', 'naïve'], { encoding: 'oem' })).stdout).toBe('naïve\r\n');
  });

  it('a Russian guest (866 / 1251) comes back as Cyrillic with auto', async () => {
    const { client } = await startWindows(era, { windows: { codePages: 866, locale: 'en' } });
    expect((await client.exec(['cmd.exe', '/d', '/c', 'echo', 'Привет,', 'мир'], { encoding: 'auto' })).stdout).toBe('Привет, мир\r\n');
  });

  it('a Japanese guest (932) decodes through Shift_JIS', async () => {
    const { client } = await startWindows(era, { windows: { codePages: 932 } });
    expect((await client.exec(['cmd.exe', '/d', '/c', 'echo', '日本語'], { encoding: 'auto' })).stdout).toBe('日本語\r\n');
  });

  it('cmd /u writes UTF-16LE without a BOM: auto sees it, utf16le decodes it', async () => {
    const { client } = await startWindows(era);
    const argv = ['cmd.exe', '/d', '/u', '/c', 'echo', 'Grüße', '€'];
    expect((await client.exec(argv, { encoding: 'auto' })).stdout).toBe('Grüße €\r\n');
    expect((await client.exec(argv, { encoding: 'utf16le' })).stdout).toBe('Grüße €\r\n');
  });

  it('chcp 65001 makes the rest of the console UTF-8, which auto keeps', async () => {
    const { client } = await startWindows(era);
    const res = await client.exec(['cmd.exe', '/d', '/c', 'chcp', '65001>nul', '&', 'echo', '5', '€', '日本'], { encoding: 'auto' });
    expect(res.stdout).toBe('5 € 日本\r\n');
  });

  it("PowerShell's [Text.Encoding]::UTF8 writes a BOM: auto drops it", async () => {
    const { client } = await startWindows(era);
    const script = '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; Write-Output "Grüße"';
    const raw = await client.exec(['powershell.exe', '-NoProfile', '-Command', script], { encoding: 'buffer' });
    expect([...raw.stdout.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await client.exec(['powershell.exe', '-NoProfile', '-Command', script], { encoding: 'auto' })).stdout).toBe('Grüße\r\n');
  });

  it("newlines: 'lf' turns CRLF into LF; the default keeps it", async () => {
    const { client } = await startWindows(era);
    expect((await client.exec(['cmd.exe', '/d', '/c', 'echo', 'a&', 'echo', 'b'], { newlines: 'lf' })).stdout).toBe('a\nb\n');
    expect((await client.exec(['whoami'])).stdout).toBe('nt authority\\system\r\n');
  });

  it('a decode hook gets each stream as bytes', async () => {
    const { client } = await startWindows(era);
    const seen: string[] = [];
    const res = await client.exec(['whoami'], {
      decode: (bytes, stream) => {
        seen.push(stream);
        return `${stream}:${bytes.length}`;
      },
    });
    expect(res).toMatchObject({ stdout: 'stdout:21', stderr: 'stderr:0' });
    expect(seen).toEqual(['stdout', 'stderr']);
  });

  it('the OEM page is read once per connection, and only when some output needs it', async () => {
    const { agent, client } = await startWindows(era);
    await client.exec(['whoami'], { encoding: 'auto' });
    expect(sent(agent, 'guest-exec')).toBe(1);
    await client.exec(ECHO, { encoding: 'auto' });
    await client.exec(ECHO, { encoding: 'auto' });
    expect(sent(agent, 'guest-exec')).toBe(4);
  });

  it("the ANSI page ('ansi') for programs that print in it", async () => {
    const { agent, client } = await startWindows(era);
    agent.handleExec('legacy.exe', () => ({ stdout: Buffer.from([0x80, 0x20, 0xe4]) }));
    expect((await client.exec(['legacy.exe'], { encoding: 'ansi' })).stdout).toBe('€ ä');
    expect((await client.exec(['legacy.exe'], { encoding: 'cp1252' })).stdout).toBe('€ ä');
  });
});

describe('encoding options are checked before anything is sent', () => {
  it.each([
    [{ encoding: 'latin1' }, /encoding must be/],
    [{ encoding: 'cp737' }, /no built-in decoder for code page 737; pass a decode hook/],
    [{ encoding: 'auto', decode: () => '' }, /either encoding or decode/],
    [{ decode: 'utf8' }, /decode must be a function/],
    [{ newlines: 'crlf' }, /newlines must be/],
    [{ encoding: 'buffer', newlines: 'lf' }, /needs text output/],
  ])('%j', async (options, message) => {
    const { agent, client } = await startLinux();
    await expect(client.exec(['x'], options as never)).rejects.toThrow(message);
    expect(sent(agent, 'guest-exec')).toBe(0);
  });

  it("'oem' on a POSIX guest is refused", async () => {
    const { agent, client } = await startLinux();
    await expect(client.exec(['x'], { encoding: 'oem' })).rejects.toThrow(/not Windows/);
    expect(sent(agent, 'guest-exec')).toBe(0);
  });

  it("'auto' on a POSIX guest keeps UTF-8 and falls back to U+FFFD, without asking for code pages", async () => {
    const { agent, client } = await startLinux();
    agent.handleExec('bytes', () => ({ stdout: 'héllo\n', stderr: Buffer.from([0x84, 0x0a]) }));
    expect(await client.exec(['bytes'], { encoding: 'auto' })).toMatchObject({ stdout: 'héllo\n', stderr: '\uFFFD\n' });
    expect(sent(agent, 'guest-exec')).toBe(1);
  });
});

describe('a failing decode hook', () => {
  it('rejects the wait, and the result is not lost: the next wait decodes the kept exit report again', async () => {
    const { agent, client } = await startLinux();
    agent.handleExec('job', () => ({ stdout: 'done\n', exitCode: 3 }));
    let calls = 0;
    const proc = await client.spawn(['job'], {
      decode: (bytes) => {
        calls += 1;
        if (calls === 1) throw new Error('decoder not ready');
        return bytes.toString('utf8');
      },
    });
    await expect(proc.wait()).rejects.toThrow('decoder not ready');
    // The exit report was seen (the agent reaps on it): the next wait must not ask again.
    const polls = sent(agent, 'guest-exec-status');
    expect(await proc.wait()).toMatchObject({ exitCode: 3, stdout: 'done\n' });
    expect(sent(agent, 'guest-exec-status')).toBe(polls);
  });
});
