/**
 * `waitForAgent` against channels that fail fast: a socket that accepts and closes at once
 * (a proxy or ssh tunnel whose far end is down) must be retried with growing pauses, not
 * in a tight loop, and `waitForAgent` is the whole budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QgaClient, QgaConnectionError } from '../../../src/index.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A unix socket that accepts every connection and closes it at once. */
async function acceptAndClose(): Promise<{ path: string; connections: () => number }> {
  const dir = mkdtempSync(join(tmpdir(), 'qga-slam-'));
  const path = join(dir, 's');
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, connections: () => connections };
}

describe('waitForAgent against a socket that accepts and closes at once', () => {
  it('backs off between attempts, keeps the event loop responsive and gives up after waitForAgent, not connectTimeout', async () => {
    const { path, connections } = await acceptAndClose();
    let ticks = 0;
    const interval = setInterval(() => ticks++, 100);
    cleanups.push(() => clearInterval(interval));

    const started = performance.now();
    const error = await QgaClient.connect({ path, waitForAgent: 1_500, connectTimeout: 10_000 }).catch((e: unknown) => e);
    const waited = performance.now() - started;
    clearInterval(interval);

    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/waited 1500 ms/);
    // The documented budget: waitForAgent, not max(waitForAgent, connectTimeout).
    expect(waited).toBeGreaterThanOrEqual(1_400);
    expect(waited).toBeLessThan(3_000);
    // A 100 ms interval kept firing all along (a tight retry loop starves it: 0 ticks).
    expect(ticks).toBeGreaterThanOrEqual(10);
    // Retried with pauses that grow: a handful of attempts, not thousands.
    expect(connections()).toBeGreaterThanOrEqual(3);
    expect(connections()).toBeLessThan(40);
  });

  it('an abort while it pauses between attempts rejects with the caller\'s own reason, at once', async () => {
    const { path, connections } = await acceptAndClose();
    const controller = new AbortController();
    const reason = new Error('operator gave up');
    const attempt = QgaClient.connect({ path, waitForAgent: 30_000, signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(connections).toBeGreaterThanOrEqual(2);
    controller.abort(reason);
    expect(await attempt).toBe(reason);
  });
});
