/**
 * The remote transports against the real libvirtd: qemu+ssh (the ssh pipe to
 * virt-ssh-helper, as libvirt runs it) and qemu+tls (x509 client certificates). There is no
 * sshd or TLS listener on the test machine, so each gets the smallest real stand-in: an
 * `ssh` on PATH that runs the remote command locally (virt-ssh-helper then speaks to the
 * real daemon), and a TLS terminator (node:tls, certificates made with openssl) in front of
 * the real daemon's socket.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtConnection, QgaConnectionError } from '../../src/index.js';
import { connect, domainA, noLibvirt } from './env.js';

const SOCKET = '/var/run/libvirt/libvirt-sock';

describe.skipIf(noLibvirt)('libvirt transports, real libvirtd', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qga-lvt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('qemu+ssh', () => {
    const bin = path.join(dir, 'bin');
    const savedPath = process.env['PATH'];
    beforeAll(() => {
      execFileSync('mkdir', ['-p', bin]);
      // Records its arguments, then does what sshd would: run the remote command with a shell.
      writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/ssh-args"\n[ -n "$SSH_FAIL" ] && { echo "$SSH_FAIL" >&2; exit 255; }\nwhile [ $# -gt 0 ]; do [ "$1" = -- ] && { shift; break; }; shift; done\nshift\nexec sh -c "$*"\n`);
      chmodSync(path.join(bin, 'ssh'), 0o755);
      process.env['PATH'] = `${bin}:${savedPath ?? ''}`;
    });
    afterAll(() => {
      process.env['PATH'] = savedPath;
      delete process.env['SSH_FAIL'];
    });

    it('runs ssh in batch mode to virt-ssh-helper and speaks RPC over its pipe', async () => {
      const connection = await LibvirtConnection.open({ uri: 'qemu+ssh://root@kvm.example:2222/system?keyfile=/keys/id_ed25519' });
      try {
        const client = await connect(domainA, {}, { connection });
        await expect(client.call('guest-get-host-name')).resolves.toHaveProperty('host-name');
        await client.close();
      } finally {
        await connection.close();
      }
      const args = readFileSync(path.join(dir, 'ssh-args'), 'utf8').trim().split('\n');
      expect(args.slice(0, 12)).toEqual(['-p', '2222', '-l', 'root', '-i', '/keys/id_ed25519', '-T', '-e', 'none', '-o', 'BatchMode=yes', '--']);
      expect(args[12]).toBe('kvm.example');
      // One word for the remote shell: sh -c '…exec virt-ssh-helper qemu:///system…' (nested quotes).
      expect(args[13]).toMatch(/^sh -c '.*exec virt-ssh-helper .*qemu:\/\/\/system.*else exec nc -U .*libvirt-sock/);
      expect(args).toHaveLength(14);
    });

    it('an ssh that fails is QgaConnectionError with what ssh said', async () => {
      process.env['SSH_FAIL'] = 'root@kvm.example: Permission denied (publickey).';
      try {
        const error = await LibvirtConnection.open({ uri: 'qemu+ssh://root@kvm.example/system' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QgaConnectionError);
        expect((error as Error).message).toMatch(/Permission denied \(publickey\)/);
      } finally {
        delete process.env['SSH_FAIL'];
      }
    });
  });

  describe('qemu+tls', () => {
    let server: Server;
    let port = 0;
    const pki = path.join(dir, 'pki');
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    beforeAll(async () => {
      execFileSync('mkdir', ['-p', pki]);
      openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'cacert.pem', '-days', '1', '-subj', '/CN=qga test CA');
      writeFileSync(path.join(pki, 'san.ext'), 'subjectAltName=DNS:localhost\n');
      for (const [name, cn] of [['server', 'localhost'], ['client', 'qga test client']] as const) {
        openssl('req', ...ec, '-keyout', `${name}key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
        openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'cacert.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}cert.pem`, '-days', '1', ...(name === 'server' ? ['-extfile', 'san.ext'] : []));
      }
      openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'othercert.pem', '-days', '1', '-subj', '/CN=another CA');
      const file = (name: string) => readFileSync(path.join(pki, name));
      // libvirtd's TLS side: client certificates required and checked against the CA.
      server = createServer({ key: file('serverkey.pem'), cert: file('servercert.pem'), ca: file('cacert.pem'), requestCert: true, rejectUnauthorized: true }, (tls) => {
        const upstream = netConnect(SOCKET);
        tls.pipe(upstream).pipe(tls);
        tls.on('error', () => upstream.destroy());
        upstream.on('error', () => tls.destroy());
      });
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => server?.close());

    it('verifies the daemon against the CA and presents the client certificate (PEM file paths)', async () => {
      const client = await connect(domainA, {}, {
        uri: `qemu+tls://localhost:${port}/system`,
        ca: path.join(pki, 'cacert.pem'),
        cert: path.join(pki, 'clientcert.pem'),
        key: path.join(pki, 'clientkey.pem'),
      });
      try {
        await expect(client.ping()).resolves.toBeUndefined();
        expect(client.connectInfo.transport).toBe(`libvirt qemu+tls://localhost:${port}/system domain ${domainA}`);
      } finally {
        await client.close();
      }
    });

    it('takes the credentials from ?pkipath= as libvirt does', async () => {
      const client = await connect(domainA, {}, { uri: `qemu+tls://localhost:${port}/system?pkipath=${pki}` });
      await expect(client.ping()).resolves.toBeUndefined();
      await client.close();
    });

    it('a daemon certificate from another CA is refused: QgaConnectionError, nothing sent', async () => {
      const error = await connect(domainA, {}, { uri: `qemu+tls://localhost:${port}/system`, ca: readFileSync(path.join(pki, 'othercert.pem')), cert: path.join(pki, 'clientcert.pem'), key: path.join(pki, 'clientkey.pem') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/cannot reach libvirtd TLS at localhost:\d+: .*(self-signed|unable to verify|certificate)/i);
    });
  });
});
