/**
 * Authentication before CONNECT_OPEN (libvirt `src/remote/remote_driver.c`, doRemoteOpen).
 *
 * AUTH_LIST is mandatory even when nothing is to be proven: libvirtd refuses CONNECT_OPEN
 * before it ("authentication required", observed on 9.0 as root). It answers with the
 * schemes the socket accepts: NONE (root on the local socket, `auth_tls = "none"`, a group
 * socket with `auth_unix_rw = "none"`), POLKIT (local non-root: libvirtd asks polkitd about
 * the peer's credentials; no prompt over RPC) or SASL (`qemu+tcp`, and TLS with
 * `auth_tls = "sasl"`). SASL needs Kerberos or a security layer that wraps every later
 * message: not something to do in JavaScript, so it is refused with a clear message.
 * @module
 */
import { QgaConnectionError } from '../../errors.js';
import { AUTH_LIST, AUTH_POLKIT, AuthType } from './procedures.js';
import type { RpcConnection } from './rpc-connection.js';

/** Completes authentication on a fresh connection, or rejects with `QgaConnectionError`. */
export async function authenticate(rpc: RpcConnection, signal: AbortSignal | undefined): Promise<void> {
  const types = await rpc.call(AUTH_LIST, undefined, { signal });
  // An empty list is how libvirtd < 0.4 said "none" (remote_driver.c still accepts it).
  if (types.length === 0 || types.includes(AuthType.NONE)) return;
  if (types.includes(AuthType.POLKIT)) {
    const complete = await rpc.call(AUTH_POLKIT, undefined, { signal });
    if (complete !== 1) throw new QgaConnectionError(`${rpc.description}: authentication refused: polkit did not complete (${complete})`);
    return;
  }
  if (types.includes(AuthType.SASL)) {
    throw new QgaConnectionError(
      `${rpc.description}: libvirtd asks for SASL authentication. SASL is not supported, use TLS or SSH ` +
        '(qemu+tls:// with a client certificate, qemu+ssh://), or a socket with auth "none" or polkit',
    );
  }
  throw new QgaConnectionError(`${rpc.description}: libvirtd offers no authentication scheme qga-client knows (${types.join(', ')})`);
}
