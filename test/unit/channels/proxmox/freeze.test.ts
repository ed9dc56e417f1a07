import { describe, expect, it } from 'vitest';
import { QgaTimeoutError } from '../../../../src/index.js';
import { SimulatedAgentError } from '../../../../src/testing/index.js';
import { FAST_TIMING, startPve } from '../../../support/proxmox.js';

const PROXY = { ...FAST_TIMING, proxyTimeout: 200 };

describe('fsfreeze through Proxmox', () => {
  it('freezes and thaws with the simple endpoints', async () => {
    const { agent, connect } = await startPve();
    const client = await connect({ node: 'pve1' });
    const outcome = await client.withFrozenFilesystems(() => agent!.frozen);
    expect(outcome).toEqual({ result: true, frozen: 1, thawed: 1 });
    expect(agent!.frozen).toBe(false);
  });

  it('a freeze that outlasts the proxy (596) is followed with fsfreeze-status until it is frozen', async () => {
    const { pve, agent, connect } = await startPve({ timing: PROXY });
    const client = await connect({ node: 'pve1' });
    agent!.injectFault({ kind: 'delay', ms: 900 }, { command: 'guest-fsfreeze-freeze' });
    // withFrozenFilesystems first asks once per connection what the guest is (a Windows
    // freeze differs); done here, so the requests below are the freeze cycle's own.
    await client.guestOs();
    pve.clearRequests();
    const outcome = await client.withFrozenFilesystems(() => agent!.frozen);
    expect(outcome.result).toBe(true);
    expect(outcome.frozen).toBe(1); // the count is lost with the 596: at least one
    expect(agent!.frozen).toBe(false);
    const seen = pve.requests.map((r) => `${r.path.split('/').pop()} ${r.status}`);
    expect(seen[0]).toBe('fsfreeze-status 200');
    expect(seen[1]).toBe('fsfreeze-freeze 596');
    expect(seen.slice(2, -1).every((s) => s.startsWith('fsfreeze-status'))).toBe(true);
    expect(seen.at(-2)).toBe('fsfreeze-status 200');
    expect(seen.at(-1)).toBe('fsfreeze-thaw 200');
  });

  it('after a 596, a guest that ends up thawed is an unknown outcome (QgaTimeoutError), and the helper thaws', async () => {
    const { agent, connect } = await startPve({ timing: PROXY });
    const client = await connect({ node: 'pve1' });
    agent!.handle('guest-fsfreeze-freeze', () => {
      throw new SimulatedAgentError('GenericError', 'failed to freeze /: Device or resource busy');
    });
    agent!.injectFault({ kind: 'delay', ms: 600 }, { command: 'guest-fsfreeze-freeze' });
    const error = await client.withFrozenFilesystems(() => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as Error).message).toMatch(/596\).*reports 'thawed'.*outcome is unknown/);
  });

  it('a 596 on another command (fstrim) cannot be followed: the outcome is unknown', async () => {
    const { pve, agent, connect } = await startPve({ timing: PROXY });
    agent!.handle('guest-fstrim', () => ({ paths: [] }));
    const client = await connect({ node: 'pve1' });
    pve.delay(400, { endpoint: 'fstrim' });
    await expect(client.call('guest-fstrim')).rejects.toThrow(/596 .*outcome is unknown/);
  });
});
