/**
 * A fresh simulated libvirtd for every test of a file, and clients on it that are closed
 * after each test.
 */
import { afterEach, beforeEach } from 'vitest';
import { QgaClient, type ConnectOptions } from '../../src/index.js';
import { FakeLibvirtd } from './fake-libvirtd.js';

interface Closable {
  close(): Promise<void>;
}

export interface FakeLibvirtdPerTest {
  /** A client of domain `vm1` on this test's daemon (timeout 2 s unless `extra` says otherwise). */
  connect(this: void, extra?: Partial<ConnectOptions>, libvirt?: Record<string, unknown>): Promise<QgaClient>;
  /** Closes `closable` after the test. */
  track<T extends Closable>(this: void, closable: T): T;
}

/** Registers the hooks; `started` gets each test's daemon. */
export function fakeLibvirtdPerTest(started: (daemon: FakeLibvirtd) => void): FakeLibvirtdPerTest {
  let daemon: FakeLibvirtd;
  const opened: Closable[] = [];
  beforeEach(async () => {
    daemon = await FakeLibvirtd.start();
    started(daemon);
  });
  afterEach(async () => {
    for (const closable of opened.splice(0)) await closable.close();
    await daemon.stop();
  });
  const track = <T extends Closable>(closable: T): T => {
    opened.push(closable);
    return closable;
  };
  return {
    connect: async (extra = {}, libvirt = {}) => track(await QgaClient.connect({ libvirt: { domain: 'vm1', uri: daemon.uri, ...libvirt }, timeout: 2000, ...extra })),
    track,
  };
}
