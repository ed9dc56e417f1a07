import { describe, expect, it } from 'vitest';
import { QgaClient, QgaCommandError, QgaConnectionError, QgaTimeoutError } from '../../../src/index.js';
import { useScriptedGuest, type ScriptedGuest } from './scripted-guest.js';

let guest: ScriptedGuest;
let client: QgaClient;
useScriptedGuest((g, c) => {
  guest = g;
  client = c;
});

/** The freeze cycle's own commands, without the one-time "which OS is this" look-up. */
const cycle = (): string[] => guest.commands().filter((c) => c !== 'guest-info' && c !== 'guest-get-osinfo');

describe('withFrozenFilesystems', () => {
  it('asks once what the guest is, then checks status, freezes, runs fn while frozen, thaws and reports the counts', async () => {
    let frozenDuringFn = false;
    const outcome = await client.withFrozenFilesystems(({ frozen }) => {
      frozenDuringFn = guest.frozen;
      return `snapshot of ${frozen}`;
    });
    expect(outcome).toEqual({ result: 'snapshot of 3', frozen: 3, thawed: 3 });
    expect(frozenDuringFn).toBe(true);
    expect(guest.frozen).toBe(false);
    expect(guest.commands()).toEqual(['guest-info', 'guest-get-osinfo', 'guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw']);
    await client.withFrozenFilesystems(() => undefined);
    expect(cycle()).toEqual(['guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw', 'guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw']);
  });

  it('uses the list form when mountpoints are given', async () => {
    const outcome = await client.withFrozenFilesystems(() => 1, { mountpoints: ['/', '/data'] });
    expect(outcome.frozen).toBe(2);
    const freeze = guest.agent.requests.find((r) => r.execute === 'guest-fsfreeze-freeze-list');
    expect(freeze?.arguments).toEqual({ mountpoints: ['/', '/data'] });
    await expect(client.withFrozenFilesystems(() => 1, { mountpoints: [] })).rejects.toBeInstanceOf(TypeError);
  });

  it('thaws when fn throws, and rethrows its error', async () => {
    const boom = new Error('snapshot failed');
    await expect(
      client.withFrozenFilesystems(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(guest.frozen).toBe(false);
    expect(guest.commands().at(-1)).toBe('guest-fsfreeze-thaw');
  });

  it('thaws at once when the caller aborts while fn runs, and tells fn through its signal', async () => {
    const controller = new AbortController();
    const reason = new Error('operator cancelled');
    let fnSignal: AbortSignal | undefined;
    const pending = client.withFrozenFilesystems(
      ({ signal }) => {
        fnSignal = signal;
        setTimeout(() => controller.abort(reason), 10);
        return new Promise(() => undefined); // never settles
      },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBe(reason);
    expect(fnSignal?.aborted).toBe(true);
    expect(guest.frozen).toBe(false);
  });

  it('thaws after timeout and rejects with QgaTimeoutError', async () => {
    const error = await client.withFrozenFilesystems(() => new Promise(() => undefined), { timeout: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaTimeoutError);
    expect((error as Error).message).toMatch(/longer than 50 ms; thawed/);
    expect(guest.frozen).toBe(false);
  });

  it('refuses an already frozen guest without freezing or thawing', async () => {
    guest.frozen = true;
    let ran = false;
    const error = await client
      .withFrozenFilesystems(() => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as Error).message).toMatch(/already frozen/);
    expect(ran).toBe(false);
    expect(cycle()).toEqual(['guest-fsfreeze-status']);
    expect(guest.frozen).toBe(true);
  });

  it('while frozen, other commands fail fast with the agent CommandNotFound error', async () => {
    const { result } = await client.withFrozenFilesystems(async () => {
      const started = performance.now();
      const error = await client.call('guest-file-open', { path: '/x' }).catch((e: unknown) => e);
      return { error, ms: performance.now() - started };
    });
    expect(result.error).toBeInstanceOf(QgaCommandError);
    expect((result.error as QgaCommandError).errorClass).toBe('CommandNotFound');
    expect((result.error as QgaCommandError).desc).toMatch(/frozen state/);
    expect(result.ms).toBeLessThan(1000);
  });

  it('a freeze that timed out is thawed anyway (the agent may have done it)', async () => {
    guest.intercept = (request) => {
      if (request.execute !== 'guest-fsfreeze-freeze') return false;
      guest.frozen = true; // the freeze happens, its reply never comes in time
      return true;
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(client.withFrozenFilesystems(() => 1, { signal: controller.signal })).rejects.toHaveProperty('name', 'AbortError');
    expect(guest.frozen).toBe(false);
    expect(cycle()).toEqual(['guest-fsfreeze-status', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw']);
  });

  it('a freeze refused by the agent is not followed by a thaw', async () => {
    guest.failing.set('guest-fsfreeze-freeze', 'failed to freeze /: Operation not permitted');
    await expect(client.withFrozenFilesystems(() => 1)).rejects.toBeInstanceOf(QgaCommandError);
    expect(cycle()).toEqual(['guest-fsfreeze-status', 'guest-fsfreeze-freeze']);
  });

  it('a failed thaw after a failed fn reports both, and that the guest may still be frozen', async () => {
    guest.intercept = (request, c) => {
      if (request.execute !== 'guest-fsfreeze-thaw') return false;
      c.error(request, 'GenericError', 'failed to thaw');
      return true;
    };
    const error = await client
      .withFrozenFilesystems(() => {
        throw new Error('fn failed');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QgaCommandError);
    expect((error as QgaCommandError).command).toBe('guest-fsfreeze-thaw');
    expect((error as Error).message).toMatch(/MAY STILL BE FROZEN.*failed to thaw.*fn failed/s);
    expect((error as { errors: Error[] }).errors.map((e) => e.message)).toEqual(['fn failed', expect.stringMatching(/failed to thaw/)]);
  });

  describe('a thaw that cannot be sent says loudly that the guest may still be frozen, and how to thaw it', () => {
    const howToThaw = /guest-fsfreeze-thaw.*virsh domfsthaw/s;

    it('fn closed the client and returned', async () => {
      const error = await client.withFrozenFilesystems(() => client.close()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/THE GUEST MAY STILL BE FROZEN/);
      expect((error as Error).message).toMatch(howToThaw);
      expect((error as Error).message).toMatch(/the client is closed/);
      expect((error as { errors: unknown[] }).errors).toEqual([(error as Error).cause]);
      expect(guest.frozen).toBe(true);
    });

    it('fn closed the client and threw: both errors, fn first', async () => {
      const boom = new Error('snapshot failed');
      const error = await client
        .withFrozenFilesystems(async () => {
          await client.close();
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/THE GUEST MAY STILL BE FROZEN.*snapshot failed/s);
      expect((error as Error).message).toMatch(howToThaw);
      expect((error as { errors: unknown[] }).errors).toEqual([boom, (error as Error).cause]);
      expect(guest.frozen).toBe(true);
    });

    it('the freeze call was abandoned and the safety thaw cannot be sent either', async () => {
      guest.intercept = (request) => {
        if (request.execute !== 'guest-fsfreeze-freeze') return false;
        guest.frozen = true; // the freeze happens, its reply never comes in time
        setTimeout(() => void client.close(), 10);
        return true;
      };
      const error = await client.withFrozenFilesystems(() => 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/THE GUEST MAY STILL BE FROZEN/);
      expect((error as Error).message).toMatch(howToThaw);
      expect(guest.frozen).toBe(true);
    });
  });
});
