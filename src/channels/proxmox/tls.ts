/**
 * TLS to the Proxmox API, always verified (pveproxy serves HTTPS only, on 8006; pve-cluster signs `pve-ssl.pem` with the cluster's own CA): by the given `ca`, by a
 * pinned SHA-256 fingerprint of the server's certificate, or by the system's trust store.
 *
 * A socket is handed to the HTTP request only once it is verified, through the callback
 * form of `Agent#createConnection`: the request (and its credentials) is never written to
 * a peer that has not proven itself. That matters for pinning: Proxmox's certificate is
 * usually self-signed or signed by the cluster's own CA, so OpenSSL cannot verify the chain
 * (and Node then never calls `checkServerIdentity`); the handshake is allowed to complete
 * unverified, and the certificate is compared with the pin before any byte of the request
 * is sent. A mismatch destroys the socket.
 * @module
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** How the server's certificate is checked. */
export type TlsTrust = { kind: 'fingerprint'; fingerprint: string } | { kind: 'ca'; ca: (string | Buffer)[] } | { kind: 'system' };

/** Node's `fingerprint256` format: 32 upper-case hex pairs joined by colons. */
const FINGERPRINT = /^[0-9A-F]{64}$/;

/**
 * A SHA-256 fingerprint in Node's `AA:BB:…` form; accepts any case and optional colons.
 *
 * @example
 * ```ts
 * normalizeFingerprint('ab:cd:…'); // 'AB:CD:…'
 * ```
 */
export function normalizeFingerprint(value: string): string {
  const hex = value.trim().replace(/:/g, '').toUpperCase();
  if (!FINGERPRINT.test(hex)) throw new TypeError(`proxmox.fingerprint must be a SHA-256 fingerprint 'AA:BB:…' (32 bytes), got ${JSON.stringify(value)}`);
  return hex.match(/../g)!.join(':');
}

/** The peer's certificate is not the pinned one; the request was not sent. */
export class CertificateMismatchError extends Error {
  readonly code = 'ERR_QGA_CERT_FINGERPRINT';
  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(`the server's certificate has SHA-256 fingerprint ${actual ?? '(none)'}, not the pinned ${expected}`);
    this.name = 'CertificateMismatchError';
  }
}

type ConnectCallback = (error: Error | null, socket: Duplex) => void;

/**
 * A keep-alive agent whose sockets are verified before use. `maxSockets: 1` per channel:
 * Proxmox serialises agent calls per VM anyway (one chardev client at a time), and one
 * warm connection is all a serial caller needs.
 */
export class VerifyingAgent extends https.Agent {
  readonly #trust: TlsTrust;
  readonly #handshakeTimeout: number;

  constructor(trust: TlsTrust, handshakeTimeout: number) {
    // Sessions are not cached: a resumed session skips the certificate, and keep-alive makes
    // handshakes rare anyway.
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, maxCachedSessions: 0, scheduling: 'lifo' });
    this.#trust = trust;
    this.#handshakeTimeout = handshakeTimeout;
  }

  /** @internal Node's agent hook: opens and verifies a TLS socket, then hands it over. */
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    const trust = this.#trust;
    const socket = tls.connect({
      ...(options as tls.ConnectionOptions),
      ...(trust.kind === 'ca' ? { ca: trust.ca } : {}),
      // Pinning checks the certificate itself below; everything else is OpenSSL's check.
      rejectUnauthorized: trust.kind !== 'fingerprint',
    });
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      socket.off('error', finish);
      socket.off('timeout', onTimeout);
      if (error) {
        // A failing socket may report more errors on its way down; they are this one.
        socket.on('error', () => undefined);
        socket.destroy();
        callback?.(error, socket);
      } else callback?.(null, socket);
    };
    const onTimeout = (): void => finish(Object.assign(new Error(`TLS handshake with ${String(options.host)} took longer than ${this.#handshakeTimeout} ms`), { code: 'ETIMEDOUT' }));
    socket.setTimeout(this.#handshakeTimeout, onTimeout);
    socket.on('error', finish);
    socket.once('secureConnect', () => {
      if (trust.kind !== 'fingerprint') {
        // rejectUnauthorized: OpenSSL and checkServerIdentity passed, or 'error' came instead.
        finish(socket.authorized ? null : new Error(`certificate not trusted: ${String(socket.authorizationError)}`));
        return;
      }
      const actual = socket.getPeerCertificate().fingerprint256 as string | undefined;
      finish(actual === trust.fingerprint ? null : new CertificateMismatchError(trust.fingerprint, actual));
    });
    return undefined;
  }
}
