import { describe, expect, it } from 'vitest';
import { QgaConnectionError } from '../../../../src/index.js';
import { startPve } from '../../../support/proxmox.js';

const log = (pve: { requests: readonly { method: string; path: string; status: number }[] }): string[] =>
  pve.requests.map((r) => `${r.path.replace('/qemu/100/agent', '')} ${r.status}`);

describe('a VM that migrates', () => {
  it('idempotent calls follow it: looked up again, retried while it resumes on the new node', async () => {
    const { pve, connect } = await startPve({ nodes: ['pve1', 'pve2'] });
    const client = await connect(); // node looked up
    pve.clearRequests();
    const migrated = pve.migrate(100, 'pve2', { downtime: 300 });
    await expect(client.guestGetHostName()).resolves.toEqual({ 'host-name': 'simulated-guest' });
    await migrated;
    const seen = log(pve);
    expect(seen.slice(0, 3)).toEqual(['/nodes/pve1/get-host-name 500', '/cluster/resources 200', '/nodes/pve2/get-host-name 500']);
    expect(seen.at(-1)).toBe('/nodes/pve2/get-host-name 200');
    await client.ping();
    expect(log(pve).at(-1)).toBe('/nodes/pve2/ping 200');
  });

  it('a non-idempotent call is not sent again: it rejects saying so, and the next call goes to the new node', async () => {
    const { pve, agent, connect } = await startPve({ nodes: ['pve1', 'pve2'] });
    agent!.handleExec('true', () => ({}));
    const client = await connect({ node: 'pve1' }); // given, yet followed
    await pve.migrate(100, 'pve2', { downtime: 0 });
    pve.clearRequests();
    const error = await client.exec(['true']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/moved from node pve1 to pve2; guest-exec did not run and was not sent again/);
    expect(log(pve)).toEqual(['/nodes/pve1/exec 500', '/cluster/resources 200']);
    await expect(client.exec(['true'])).resolves.toMatchObject({ exitCode: 0 });
  });

  it('a process started before the migration is waited for after it (the guest state moves with the VM)', async () => {
    const { pve, agent, connect } = await startPve({ nodes: ['pve1', 'pve2'] });
    agent!.handleExec('work', () => ({ delayMs: 300, stdout: 'finished' }));
    const client = await connect();
    const proc = await client.spawn(['work']);
    await pve.migrate(100, 'pve2', { downtime: 100 });
    await expect(proc.wait({ timeout: 10_000 })).resolves.toMatchObject({ stdout: 'finished' });
  });

  it('/cluster/resources lists only VMs the credentials may audit', async () => {
    const { pve, connect } = await startPve({ nodes: ['pve1', 'pve2'] });
    const token = pve.addToken('agentonly@pve!tok', { privileges: ['VM.GuestAgent.Audit'] });
    await expect(connect({ token })).rejects.toThrow(/lacks VM\.Audit on \/vms\/100/);
    await expect(connect({ token, node: 'pve1' })).resolves.toBeDefined();
  });

  it('/nodes/localhost is the node answering the API', async () => {
    const { connect } = await startPve({ nodes: ['pve1', 'pve2'] });
    const client = await connect({ node: 'localhost' });
    await client.ping();
  });
});
