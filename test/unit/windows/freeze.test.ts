import { describe, expect, it } from 'vitest';
import { QgaCommandError, QgaFreezeWindowError, QgaTimeoutError } from '../../../src/index.js';
import { ERAS, sent, startWindows } from './windows-agent.js';

/** A clock the test moves by hand: VSS's 10-second window without waiting 10 seconds. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe.each(ERAS)('withFrozenFilesystems on a simulated $era agent (VSS)', (era) => {
  it('freezes every fixed volume, tells fn the 10-second window, thaws in time', async () => {
    const clock = manualClock();
    const { agent, client } = await startWindows(era, { windows: { vss: { now: clock.now } } });
    const outcome = await client.withFrozenFilesystems(({ frozen, window }) => {
      clock.advance(9_000);
      return { frozen, window, agentFrozen: agent.frozen };
    });
    expect(outcome).toEqual({ result: { frozen: 3, window: 10_000, agentFrozen: true }, frozen: 3, thawed: 3 });
    expect(agent.frozen).toBe(false);
  });

  it('past the window: a typed QgaFreezeWindowError with the result, and the guest is thawed', async () => {
    const clock = manualClock();
    const { agent, client } = await startWindows(era, { windows: { vss: { now: clock.now } } });
    const error = await client
      .withFrozenFilesystems(() => {
        clock.advance(11_000);
        return 'snapshot-42';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaFreezeWindowError);
    expect(error).toMatchObject({ code: 'QGA_FREEZE_WINDOW', result: 'snapshot-42', frozen: 3, thawed: true, window: 10_000 });
    const cause = (error as QgaFreezeWindowError).cause as QgaCommandError;
    // The suffix is the empty system message before 10.0, the error code from 10.0.
    expect(cause.desc).toBe(`couldn't hold writes: fsfreeze is limited up to 10 seconds: ${era.newTexts ? 'unknown Windows error 0x80042314' : ''}`);
    expect(agent.frozen).toBe(false);
    expect(await client.call('guest-fsfreeze-status')).toBe('thawed');
  });

  it("past the window while fn failed: fn's error, not a failed thaw", async () => {
    const clock = manualClock();
    const { client } = await startWindows(era, { windows: { vss: { now: clock.now } } });
    const boom = new Error('snapshot failed');
    await expect(
      client.withFrozenFilesystems(() => {
        clock.advance(12_000);
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('a slow VSS freeze gets its time: the freeze call is not held to the client timeout', async () => {
    const { client } = await startWindows(era, { windows: { vss: { freezeDelayMs: 400 } } }, { timeout: 150 });
    const outcome = await client.withFrozenFilesystems(() => 'ok');
    expect(outcome).toMatchObject({ result: 'ok', frozen: 3, thawed: 3 });
  });

  it('VSS never reports frozen: the agent fails after its wait and stays thawed; fn never runs', async () => {
    const { agent, client } = await startWindows(era, { windows: { vss: { fault: 'timeout', timeoutMs: 100 } } });
    let ran = false;
    const error = await client.withFrozenFilesystems(() => (ran = true)).catch((e: unknown) => e);
    expect((error as QgaCommandError).desc).toBe('timeout when try to receive Frozen event from VSS provider');
    expect(ran).toBe(false);
    expect(agent.frozen).toBe(false);
    expect(sent(agent, 'guest-fsfreeze-thaw')).toBe(0);
  });

  it('a freeze that outlasts freezeTimeout is thawed anyway', async () => {
    const { agent, client } = await startWindows(era, { windows: { vss: { freezeDelayMs: 300 } } });
    const error = await client.withFrozenFilesystems(() => 'never', { freezeTimeout: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect(agent.frozen).toBe(false);
    expect(sent(agent, 'guest-fsfreeze-thaw')).toBe(1);
  });

  it('a writer failure fails the freeze; the agent thawed itself, nothing to thaw', async () => {
    const { agent, client } = await startWindows(era, { windows: { vss: { fault: 'writer' } } });
    await expect(client.withFrozenFilesystems(() => 1)).rejects.toMatchObject({ desc: 'failed to do snapshot set' });
    expect(agent.frozen).toBe(false);
  });

  it('VSS unavailable: freezing is disabled, as the agent says', async () => {
    const { client } = await startWindows(era, { windows: { vss: { fault: 'unavailable' } } });
    const error = (await client.withFrozenFilesystems(() => 1).catch((e: unknown) => e)) as QgaCommandError;
    expect(error.errorClass).toBe('CommandNotFound');
    expect(error.desc).toBe(`Command guest-fsfreeze-status has been disabled${era.newTexts ? ': the command is not allowed' : ''}`);
    const list = (await client.call('guest-fsfreeze-freeze-list', { mountpoints: ['C:\\'] }).catch((e: unknown) => e)) as QgaCommandError;
    expect(list.desc).toBe(era.newTexts ? 'fsfreeze not possible as VSS failed to initialize' : 'this feature or command is not currently supported');
  });

  it("mount points: 'c:' and 'C:/' become 'C:\\\\'; one unknown volume fails the whole freeze; non-ASCII is refused", async () => {
    const { agent, client } = await startWindows(era);
    const frozen = await client.withFrozenFilesystems(({ frozen: n }) => n, { mountpoints: ['c:', '\\\\?\\Volume{5d3a1f0e-0000-0000-0000-100000000000}\\'] });
    expect(frozen).toMatchObject({ result: 2, thawed: 2 });
    const error = (await client.withFrozenFilesystems(() => 1, { mountpoints: ['C:/', 'E:\\'] }).catch((e: unknown) => e)) as QgaCommandError;
    expect(error.desc).toMatch(/^failed to add E:\\ to snapshot set: /);
    expect(agent.frozen).toBe(false);
    await expect(client.withFrozenFilesystems(() => 1, { mountpoints: ['C:\\Daten\\Übersicht'] })).rejects.toBeInstanceOf(TypeError);
  });

  it('while frozen other commands get the era\'s frozen text', async () => {
    const { client } = await startWindows(era);
    await client.withFrozenFilesystems(async () => {
      const error = (await client.exec(['whoami']).catch((e: unknown) => e)) as QgaCommandError;
      expect(error.desc).toBe(`Command guest-exec has been disabled: ${era.newTexts ? 'the command is not allowed' : 'the agent is in frozen state'}`);
    });
  });
});
