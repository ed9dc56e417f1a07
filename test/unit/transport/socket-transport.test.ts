import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QgaConnectionError } from '../../../src/errors.js';
import { SocketTransport } from '../../../src/transport/socket-transport.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'qga-t-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const handlers = { onData: () => undefined, onClose: () => undefined };

describe('SocketTransport', () => {
  it('a missing socket names the path and says what to check', async () => {
    const path = join(tempDir(), 'nope.sock');
    const error = await new SocketTransport({ path }).open(handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/no such socket.*ENOENT/);
  });

  it('a socket file left by a dead listener is ECONNREFUSED', async () => {
    const path = join(tempDir(), 's');
    // A process that dies without unlinking its socket, like a crashed QEMU.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    const error = await new SocketTransport({ path }).open(handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/nothing is listening.*ECONNREFUSED/);
  });

  it('TCP: nothing listening is ECONNREFUSED with host and port in the message', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const error = await new SocketTransport({ host: '127.0.0.1', port }).open(handlers).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`tcp 127.0.0.1:${port}`);
    expect((error as Error).message).toMatch(/nothing is listening.*ECONNREFUSED/);
  });

  it('permission denied says whose socket it is', async () => {
    const dir = tempDir();
    const path = join(dir, 's');
    const server = createServer().listen(path);
    await new Promise((r) => server.once('listening', r));
    chmodSync(path, 0o000);
    const error = await new SocketTransport({ path }).open(handlers).then(
      () => undefined,
      (e: unknown) => e,
    );
    server.close();
    if (process.getuid?.() === 0) expect(error).toBeUndefined();
    else expect((error as Error).message).toMatch(/permission denied.*EACCES/);
  });

  it('delivers data, writes, and reports close once', async () => {
    const dir = tempDir();
    const path = join(dir, 's');
    const server = createServer((s) => s.on('data', (d) => s.end(Buffer.concat([Buffer.from('echo:'), d]))));
    await new Promise<void>((r) => server.listen(path, r));
    const received: Buffer[] = [];
    let closes = 0;
    const transport = new SocketTransport({ path });
    await transport.open({ onData: (c) => received.push(c), onClose: () => closes++ });
    await transport.write(Buffer.from('hi'));
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(received).toString()).toBe('echo:hi');
    expect(closes).toBe(1);
    await transport.close();
    await transport.close();
    expect(closes).toBe(1);
    server.close();
  });

  it('rejects bad targets with TypeError', () => {
    expect(() => new SocketTransport({ path: '' })).toThrow(TypeError);
    expect(() => new SocketTransport({ host: 'h', port: 0 })).toThrow(TypeError);
  });
  it('write settles in order: at once when flushed, after the peer reads when the kernel is full, and rejects once the channel is gone', async () => {
    const path = join(tempDir(), 's');
    const received: Buffer[] = [];
    let peer: import('node:net').Socket | undefined;
    const server = createServer((socket) => {
      peer = socket;
      socket.pause(); // reads nothing until resumed, so big writes back up
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    }).listen(path);
    await new Promise((r) => server.once('listening', r));
    try {
      const transport = new SocketTransport({ path });
      await transport.open(handlers);
      await expect(transport.write(Buffer.from('small\n'))).resolves.toBeUndefined();
      const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
      let bigDone = false;
      const bigWrite = transport.write(big).then(() => (bigDone = true));
      let afterDone = false;
      const after = transport.write(Buffer.from('after\n')).then(() => (afterDone = true));
      await new Promise((r) => setTimeout(r, 50));
      // The peer has not read: neither the big write nor the one queued behind it is settled.
      expect(bigDone).toBe(false);
      expect(afterDone).toBe(false);
      peer!.resume();
      await Promise.all([bigWrite, after]);
      await new Promise((r) => setTimeout(r, 20));
      expect(Buffer.concat(received).length).toBe('small\n'.length + big.length + 'after\n'.length);
      await transport.close();
      await expect(transport.write(Buffer.from('late\n'))).rejects.toBeInstanceOf(QgaConnectionError);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a short write settles only once the kernel took all of it: what settled survives a close', async () => {
    const path = join(tempDir(), 's');
    const received: Buffer[] = [];
    let peer: import('node:net').Socket | undefined;
    const server = createServer().listen(path);
    const peerEnded = new Promise<void>((resolve) => {
      server.on('connection', (socket) => {
        peer = socket;
        socket.pause();
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('end', () => resolve());
      });
    });
    await new Promise((r) => server.once('listening', r));
    try {
      const transport = new SocketTransport({ path });
      await transport.open(handlers);
      await expect(transport.writeText('é\n')).resolves.toBeUndefined();
      // Short writes with nothing queued go without a callback while the kernel takes them
      // at once. The one it takes only part of must not settle.
      const line = Buffer.alloc(4096, 0x62);
      let settledBytes = Buffer.byteLength('é\n');
      let pending = false;
      for (let i = 0; i < 10_000 && !pending; i++) {
        let settled = false;
        void transport.write(line).then(
          () => void (settled = true),
          () => undefined,
        );
        await new Promise((r) => setImmediate(r));
        if (settled) settledBytes += line.length;
        else pending = true;
      }
      expect(pending).toBe(true);
      // A close drops what Node still holds; what the kernel took reaches the peer.
      await transport.close();
      peer!.resume();
      await peerEnded;
      expect(Buffer.concat(received).length).toBeGreaterThanOrEqual(settledBytes);
      expect(Buffer.concat(received).subarray(0, 3).toString()).toBe('é\n');
    } finally {
      peer?.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('text and bytes keep their order', async () => {
    const path = join(tempDir(), 's');
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk))).listen(path);
    await new Promise((r) => server.once('listening', r));
    try {
      const transport = new SocketTransport({ path });
      await transport.open(handlers);
      const big = Buffer.alloc(1024 * 1024, 0x61);
      await Promise.all([transport.writeText('ü\n'), transport.write(big), transport.writeText('end é\n'), transport.write(Buffer.from('!'))]);
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(received).equals(Buffer.concat([Buffer.from('ü\n'), big, Buffer.from('end é\n!')]))).toBe(true);
      await transport.close();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
