import { describe, expect, it } from 'vitest';
import { parseLibvirtUri, tlsFiles, type UriEnvironment } from '../../../../src/channels/libvirt/uri.js';

const env = (existing: string[] = [], runtimeDir?: string): UriEnvironment => ({ exists: (p) => existing.includes(p), runtimeDir });

describe('libvirt URIs', () => {
  it('qemu:///system: the modular daemon’s socket when it exists, else libvirtd’s', () => {
    expect(parseLibvirtUri('qemu:///system', env())).toEqual({ uri: 'qemu:///system', name: 'qemu:///system', target: { transport: 'unix', socket: '/var/run/libvirt/libvirt-sock' } });
    expect(parseLibvirtUri('qemu:///system', env(['/var/run/libvirt/virtqemud-sock'])).target).toEqual({ transport: 'unix', socket: '/var/run/libvirt/virtqemud-sock' });
  });

  it('qemu+unix with ?socket=: that socket; CONNECT_OPEN asks for qemu:///system', () => {
    const parsed = parseLibvirtUri('qemu+unix:///system?socket=/tmp/x/sock', env());
    expect(parsed.name).toBe('qemu:///system');
    expect(parsed.target).toEqual({ transport: 'unix', socket: '/tmp/x/sock' });
  });

  it('qemu:///session lives under XDG_RUNTIME_DIR', () => {
    expect(parseLibvirtUri('qemu:///session', env([], '/run/user/1000')).target).toEqual({ transport: 'unix', socket: '/run/user/1000/libvirt/libvirt-sock' });
    expect(() => parseLibvirtUri('qemu:///session', env())).toThrow(/XDG_RUNTIME_DIR/);
  });

  it('qemu+tls: host, port 16514 by default, pkipath and no_verify', () => {
    expect(parseLibvirtUri('qemu+tls://kvm1.example/system', env()).target).toEqual({ transport: 'tls', host: 'kvm1.example', port: 16514, pkiPath: undefined, verify: true });
    expect(parseLibvirtUri('qemu+tls://[::1]:1234/system?pkipath=/etc/x&no_verify=1', env()).target).toEqual({ transport: 'tls', host: '::1', port: 1234, pkiPath: '/etc/x', verify: false });
  });

  it('qemu+ssh: user, host, port, keyfile', () => {
    expect(parseLibvirtUri('qemu+ssh://admin@kvm2:2222/system?keyfile=/k', env()).target).toEqual({ transport: 'ssh', host: 'kvm2', port: 2222, user: 'admin', keyFile: '/k', remoteSocket: undefined });
  });

  it('qemu+tcp: port 16509 by default', () => {
    expect(parseLibvirtUri('qemu+tcp://kvm3/system', env()).target).toEqual({ transport: 'tcp', host: 'kvm3', port: 16509 });
  });

  it.each([
    ['', /non-empty/],
    ['not a uri', /is not a URI/],
    ['lxc:///system', /only the QEMU driver/],
    ['xen:///', /only the QEMU driver/],
    ['qemu:///embed', /must be \/system or \/session/],
    ['qemu+tls:///system', /needs a host/],
    ['qemu+libssh2://h/system', /transport libssh2 is not supported/],
    ['qemu://host/system', /has no host/],
  ])('%j is refused with TypeError', (uri, message) => {
    expect(() => parseLibvirtUri(uri, env())).toThrow(message);
  });

  it('TLS credentials: pkipath files, else the system ones', () => {
    expect(tlsFiles('/p', { exists: () => false })).toEqual({ ca: '/p/cacert.pem', cert: '/p/clientcert.pem', key: '/p/clientkey.pem' });
    expect(tlsFiles(undefined, { exists: () => false })).toEqual({ ca: '/etc/pki/CA/cacert.pem', cert: '/etc/pki/libvirt/clientcert.pem', key: '/etc/pki/libvirt/private/clientkey.pem' });
  });
});
