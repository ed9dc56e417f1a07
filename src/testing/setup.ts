/**
 * Start-up chores of the simulated agent: its temp dir, the sandbox's first files, and
 * listening on a unix socket the way qemu-ga does.
 * @module
 */
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolveGuestPath } from './commands/files.js';
import type { GuestOsInfo } from './types.js';

/** Unix socket paths must fit `sun_path` (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

function osRelease(info: GuestOsInfo): string {
  const fields: [string, string | undefined][] = [
    ['NAME', info.name],
    ['VERSION', info.version],
    ['ID', info.id],
    ['VERSION_ID', info['version-id']],
    ['PRETTY_NAME', info['pretty-name']],
  ];
  return fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${v}"\n`).join('');
}

/** A fresh temp dir whose `agent.sock` path fits a unix socket address. */
export async function makeTempDir(): Promise<string> {
  let base = os.tmpdir();
  // mkdtemp adds 6 characters; keep room for the socket name.
  if (Buffer.byteLength(path.join(base, 'qga-sim-XXXXXX', 'agent.sock')) >= MAX_SOCKET_PATH) base = '/tmp';
  return fsp.mkdtemp(path.join(base, 'qga-sim-'));
}

function listenOnce(server: net.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** True when something accepts connections on `socketPath`. */
function inUse(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Listen on `socketPath`. A socket file left behind by a dead agent is replaced, as
 * qemu-ga does; one that somebody is listening on is not stolen.
 */
export async function listenUnix(server: net.Server, socketPath: string, log: (message: string) => void): Promise<void> {
  try {
    await listenOnce(server, socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await inUse(socketPath))) throw err;
    const stat = await fsp.lstat(socketPath);
    if (!stat.isSocket()) throw err;
    await fsp.rm(socketPath);
    await listenOnce(server, socketPath);
  }
  server.on('error', (err) => log(`socket server error: ${err.message}`));
}

/** Create the sandbox with `/tmp`, `/etc/hostname`, `/etc/os-release` and the user's files. */
export async function seedSandbox(
  sandbox: string,
  hostName: string,
  osInfo: GuestOsInfo,
  files: Record<string, string | Uint8Array> | undefined,
): Promise<void> {
  await fsp.mkdir(path.join(sandbox, 'tmp'), { recursive: true });
  await fsp.mkdir(path.join(sandbox, 'etc'), { recursive: true });
  await fsp.writeFile(path.join(sandbox, 'etc', 'hostname'), `${hostName}\n`);
  await fsp.writeFile(path.join(sandbox, 'etc', 'os-release'), osRelease(osInfo));
  for (const [guestPath, content] of Object.entries(files ?? {})) {
    const hostPath = resolveGuestPath(sandbox, guestPath);
    await fsp.mkdir(path.dirname(hostPath), { recursive: true });
    await fsp.writeFile(hostPath, content);
  }
}
