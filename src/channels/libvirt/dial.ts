/**
 * Opens the byte stream a libvirt URI names: a unix socket, TCP, TLS (node:tls) or an ssh
 * pipe (node:child_process), as a `Duplex` for {@link RpcConnection}. Failures become
 * `QgaConnectionError`s that say what was tried; aborts reject with `signal.reason`.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { QgaConnectionError } from '../../errors.js';
import { tlsFiles, type LibvirtTarget } from './uri.js';

/**
 * A TLS credential for `qemu+tls://`: PEM text (a string containing `-----BEGIN`, or a
 * Buffer), or the path of a PEM file.
 *
 * @example
 * ```ts
 * await LibvirtConnection.open({ uri: 'qemu+tls://kvm1/system', ca: '/etc/pki/CA/cacert.pem', cert: certPemText, key: keyBuffer });
 * ```
 */
export type PemSource = string | Buffer;

export interface TlsCredentials {
  ca?: PemSource | undefined;
  cert?: PemSource | undefined;
  key?: PemSource | undefined;
}

/** Remote socket the nc fallback connects to on hosts without virt-ssh-helper (< libvirt 7.x). */
const REMOTE_DEFAULT_SOCKET = '/var/run/libvirt/libvirt-sock';
/** ssh's last words kept for the error message. */
const STDERR_TAIL = 2048;

/** A stream being opened: usable at once (writes wait for the connection), `ready` once connected. */
export interface Dialled {
  stream: Duplex;
  /** Resolves once connected; rejects with a `QgaConnectionError` that says what was tried, or `signal.reason`. */
  ready: Promise<void>;
}

/**
 * Opens the stream for `target`; `name` is what CONNECT_OPEN will ask for (the ssh helper
 * needs it). The stream is handed over before the connection completes, so the first
 * call (AUTH_LIST) goes out with the connect instead of one event-loop turn after it.
 */
export function dial(target: LibvirtTarget, name: string, credentials: TlsCredentials, signal: AbortSignal | undefined): Dialled {
  signal?.throwIfAborted();
  switch (target.transport) {
    case 'unix': {
      const socket = netConnect({ path: target.socket });
      return { stream: socket, ready: connected(socket, 'connect', `libvirtd socket ${target.socket}`, signal) };
    }
    case 'tcp': {
      const socket = netConnect({ host: target.host, port: target.port });
      socket.setNoDelay(true);
      return { stream: socket, ready: connected(socket, 'connect', `libvirtd at ${target.host}:${target.port}`, signal) };
    }
    case 'tls': {
      const files = tlsFiles(target.pkiPath);
      const socket = tlsConnect({
        host: target.host,
        port: target.port,
        ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
        ca: pem(credentials.ca, files.ca, 'ca'),
        cert: pem(credentials.cert, files.cert, 'cert'),
        key: pem(credentials.key, files.key, 'key'),
        rejectUnauthorized: target.verify,
      });
      socket.setNoDelay(true);
      return { stream: socket, ready: connected(socket, 'secureConnect', `libvirtd TLS at ${target.host}:${target.port}`, signal) };
    }
    case 'ssh':
      // ssh reports its failures when it exits (with its own words), on the stream itself.
      return { stream: sshPipe(target, name), ready: Promise.resolve() };
  }
}

/** Credentials as given (PEM text or a path), else the default file. */
function pem(value: PemSource | undefined, fallback: string, what: string): Buffer | string {
  if (Buffer.isBuffer(value)) return value;
  const path = value === undefined ? fallback : value.includes('-----BEGIN') ? undefined : value;
  if (path === undefined) return value!;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new QgaConnectionError(`libvirt TLS: cannot read the ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function connected(socket: Socket | TLSSocket, event: 'connect' | 'secureConnect', what: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      socket.off(event, onReady);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      done();
      resolve();
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      done();
      socket.destroy();
      reject(new QgaConnectionError(`cannot reach ${what}: ${explain(error)}`, { cause: error }));
    };
    const onAbort = (): void => {
      done();
      socket.destroy();
      reject(signal!.reason);
    };
    socket.once(event, onReady);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function explain(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `${error.message} (is libvirtd / virtqemud running?)`;
    case 'EACCES':
    case 'EPERM':
      return `${error.message} (permission denied: the read-write socket needs root, or a group the daemon grants it to)`;
    default:
      return error.message;
  }
}

/**
 * `ssh … host sh -c '…virt-ssh-helper qemu:///system…'`, as libvirt's own client runs it
 * (remote_sockets.c, proxy "auto"): virt-ssh-helper (libvirt ≥ 7.x) connects to the right
 * local daemon on the far side; without it, nc to the daemon's socket. BatchMode: ssh
 * must never wait for a password prompt nobody can answer.
 */
function sshPipe(target: Extract<LibvirtTarget, { transport: 'ssh' }>, name: string): Duplex {
  const socket = quote(target.remoteSocket ?? REMOTE_DEFAULT_SOCKET);
  const script = `if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper ${quote(name)}; else exec nc -U ${socket}; fi`;
  const args = [
    ...(target.port === undefined ? [] : ['-p', String(target.port)]),
    ...(target.user === undefined ? [] : ['-l', target.user]),
    ...(target.keyFile === undefined ? [] : ['-i', target.keyFile]),
    '-T',
    '-e',
    'none',
    '-o',
    'BatchMode=yes',
    '--',
    target.host,
    `sh -c ${quote(script)}`,
  ];
  const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
  });
  const duplex = new Duplex({
    read: () => child.stdout.resume(),
    // A write that fails (EPIPE: ssh already gave up) is not the story: ssh's exit, with
    // what it said on stderr, is. It closes the stream below.
    write: (chunk: Buffer, _encoding, callback) => {
      child.stdin.write(chunk, () => callback());
    },
    final: (callback) => child.stdin.end(callback),
    destroy: (error, callback) => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      callback(error);
    },
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) child.stdout.pause();
  });
  child.stdin.on('error', () => undefined);
  const failed = (why: string, cause?: unknown): void => {
    const said = stderr.trim();
    duplex.destroy(new QgaConnectionError(`ssh to ${target.host}: ${why}${said ? `: ${said}` : ''}`, cause === undefined ? undefined : { cause }));
  };
  child.on('error', (error) => failed(`cannot run ssh (${error.message})`, error));
  // 'close', not 'exit': it comes once stdout's last bytes and stderr's last words were
  // read, however the exit and the pipes' ends interleave.
  child.on('close', (code, signal) => failed(code !== null ? `ssh exited with status ${code}` : `ssh was killed by ${String(signal)}`));
  return duplex;
}

/** One shell word, single-quoted. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
