/**
 * End-to-end against a real booted guest: QEMU, virtio-serial, qemu-ga 7.2 inside.
 *
 * One guest serves the whole file and the tests run in order: the first connects while the
 * guest is still booting, the last shuts it down.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { QgaCommandError, QgaConnectionError, QgaTimeoutError, type QgaClient, type ResyncInfo } from '../../src/index.js';
import { GUEST, connectGuest, recordTiming, since, timingSummary, vm } from './guest.js';

const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The last lines of the guest console, for failure messages. */
function consoleTail(lines = 20): string {
  try {
    return readFileSync(vm.serial, 'utf8').replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no guest console log)';
  }
}

/** Console lines the guest prints when its kernel starts, and when its init starts qemu-ga. */
const KERNEL_START = /Linux version /g;
const AGENT_START = /qga-run: starting qemu-ga/g;

function countInConsole(pattern: RegExp): number {
  try {
    return readFileSync(vm.serial, 'utf8').match(pattern)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** Running and not a zombie (QEMU daemonizes; its exit is what matters, not its reaping). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A file of `size` random bytes in the guest, made by the guest itself. */
async function makeGuestFile(client: QgaClient, path: string, size: number): Promise<void> {
  const res = await client.exec(['dd', 'if=/dev/urandom', `of=${path}`, `bs=${MiB}`, `count=${size / MiB}`]);
  expect(res.exitCode, res.stderr).toBe(0);
}

describe.skipIf(!vm.socket)('a real guest over virtio-serial', () => {
  const clients: QgaClient[] = [];
  const track = (client: QgaClient): QgaClient => {
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(() => {
    console.log(timingSummary());
  });

  it('connects while the guest is still booting: waitForAgent resolves once the agent answers', async () => {
    let boot = 'first boot: QEMU start';
    let bootBegan = vm.startedAt;
    let agentStarts = countInConsole(AGENT_START);
    if (agentStarts > 0) {
      // The agent is already up: this file started late (e.g. `npm test` ran other projects
      // first). Reboot the guest and connect while it boots again.
      boot = 'reboot: new kernel';
      const kernels = countInConsole(KERNEL_START);
      const first = await connectGuest();
      await first.reboot();
      await first.close();
      const deadline = performance.now() + 120_000;
      while (countInConsole(KERNEL_START) <= kernels && performance.now() < deadline) await sleep(20);
      expect(countInConsole(KERNEL_START), `the guest did not reboot; console:\n${consoleTail()}`).toBeGreaterThan(kernels);
      bootBegan = Date.now();
      agentStarts = countInConsole(AGENT_START);
    }

    const startedAfter = Date.now() - bootBegan;
    const t0 = performance.now();
    const client = track(
      await connectGuest({ waitForAgent: 120_000 }).catch((error: unknown) => {
        throw new Error(`the guest agent never answered; guest console:\n${consoleTail()}`, { cause: error });
      }),
    );
    const connected = client.connectInfo;
    const waited = since(t0);
    const bootMs = Date.now() - bootBegan;
    await client.ping();

    // The agent started while connect() was waiting, not before it: connect really waited.
    expect(countInConsole(AGENT_START)).toBeGreaterThan(agentStarts);
    expect(connected.attempts).toBeGreaterThanOrEqual(1);
    expect(connected.duration).toBeGreaterThan(0);
    expect(connected.duration).toBeLessThanOrEqual(waited + 1);

    recordTiming(`boot (${boot} → agent answered)`, bootMs, `start-vm ${vm.startMs} ms; connect began ${startedAfter} ms into the boot`);
    recordTiming(
      'connect with waitForAgent (connectInfo)',
      Math.round(connected.duration),
      `${connected.attempts} channel opening(s); connect resync discarded ${connected.discardedBytes} bytes / ${connected.discardedMessages} messages`,
    );
  });

  it("exec(['uname', '-r']) returns the guest's kernel, not the host's", async () => {
    const client = track(await connectGuest());
    const t0 = performance.now();
    const res = await client.exec(['uname', '-r']);
    recordTiming("exec(['uname', '-r'])", since(t0));
    expect(res.exitCode).toBe(0);
    expect(res.signal).toBeNull();
    const guestKernel = res.stdout.trim();
    expect(guestKernel).toMatch(GUEST.kernelRelease);
    expect(guestKernel).not.toBe(release());
    expect(res.stderr).toBe('');
  });

  it('exec with stdin: 256 KiB of binary input comes back byte for byte', async () => {
    const client = track(await connectGuest());
    const input = randomBytes(256 * 1024);
    const t0 = performance.now();
    const res = await client.exec(['cat'], { input, encoding: 'buffer' });
    recordTiming('exec cat with 256 KiB stdin', since(t0));
    expect(res.exitCode).toBe(0);
    expect(res.stdout.length).toBe(input.length);
    expect(sha256(res.stdout)).toBe(sha256(input));

    const text = await client.exec(['sh', '-c', 'tr a-z A-Z; echo done >&2'], { input: 'hello guest\n' });
    expect(text.stdout).toBe('HELLO GUEST\n');
    expect(text.stderr).toBe('done\n');
  });

  it('a 32 MiB file survives the round trip to the data disk: same sha256 on host, in the guest and back', async () => {
    const client = track(await connectGuest());
    const path = `${GUEST.dataMount}/e2e-32m.bin`;
    const data = randomBytes(32 * MiB);
    const hash = sha256(data);
    try {
      let t0 = performance.now();
      await client.writeFile(path, data);
      const writeMs = since(t0);

      const inGuest = await client.exec(['sha256sum', path]);
      expect(inGuest.exitCode, inGuest.stderr).toBe(0);
      expect(inGuest.stdout.split(/\s+/)[0]).toBe(hash);

      t0 = performance.now();
      const back = await client.readFile(path);
      const readMs = since(t0);
      expect(back.length).toBe(data.length);
      expect(sha256(back)).toBe(hash);

      const rate = (ms: number): string => `${(32 / (ms / 1000)).toFixed(1)} MiB/s`;
      recordTiming('writeFile 32 MiB', writeMs, rate(writeMs));
      recordTiming('readFile 32 MiB', readMs, rate(readMs));
    } finally {
      await client.exec(['rm', '-f', path]);
    }
  });

  it('osinfo, host name and network interfaces come through the generated methods', async () => {
    const client = track(await connectGuest());
    const t0 = performance.now();
    const os = await client.guestGetOsinfo();
    const { 'host-name': hostName } = await client.guestGetHostName();
    const nics = await client.guestNetworkGetInterfaces();
    recordTiming('osinfo + host name + interfaces', since(t0));

    expect(os.id).toBe(GUEST.osId);
    expect(os['kernel-release']).toMatch(GUEST.kernelRelease);
    expect(os.machine).toBe('x86_64');
    expect(hostName).toBe(GUEST.hostName);
    const eth0 = nics.find((n) => n.name === 'eth0');
    expect(eth0, JSON.stringify(nics)).toBeDefined();
    expect(eth0?.['hardware-address']).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(eth0?.['ip-addresses']).toContainEqual(expect.objectContaining({ 'ip-address': '10.0.2.15', 'ip-address-type': 'ipv4', prefix: 24 }));
    expect(nics.map((n) => n.name)).toContain('lo');
  });

  it("guestOs() says posix from the guest's own osinfo; shell() runs /bin/sh -c in the guest, output decoded with 'auto'", async () => {
    const client = track(await connectGuest());
    const t0 = performance.now();
    const os = await client.guestOs();
    expect(os).toMatchObject({ family: 'posix', detectedBy: 'osinfo' });
    expect(os.osInfo?.id).toBe(GUEST.osId);
    const res = await client.shell('uname -r; printf "gr\\303\\274\\303\\237e\\n"; printf "\\377\\n" >&2; exit 5');
    recordTiming('guestOs + shell()', since(t0));
    expect(res.exitCode).toBe(5);
    const [kernel, greeting] = res.stdout.split('\n');
    expect(kernel).toMatch(GUEST.kernelRelease);
    expect(greeting).toBe('grüße');
    // Not UTF-8, and a POSIX guest has no code page to fall back on.
    expect(res.stderr).toBe('\uFFFD\n');
    const utf16 = await client.exec(['printf', 'o\\000k\\000'], { encoding: 'auto' });
    expect(utf16.stdout).toBe('ok');
  });

  it('a stale reply left by a dropped client is discarded by the next client, whose first call gets its own answer', async () => {
    const setup = await connectGuest();
    const path = '/tmp/e2e-stale.bin';
    await makeGuestFile(setup, path, 16 * MiB);
    await setup.close();

    // Client A asks for 16 MiB in one read (~2 s for the TCG guest to produce, 22 MB of
    // base64) and goes away before the reply. Over virtio-serial QEMU keeps that reply in
    // the port for whoever connects next.
    const a = track(await connectGuest());
    const handle = await a.call('guest-file-open', { path, mode: 'r' });
    const t0 = performance.now();
    const pending = a.call('guest-file-read', { handle, count: 16 * MiB }, { timeout: 120_000 }).catch((e: unknown) => e);
    // Long enough for QEMU to pass the request to the guest; far shorter than the read.
    await sleep(500);
    await a.close();
    expect(await pending).toBeInstanceOf(QgaConnectionError);

    // Client B: one connect attempt, long enough to swallow the whole stale reply.
    const b = track(await connectGuest({ waitForAgent: 0, connectTimeout: 120_000 }));
    const connectMs = since(t0);
    const id = randomInt(1, 2 ** 47);
    await expect(b.call('guest-sync', { id })).resolves.toBe(id);
    await expect(b.guestGetHostName()).resolves.toEqual({ 'host-name': GUEST.hostName });

    const resync = b.connectInfo;
    expect(resync.attempts).toBe(1);
    // The whole read reply ({"return": {"count": 16777216, "buf-b64": "..."}}): 22 MB.
    expect(resync.discardedBytes).toBeGreaterThan((16 * MiB * 4) / 3);
    expect(resync.discardedMessages).toBeGreaterThanOrEqual(1);
    recordTiming(
      'stale reply across reconnect',
      connectMs,
      `B's connect resync discarded ${resync.discardedBytes} bytes / ${resync.discardedMessages} messages; connect took ${Math.round(resync.duration)} ms`,
    );

    // A's read ran to the end in the guest and its handle is still open there: B closes it.
    await b.call('guest-file-close', { handle });
    await b.exec(['rm', '-f', path]);
  });

  it('withFrozenFilesystems on /mnt/data: other commands fail fast with the frozen-state error, a throwing fn still thaws', async () => {
    const client = track(await connectGuest());
    const frozenStateError = (error: unknown, command: string): void => {
      expect(error).toBeInstanceOf(QgaCommandError);
      expect((error as QgaCommandError).errorClass).toBe('CommandNotFound');
      // qemu-ga 7.2–9.0: "... has been disabled: the agent is in frozen state"; 9.1+: "... not allowed".
      expect((error as QgaCommandError).desc).toMatch(new RegExp(`${command} has been disabled: the (agent is in frozen state|command is not allowed)`));
    };
    try {
      let refusedMs = -1;
      const t0 = performance.now();
      const outcome = await client.withFrozenFilesystems(
        async ({ frozen }) => {
          expect(frozen).toBe(1);
          expect(await client.call('guest-fsfreeze-status')).toBe('frozen');
          const t1 = performance.now();
          frozenStateError(await client.guestGetOsinfo().catch((e: unknown) => e), 'guest-get-osinfo');
          refusedMs = since(t1);
          frozenStateError(await client.exec(['true']).catch((e: unknown) => e), 'guest-exec');
          await expect(client.ping()).resolves.toBeUndefined();
          return 'inside';
        },
        { mountpoints: [GUEST.dataMount] },
      );
      const frozenMs = since(t0);
      expect(outcome).toEqual({ result: 'inside', frozen: 1, thawed: 1 });
      expect(refusedMs).toBeGreaterThanOrEqual(0);
      expect(refusedMs).toBeLessThan(2_000);
      expect(await client.call('guest-fsfreeze-status')).toBe('thawed');
      recordTiming('withFrozenFilesystems (freeze, fn, thaw)', frozenMs, `refused call answered in ${refusedMs} ms`);

      const boom = new Error('boom inside the freeze');
      await expect(
        client.withFrozenFilesystems(
          async () => {
            expect(await client.call('guest-fsfreeze-status')).toBe('frozen');
            throw boom;
          },
          { mountpoints: [GUEST.dataMount] },
        ),
      ).rejects.toBe(boom);
      expect(await client.call('guest-fsfreeze-status')).toBe('thawed');

      // fn overrunning the freeze's timeout: thawed, and told through its signal.
      let fnSignal: AbortSignal | undefined;
      const t2 = performance.now();
      const overrun = await client
        .withFrozenFilesystems(
          async ({ signal }) => {
            fnSignal = signal;
            await sleep(10_000, undefined, { signal }).catch(() => undefined);
          },
          { mountpoints: [GUEST.dataMount], timeout: 500 },
        )
        .catch((e: unknown) => e);
      const overrunMs = since(t2);
      expect(overrun).toBeInstanceOf(QgaTimeoutError);
      expect(fnSignal?.aborted).toBe(true);
      expect(overrunMs).toBeLessThan(5_000);
      expect(await client.call('guest-fsfreeze-status')).toBe('thawed');
      recordTiming('withFrozenFilesystems timeout 500 ms', overrunMs);

      // Thawed for real, not just the agent's flag: a guest write to the disk completes.
      const write = await client.exec(['sh', '-c', `echo thawed > ${GUEST.dataMount}/after-freeze && sync && cat ${GUEST.dataMount}/after-freeze`], { timeout: 20_000 });
      expect(write.stdout).toBe('thawed\n');
    } finally {
      // Never leave the guest frozen for the tests after this one.
      if (!client.closed && (await client.call('guest-fsfreeze-status').catch(() => 'unknown')) !== 'thawed') {
        await client.call('guest-fsfreeze-thaw').catch(() => undefined);
      }
    }
  });

  it('timeouts and aborts against the slow guest leave the client usable, late replies never reach later calls', async () => {
    const client = track(await connectGuest());
    const resyncs: ResyncInfo[] = [];
    client.on('resync', (info) => resyncs.push(info));
    const path = '/tmp/e2e-slow.bin';
    await makeGuestFile(client, path, 16 * MiB);
    const handle = await client.call('guest-file-open', { path, mode: 'r' });
    try {
      // A 16 MiB read takes the guest seconds: a 200 ms timeout expires first.
      let t0 = performance.now();
      const timedOut = await client.call('guest-file-read', { handle, count: 16 * MiB }, { timeout: 200 }).catch((e: unknown) => e);
      const timeoutMs = since(t0);
      expect(timedOut).toBeInstanceOf(QgaTimeoutError);
      expect(timeoutMs).toBeLessThan(1_500);
      t0 = performance.now();
      await expect(client.guestGetHostName()).resolves.toEqual({ 'host-name': GUEST.hostName });
      const afterTimeoutMs = since(t0);
      expect(resyncs.at(-1)?.reason).toBe('timeout');
      expect(resyncs.at(-1)?.bytes).toBeGreaterThan((16 * MiB * 4) / 3);

      // The same with an abort.
      await client.call('guest-file-seek', { handle, offset: 0, whence: 'set' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      t0 = performance.now();
      const aborted = await client.call('guest-file-read', { handle, count: 16 * MiB }, { signal: controller.signal }).catch((e: unknown) => e);
      const abortMs = since(t0);
      expect(aborted).toBe(controller.signal.reason);
      expect((aborted as Error).name).toBe('AbortError');
      expect(abortMs).toBeLessThan(1_500);
      const id = randomInt(1, 2 ** 47);
      t0 = performance.now();
      await expect(client.call('guest-sync', { id })).resolves.toBe(id);
      const afterAbortMs = since(t0);
      expect(resyncs.at(-1)?.reason).toBe('abort');
      expect(resyncs.at(-1)?.bytes).toBeGreaterThan((16 * MiB * 4) / 3);

      // A process that outlives its exec timeout.
      t0 = performance.now();
      const slowExec = await client.exec(['sleep', '5'], { timeout: 300 }).catch((e: unknown) => e);
      const execTimeoutMs = since(t0);
      expect(slowExec).toBeInstanceOf(QgaTimeoutError);
      expect(execTimeoutMs).toBeLessThan(2_000);
      await expect(client.ping()).resolves.toBeUndefined();
      expect(client.closed).toBe(false);

      recordTiming('call timeout (200 ms) on a 16 MiB read', timeoutMs, `next call answered after ${afterTimeoutMs} ms (late reply discarded)`);
      recordTiming('call abort (200 ms) on a 16 MiB read', abortMs, `next call answered after ${afterAbortMs} ms (late reply discarded)`);
      recordTiming("exec(['sleep', '5']) timeout 300 ms", execTimeoutMs);
    } finally {
      await client.call('guest-file-close', { handle });
      await client.exec(['rm', '-f', path]);
    }
  });

  it("exec with 20 MiB of stdin: guest-exec may take as long as the run's timeout, not the 5 s call default", async () => {
    const client = track(await connectGuest({ timeout: 5_000 }));
    const input = randomBytes(20 * MiB);
    const t0 = performance.now();
    const res = await client.exec(['sha256sum'], { input, timeout: 300_000 });
    recordTiming('exec sha256sum with 20 MiB stdin', since(t0));
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.split(/\s+/)[0]).toBe(sha256(input));
  });

  it('readFile in 48 MiB chunks with the 5 s call default: the per-call limit grows with the chunk', async () => {
    const client = track(await connectGuest({ timeout: 5_000 }));
    const path = '/tmp/e2e-48m.bin';
    await makeGuestFile(client, path, 48 * MiB);
    try {
      const t0 = performance.now();
      const back = await client.readFile(path, { chunkSize: 48 * MiB });
      recordTiming('readFile 48 MiB in one chunk', since(t0));
      expect(back.length).toBe(48 * MiB);
      const inGuest = await client.exec(['sha256sum', path], { timeout: 60_000 });
      expect(inGuest.stdout.split(/\s+/)[0]).toBe(sha256(back));
    } finally {
      await client.exec(['rm', '-f', path], { timeout: 60_000 });
    }
  });

  it('withFrozenFilesystems whose fn closes the client: the rejection says the guest may still be frozen, and a new client thaws it', async () => {
    const client = track(await connectGuest());
    try {
      const error = await client.withFrozenFilesystems(() => client.close(), { mountpoints: [GUEST.dataMount] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/THE GUEST MAY STILL BE FROZEN/);
      expect((error as Error).message).toMatch(/guest-fsfreeze-thaw.*virsh domfsthaw/s);
    } finally {
      // What the message says to do: thaw from a new client.
      const rescuer = track(await connectGuest());
      expect(await rescuer.call('guest-fsfreeze-status')).toBe('frozen');
      expect(await rescuer.call('guest-fsfreeze-thaw')).toBe(1);
      expect(await rescuer.call('guest-fsfreeze-status')).toBe('thawed');
    }
  });

  // Keep this test last: the guest is gone afterwards.
  it('shutdown() resolves, QEMU exits by itself, and the client reports the channel closed', async () => {
    const client = track(await connectGuest());
    const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
    expect(isRunning(vm.pid)).toBe(true);

    const t0 = performance.now();
    await client.shutdown();
    const resolvedMs = since(t0);

    const deadline = performance.now() + 60_000;
    while (isRunning(vm.pid) && performance.now() < deadline) await sleep(50);
    const exitMs = since(t0);
    expect(isRunning(vm.pid), 'QEMU is still running 60 s after guest-shutdown').toBe(false);

    const lost = await Promise.race([closed, sleep(10_000).then(() => 'no close event' as const)]);
    expect(lost).toBeInstanceOf(QgaConnectionError);
    expect(client.closed).toBe(true);
    const next = await client.ping().catch((e: unknown) => e);
    expect(next).toBeInstanceOf(QgaConnectionError);
    expect((next as QgaConnectionError).code).toBe('QGA_CONNECTION');

    recordTiming('shutdown() resolved', resolvedMs);
    recordTiming('shutdown → QEMU exited', exitMs);
  });
});
