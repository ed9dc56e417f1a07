import { describe, expect, it } from 'vitest';
import { QgaConnectionError, QgaProtocolError, QgaTimeoutError } from '../../../../src/index.js';
import { FAST_TIMING, startPve } from '../../../support/proxmox.js';

describe('Proxmox faults and their errors', () => {
  it('a stopped VM: QgaConnectionError at connect, and for a later call; usable again once it runs', async () => {
    const { pve, connect } = await startPve();
    pve.setRunning(100, false);
    await expect(connect({ node: 'pve1' })).rejects.toThrow(QgaConnectionError);
    await expect(connect({ node: 'pve1' })).rejects.toThrow(/VM 100 is not running/);
    pve.setRunning(100, true);
    const client = await connect({ node: 'pve1' });
    pve.setRunning(100, false);
    await expect(client.ping()).rejects.toThrow(/VM 100 is not running/);
    pve.setRunning(100, true);
    await client.ping();
  });

  it('no agent in the VM config: QgaConnectionError at connect', async () => {
    const { pve, connect } = await startPve();
    pve.setAgentConfigured(100, false);
    const error = await connect({ node: 'pve1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaConnectionError);
    expect((error as Error).message).toMatch(/No QEMU guest agent configured/);
  });

  it('the agent down: QgaConnectionError at connect; a later call fails alike and the client stays usable', async () => {
    const { pve, connect } = await startPve();
    pve.setAgentRunning(100, false);
    await expect(connect({ node: 'pve1' })).rejects.toThrow(/QEMU guest agent is not running/);
    pve.setAgentRunning(100, true);
    const client = await connect({ node: 'pve1' });
    pve.setAgentRunning(100, false);
    await expect(client.ping()).rejects.toBeInstanceOf(QgaConnectionError);
    pve.setAgentRunning(100, true);
    await client.ping();
  });

  it('waitForAgent keeps trying while Proxmox says the agent is not running', async () => {
    const { pve, connect } = await startPve();
    pve.setAgentRunning(100, false);
    setTimeout(() => pve.setAgentRunning(100, true), 700);
    const client = await connect({ node: 'pve1' }, { waitForAgent: 10_000 });
    expect(client.connectInfo.attempts).toBeGreaterThan(1);
    expect(client.connectInfo.duration).toBeGreaterThanOrEqual(600);
  });

  it('waitForAgent does not wait for a stopped VM', async () => {
    const { pve, connect } = await startPve();
    pve.setRunning(100, false);
    const started = performance.now();
    await expect(connect({ node: 'pve1' }, { waitForAgent: 10_000 })).rejects.toThrow(/not running/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('"got timeout" from qemu-server is a QgaTimeoutError', async () => {
    const { agent, connect } = await startPve({ timing: { ...FAST_TIMING, agentCommand: 300 } });
    const client = await connect({ node: 'pve1' });
    agent!.injectFault({ kind: 'delay', ms: 600 }, { command: 'guest-get-host-name' });
    const error = await client.guestGetHostName().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as Error).message).toMatch(/qga command 'guest-get-host-name' failed - got timeout/);
  });

  it('596 from the proxy hop is a QgaTimeoutError that says the outcome is unknown', async () => {
    const { pve, connect } = await startPve({ timing: { ...FAST_TIMING, proxyTimeout: 200 } });
    const client = await connect({ node: 'pve1' });
    pve.delay(400, { endpoint: 'get-host-name' });
    const error = await client.guestGetHostName().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as Error).message).toMatch(/596 Connection timed out.*the outcome is unknown/);
    await client.ping();
  });

  it('595 from the proxy hop is a QgaConnectionError that says whether it ran is unknown', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.failHop({ endpoint: 'get-osinfo' });
    await expect(client.guestGetOsinfo()).rejects.toThrow(/595 .*whether guest-get-osinfo ran is unknown/);
    await client.guestGetOsinfo();
  });

  it('the call timeout and an abort end one call; the next call works', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.delay(500, { endpoint: 'get-host-name' });
    await expect(client.guestGetHostName({ timeout: 100 })).rejects.toBeInstanceOf(QgaTimeoutError);
    pve.delay(500, { endpoint: 'get-host-name' });
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 50);
    await expect(client.guestGetHostName({ signal: controller.signal })).rejects.toBe(reason);
    await expect(client.guestGetHostName()).resolves.toEqual({ 'host-name': 'simulated-guest' });
  });

  it('calls of one client are serialised: a slow one does not make the next fail Proxmox\'s pre-check ping', async () => {
    const { agent, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    agent!.injectFault({ kind: 'delay', ms: 2_500 }, { command: 'guest-get-host-name' });
    // Unserialised, the second request's pre-check ping would wait 2.5 s for the chardev and give up at 1 s.
    const results = await Promise.all([client.guestGetHostName(), client.ping(), client.guestGetTimezone()]);
    expect(results[0]).toEqual({ 'host-name': 'simulated-guest' });
  });

  it('a call still waiting for its turn times out as never sent, and a close fails the waiting calls too', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.delay(600, { endpoint: 'get-host-name' });
    const slow = client.guestGetHostName();
    const waited = await client.guestGetTimezone({ timeout: 150 }).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(QgaTimeoutError);
    expect((waited as Error).message).toMatch(/still waiting for earlier calls.*not sent/);
    await expect(slow).resolves.toEqual({ 'host-name': 'simulated-guest' });
    // The turn that gave up did not hold the line: the next call goes at once.
    await client.ping();
    pve.delay(600, { endpoint: 'get-host-name' });
    const inFlight = client.guestGetHostName();
    const queued = client.ping();
    setTimeout(() => void client.close(), 50);
    await expect(inFlight).rejects.toBeInstanceOf(QgaConnectionError);
    await expect(queued).rejects.toThrow(/closed/);
  });

  it('a reply larger than maxReplyBytes is a QgaProtocolError; memory stays bounded', async () => {
    const { agent, connect } = await startPve();
    const client = await connect({ node: 'pve1' }, { maxReplyBytes: 4096 });
    agent!.handleExec('big', () => ({ stdout: 'x'.repeat(100_000) }));
    await expect(client.exec(['big'])).rejects.toBeInstanceOf(QgaProtocolError);
    await client.ping();
  });

  it('closing the client fails the call in flight with QgaConnectionError', async () => {
    const { pve, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    pve.delay(500, { endpoint: 'get-host-name' });
    const pending = client.guestGetHostName();
    setTimeout(() => void client.close(), 50);
    await expect(pending).rejects.toBeInstanceOf(QgaConnectionError);
    await expect(client.ping()).rejects.toThrow(/closed/);
  });
});
