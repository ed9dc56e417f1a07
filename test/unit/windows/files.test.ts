import { readFile as readHostFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { QgaCommandError, QgaFileBusyError } from '../../../src/index.js';
import { ERAS, sent, startLinux, startWindows } from './windows-agent.js';

/** The `count` of every guest-file-read the client sent. */
function readCounts(agent: { stats: { commands: Record<string, number> } }): number {
  return agent.stats.commands['guest-file-read'] ?? 0;
}

describe.each(ERAS)('files on a simulated $era agent', (era) => {
  it('drive paths: backslash or slash, any case', async () => {
    const { agent, client } = await startWindows(era);
    await client.writeFile('C:\\Users\\Public\\Report.TXT', 'Bericht\r\n');
    expect(await client.readFile('c:/users/public/report.txt', { encoding: 'utf8' })).toBe('Bericht\r\n');
    expect(await readHostFile(agent.hostPath('C:\\Users\\Public\\Report.TXT'), 'utf8')).toBe('Bericht\r\n');
    expect(agent.openFileCount).toBe(0);
  });

  it('a relative path lands in System32, and the client warns about it', async () => {
    const { agent, client } = await startWindows(era);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await client.writeFile('notes.txt', 'x');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain('QGA_RELATIVE_WINDOWS_PATH');
    expect(await readHostFile(agent.hostPath('C:\\Windows\\System32\\notes.txt'), 'utf8')).toBe('x');
  });

  it("mode 'ab' is sent as 'a' (the Windows agent lacks it), and appends", async () => {
    const { agent, client } = await startWindows(era, { files: { 'C:\\log.txt': 'one\r\n' } });
    await client.writeFile('C:\\log.txt', 'two\r\n', { mode: 'ab' });
    expect(await client.readFile('C:\\log.txt', { encoding: 'utf8' })).toBe('one\r\ntwo\r\n');
    const raw = await client.call('guest-file-open', { path: 'C:\\log.txt', mode: 'ab' }).catch((e: unknown) => e);
    expect((raw as QgaCommandError).desc).toBe('invalid file open mode');
    expect(agent.openFileCount).toBe(0);
  });

  it('eof comes only with an empty read: a short file costs one more read, and arrives whole', async () => {
    const { agent, client } = await startWindows(era, { files: { 'C:\\data.bin': Buffer.alloc(10, 7) } });
    const handle = await client.call('guest-file-open', { path: 'C:\\data.bin' });
    expect(await client.call('guest-file-read', { handle, count: 4096 })).toEqual({ count: 10, 'buf-b64': Buffer.alloc(10, 7).toString('base64'), eof: false });
    expect(await client.call('guest-file-read', { handle, count: 4096 })).toEqual({ count: 0, 'buf-b64': '', eof: true });
    await client.call('guest-file-close', { handle });
    const before = readCounts(agent);
    expect(await client.readFile('C:\\data.bin')).toEqual(Buffer.alloc(10, 7));
    expect(readCounts(agent) - before).toBe(2);
  });

  it('reads stay at 1 MiB per call, even when a larger chunk is asked for (larger ones fail there)', async () => {
    const size = 9 * 1024 * 1024 + 5;
    const data = Buffer.alloc(size, 1);
    const { agent, client } = await startWindows(era, { files: { 'C:\\big.bin': data } });
    const handle = await client.call('guest-file-open', { path: 'C:\\big.bin' });
    const raw = await client.call('guest-file-read', { handle, count: 10 * 1024 * 1024 }).catch((e: unknown) => e);
    expect((raw as QgaCommandError).desc).toBe('failed to read file: Insufficient system resources exist to complete the requested service.');
    await client.call('guest-file-close', { handle });
    const before = readCounts(agent);
    expect((await client.readFile('C:\\big.bin', { chunkSize: 16 * 1024 * 1024 })).equals(data)).toBe(true);
    expect(readCounts(agent) - before).toBe(11);
  });

  it('a file another guest process writes is busy: QgaFileBusyError, still a QgaCommandError', async () => {
    const { agent, client } = await startWindows(era, { files: { 'C:\\app\\app.log': 'running\r\n' } });
    const release = agent.holdOpen('C:\\app\\app.log');
    const error = await client.readFile('C:\\app\\app.log').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaFileBusyError);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect(error).toMatchObject({ code: 'QGA_COMMAND', path: 'C:\\app\\app.log', errorClass: 'GenericError' });
    expect((error as QgaFileBusyError).desc).toBe("failed to open file 'C:\\app\\app.log': The process cannot access the file because it is being used by another process.");
    release();
    expect(await client.readFile('C:\\app\\app.log', { encoding: 'utf8' })).toBe('running\r\n');
  });

  it('the agent shares files for reading only: a second writer is refused while a stream is open', async () => {
    const { agent, client } = await startWindows(era);
    const stream = client.createWriteStream('C:\\out.txt');
    // The write's callback comes once the stream has opened the guest file.
    await new Promise((resolve) => stream.write('first ', resolve));
    await expect(client.writeFile('C:\\out.txt', 'x')).rejects.toBeInstanceOf(QgaFileBusyError);
    await new Promise<void>((resolve, reject) => stream.end('done', (e?: Error | null) => (e ? reject(e) : resolve())));
    expect(agent.openFileCount).toBe(0);
  });

  it('a directory, a missing file, a missing folder: the agent texts, kept whole', async () => {
    const { client } = await startWindows(era);
    const desc = async (p: string): Promise<string> => ((await client.readFile(p).catch((e: unknown) => e)) as QgaCommandError).desc;
    expect(await desc('C:\\Windows')).toBe("failed to open file 'C:\\Windows': Access is denied.");
    expect(await desc('C:\\Windows\\nope.txt')).toBe("failed to open file 'C:\\Windows\\nope.txt': The system cannot find the file specified.");
    expect(await desc('C:\\nope\\x.txt')).toBe("failed to open file 'C:\\nope\\x.txt': The system cannot find the path specified.");
  });

  it('on a German guest the texts are German and nothing depends on them: no busy error is guessed', async () => {
    const { agent, client } = await startWindows(era, { windows: { locale: 'de' }, files: { 'C:\\app.log': 'x' } });
    const release = agent.holdOpen('C:\\app.log');
    const busy = await client.readFile('C:\\app.log').catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(QgaCommandError);
    expect(busy).not.toBeInstanceOf(QgaFileBusyError);
    expect((busy as QgaCommandError).desc).toBe("failed to open file 'C:\\app.log': Der Prozess kann nicht auf die Datei zugreifen, da sie von einem anderen Prozess verwendet wird.");
    release();
    const missing = await client.readFile('C:\\fehlt.txt').catch((e: unknown) => e);
    expect((missing as QgaCommandError).desc).toBe("failed to open file 'C:\\fehlt.txt': Das System kann die angegebene Datei nicht finden.");
    expect(agent.openFileCount).toBe(0);
  });

  it('streams and transfers work the same, handles closed', async () => {
    const { agent, client } = await startWindows(era);
    const payload = Buffer.alloc(3 * 1024 * 1024 + 3, 9);
    await client.writeFile('D:/nope.bin', 'x').catch((e: unknown) => expect((e as QgaCommandError).desc).toContain('The system cannot find the path specified.'));
    await client.writeFile('C:\\Windows\\Temp\\p.bin', payload);
    const chunks: Buffer[] = [];
    for await (const chunk of client.createReadStream('C:\\Windows\\Temp\\p.bin')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(agent.openFileCount).toBe(0);
  });
});

describe('files on a POSIX guest are unchanged', () => {
  it('an absolute path and a plain mode ask the guest nothing extra', async () => {
    const { agent, client } = await startLinux();
    await client.writeFile('/tmp/x', 'x', { append: true });
    expect(await client.readFile('/tmp/x', { encoding: 'utf8' })).toBe('x');
    expect(sent(agent, 'guest-info')).toBe(0);
    expect(sent(agent, 'guest-file-open')).toBe(2);
  });

  it("mode 'ab' stays 'ab' on a POSIX guest, which takes it", async () => {
    const { client } = await startLinux({ files: { '/tmp/log': 'a' } });
    await client.writeFile('/tmp/log', 'b', { mode: 'ab' });
    expect(await client.readFile('/tmp/log', { encoding: 'utf8' })).toBe('ab');
  });
});
