/**
 * libvirt connection URIs, as libvirt's remote driver reads them (`src/remote/
 * remote_driver.c`, `remote_sockets.c`; https://libvirt.org/uri.html), for the QEMU driver:
 *
 * - `qemu:///system`, `qemu+unix:///system`: the local daemon's read-write socket,
 *   `virtqemud-sock` when it exists (modular daemons) else `libvirt-sock` (monolithic
 *   libvirtd), or `?socket=PATH`; `qemu:///session` the same under `$XDG_RUNTIME_DIR`;
 * - `qemu+tls://host[:port]/system`: TLS to port 16514, x509 client certificate;
 *   `?pkipath=DIR` and `?no_verify=1` as libvirt reads them;
 * - `qemu+ssh://[user@]host[:port]/system`: an ssh pipe to `virt-ssh-helper` (or `nc` on
 *   old hosts), `?keyfile=PATH`, `?socket=PATH` (remote socket for the nc fallback);
 * - `qemu+tcp://host[:port]/system`: plain TCP to 16509; only usable when the daemon
 *   allows auth none there (it normally demands SASL, which is refused with a clear error).
 *
 * The name sent in CONNECT_OPEN is the URI without its transport, host and the options
 * the client consumed (`qemu:///system`), as libvirt's client sends it.
 * @module
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where libvirt's system daemons put their sockets (LOCALSTATEDIR/run/libvirt). */
const SYSTEM_RUN_DIR = '/var/run/libvirt';
export const DEFAULT_TLS_PORT = 16514;
export const DEFAULT_TCP_PORT = 16509;

export type LibvirtTarget =
  | { transport: 'unix'; socket: string }
  | { transport: 'tls'; host: string; port: number; pkiPath: string | undefined; verify: boolean }
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'ssh'; host: string; port: number | undefined; user: string | undefined; keyFile: string | undefined; remoteSocket: string | undefined };

export interface ParsedLibvirtUri {
  /** The URI as given. */
  uri: string;
  /** What CONNECT_OPEN asks for, e.g. `qemu:///system`. */
  name: string;
  target: LibvirtTarget;
}

/** For tests: where files exist and which directories apply. */
export interface UriEnvironment {
  exists(path: string): boolean;
  runtimeDir: string | undefined;
}

const defaultEnvironment: UriEnvironment = {
  exists: existsSync,
  get runtimeDir() {
    return process.env.XDG_RUNTIME_DIR;
  },
};

/** Parses a libvirt URI for the QEMU driver; throws `TypeError` for anything else. */
export function parseLibvirtUri(uri: string, environment: UriEnvironment = defaultEnvironment): ParsedLibvirtUri {
  if (typeof uri !== 'string' || uri === '') throw new TypeError('libvirt uri must be a non-empty string, e.g. qemu:///system');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`libvirt uri ${JSON.stringify(uri)} is not a URI (e.g. qemu:///system, qemu+ssh://host/system)`);
  }
  const [driver, transport = 'unix', ...rest] = url.protocol.slice(0, -1).split('+');
  if (driver !== 'qemu' || rest.length > 0) {
    throw new TypeError(`libvirt uri ${uri}: only the QEMU driver has a guest agent (qemu:///system, qemu+tls://host/system, …)`);
  }
  const path = url.pathname;
  if (path !== '/system' && path !== '/session') throw new TypeError(`libvirt uri ${uri}: the path must be /system or /session`);
  const params = url.searchParams;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? undefined : Number(url.port);
  const name = `qemu://${path}`;
  const remote = (what: string): string => {
    if (host === '') throw new TypeError(`libvirt uri ${uri}: ${what} needs a host (qemu+${transport}://host/system)`);
    return host;
  };
  switch (transport) {
    case 'unix': {
      if (host !== '') throw new TypeError(`libvirt uri ${uri}: a unix socket URI has no host; for a remote host use qemu+ssh:// or qemu+tls://`);
      const socket = params.get('socket') ?? defaultSocket(path === '/session', environment, uri);
      return { uri, name, target: { transport: 'unix', socket } };
    }
    case 'tls':
      return {
        uri,
        name,
        target: { transport: 'tls', host: remote('TLS'), port: port ?? DEFAULT_TLS_PORT, pkiPath: params.get('pkipath') ?? undefined, verify: params.get('no_verify') !== '1' },
      };
    case 'tcp':
      return { uri, name, target: { transport: 'tcp', host: remote('TCP'), port: port ?? DEFAULT_TCP_PORT } };
    case 'ssh':
      return {
        uri,
        name,
        target: {
          transport: 'ssh',
          host: remote('SSH'),
          port,
          user: url.username === '' ? undefined : decodeURIComponent(url.username),
          keyFile: params.get('keyfile') ?? undefined,
          remoteSocket: params.get('socket') ?? undefined,
        },
      };
    default:
      throw new TypeError(`libvirt uri ${uri}: transport ${transport} is not supported (unix, tls, ssh, tcp)`);
  }
}

/**
 * libvirt's client prefers the modular daemon's socket and falls back to the monolithic
 * one (remote_sockets.c, remoteGetUNIXSocket with the "auto" daemon mode).
 */
function defaultSocket(session: boolean, environment: UriEnvironment, uri: string): string {
  let dir = SYSTEM_RUN_DIR;
  if (session) {
    if (environment.runtimeDir === undefined) throw new TypeError(`libvirt uri ${uri}: XDG_RUNTIME_DIR is not set; give ?socket=PATH`);
    dir = join(environment.runtimeDir, 'libvirt');
  }
  const modular = join(dir, 'virtqemud-sock');
  return environment.exists(modular) ? modular : join(dir, 'libvirt-sock');
}

/** TLS credential files: `pkipath`, else the user's `~/.pki/libvirt` when it exists (non-root), else the system ones. */
export function tlsFiles(pkiPath: string | undefined, environment: Pick<UriEnvironment, 'exists'> = defaultEnvironment): { ca: string; cert: string; key: string } {
  if (pkiPath !== undefined) return { ca: join(pkiPath, 'cacert.pem'), cert: join(pkiPath, 'clientcert.pem'), key: join(pkiPath, 'clientkey.pem') };
  const user = join(homedir(), '.pki', 'libvirt');
  if (process.getuid?.() !== 0 && environment.exists(join(user, 'clientcert.pem'))) {
    return { ca: join(user, 'cacert.pem'), cert: join(user, 'clientcert.pem'), key: join(user, 'clientkey.pem') };
  }
  return { ca: '/etc/pki/CA/cacert.pem', cert: '/etc/pki/libvirt/clientcert.pem', key: '/etc/pki/libvirt/private/clientkey.pem' };
}
