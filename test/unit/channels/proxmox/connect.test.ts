import { describe, expect, it } from 'vitest';
import { ProxmoxChannel } from '../../../../src/channels/proxmox/proxmox-channel.js';
import { resolveProxmoxOptions } from '../../../../src/channels/proxmox/options.js';
import { QgaClient, QgaConnectionError } from '../../../../src/index.js';
import { startPve } from '../../../support/proxmox.js';

const HOUR = 60 * 60 * 1000;
const paths = (pve: { requests: readonly { method: string; path: string; status: number }[] }): string[] => pve.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

describe('connect through Proxmox', () => {
  it('reaches the agent with a token and a pinned fingerprint; connectInfo says proxmox', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    expect(client.connectInfo.channel).toBe('proxmox');
    expect(client.capabilities.kind).toBe('proxmox');
    expect(client.transportDescription).toBe(`Proxmox VE https://127.0.0.1:${pve.port} VM 100`);
    expect(paths(pve)).toEqual(['POST /nodes/pve1/qemu/100/agent/ping 200']);
  });

  it('looks the node up in /cluster/resources when none is given', async () => {
    const { pve, connect } = await startPve({ nodes: ['pve1', 'pve2'], vms: undefined });
    pve.addVm({ vmid: 101, node: 'pve2', guest: '/nonexistent' });
    const client = await connect({ vmid: 100 });
    await client.ping();
    expect(paths(pve)).toEqual(['GET /cluster/resources 200', 'POST /nodes/pve1/qemu/100/agent/ping 200', 'POST /nodes/pve1/qemu/100/agent/ping 200']);
  });

  it('a VM missing from /cluster/resources (or not auditable) is a QgaConnectionError naming VM.Audit', async () => {
    const { connect } = await startPve();
    const error = await connect({ vmid: 999 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/no QEMU VM 999 in \/cluster\/resources .*VM\.Audit on \/vms\/999/);
  });

  it('refuses a certificate that is not the pinned one, before any request is sent', async () => {
    const { pve, connect } = await startPve();
    const wrong = pve.fingerprint.replace(/^../, pve.fingerprint.startsWith('00') ? '01' : '00');
    const error = await connect({ fingerprint: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toContain(`not the pinned ${wrong}`);
    expect(pve.requests).toEqual([]);
  });

  it('trusts the cluster CA given as ca, with the host name checked', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ host: 'localhost', fingerprint: undefined, ca: pve.ca, node: 'pve1' });
    await client.ping();
  });

  it('refuses a certificate the system store does not trust when neither ca nor fingerprint is given', async () => {
    const { pve, connect } = await startPve();
    const error = await connect({ fingerprint: undefined, node: 'pve1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/TLS refused the server's certificate \(SELF_SIGNED_CERT_IN_CHAIN/);
    expect(pve.requests).toEqual([]);
  });

  it('a token Proxmox does not know is a QgaConnectionError at connect (the 401)', async () => {
    const { pve, connect } = await startPve();
    const error = await connect({ token: 'automation@pve!qga=00000000-0000-0000-0000-000000000000', node: 'pve1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/Proxmox refused the credentials \(401 Authentication failed!\)/);
    expect(paths(pve)).toEqual(['POST /nodes/pve1/qemu/100/agent/ping 401']);
  });

  it('a token without any agent privilege: a QgaConnectionError at connect naming the privilege', async () => {
    const { pve, connect } = await startPve();
    const token = pve.addToken('nobody@pve!tok');
    const error = await connect({ token, node: 'pve1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toContain('Permission check failed (/vms/100, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)');
  });

  it('logs in for a ticket with username and password, and sends the CSRF token on POSTs', async () => {
    const { pve, connect } = await startPve({ users: { 'ops@pve': 'hunter22' } });
    pve.grant('ops@pve', { role: 'PVEVMAdmin' });
    const client = await connect({ token: undefined, username: 'ops@pve', password: 'hunter22', node: 'pve1' });
    await client.exec(['true']).catch(() => undefined); // a POST besides ping
    expect(paths(pve).slice(0, 3)).toEqual(['POST /access/ticket 200', 'POST /nodes/pve1/qemu/100/agent/ping 200', 'POST /nodes/pve1/qemu/100/agent/exec 500']);
  });

  it('a wrong password is a QgaConnectionError at connect', async () => {
    const { connect } = await startPve({ users: { 'ops@pve': 'hunter22' } });
    const error = await connect({ token: undefined, username: 'ops@pve', password: 'nope', node: 'pve1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/refused the login of ops@pve \(401 authentication failure\)/);
  });

  it('an expired ticket gets exactly one fresh login, and the call goes through', async () => {
    let now = Date.now();
    const { pve, connect } = await startPve({ users: { 'root@pam': 'secret' }, clock: () => now });
    const client = await connect({ token: undefined, username: 'root@pam', password: 'secret', node: 'pve1' });
    now += 2 * HOUR + 1000; // the server's clock: the ticket is past its 2 h
    pve.clearRequests();
    await client.ping();
    expect(paths(pve)).toEqual(['POST /nodes/pve1/qemu/100/agent/ping 401', 'POST /access/ticket 200', 'POST /nodes/pve1/qemu/100/agent/ping 200']);
  });

  it('renews the ticket after an hour, before Proxmox would refuse it', async () => {
    let now = Date.now();
    const { pve } = await startPve({ users: { 'root@pam': 'secret' }, clock: () => now });
    const hooks = { connect: () => undefined, close: () => undefined, resync: () => undefined, reconnecting: () => undefined };
    const channel = new ProxmoxChannel({
      proxmox: resolveProxmoxOptions({ host: pve.host, port: pve.port, vmid: 100, node: 'pve1', username: 'root@pam', password: 'secret', fingerprint: pve.fingerprint }),
      options: { timeout: 5000, connectTimeout: 5000, waitForAgent: 0, maxReplyBytes: 1 << 20, reconnect: undefined },
      hooks,
      clock: () => now,
    });
    try {
      await channel.open(undefined);
      now += HOUR + 1000;
      pve.clearRequests();
      await channel.send({ execute: 'guest-ping' }, { timeout: 5000, expectReply: true });
      expect(paths(pve)).toEqual(['POST /access/ticket 200', 'POST /nodes/pve1/qemu/100/agent/ping 200']);
    } finally {
      await channel.close();
    }
  });

  it('refuses bad proxmox options with TypeError before anything is sent', async () => {
    const base = { host: 'pve', vmid: 100, token: 'a@pam!tok=s' };
    const bad: unknown[] = [
      { ...base, vmid: 99 },
      { ...base, token: 'no-secret' },
      { ...base, token: undefined },
      { ...base, username: 'root@pam', password: 'x' },
      { ...base, fingerprint: 'AA:BB' },
      { ...base, fingerprint: 'AA', ca: 'x' },
      { ...base, port: 0 },
      { ...base, node: 'bad node' },
      { ...base, extra: 1 },
    ];
    for (const proxmox of bad) await expect(QgaClient.connect({ proxmox } as never)).rejects.toBeInstanceOf(TypeError);
    await expect(QgaClient.connect({ proxmox: base, path: '/x' } as never)).rejects.toThrow(/cannot be combined/);
  });

  it('accepts the token with its PVEAPIToken= prefix and a fingerprint in any case or without colons', () => {
    const fp = 'ab'.repeat(32);
    const resolved = resolveProxmoxOptions({ host: 'pve', vmid: 100, token: 'PVEAPIToken=a@pam!tok=s', fingerprint: fp });
    expect(resolved.credentials).toEqual({ kind: 'token', header: 'PVEAPIToken=a@pam!tok=s', principal: 'a@pam!tok' });
    expect(resolved.trust).toEqual({ kind: 'fingerprint', fingerprint: Array(32).fill('AB').join(':') });
    expect(resolved.port).toBe(8006);
  });
});
