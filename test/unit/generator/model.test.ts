import { describe, expect, it } from 'vitest';
import { describeCond } from '../../../scripts/generate/conditions.js';
import { SUMMARIES } from '../../../scripts/generate/summaries.js';
import { compareVersions } from '../../../scripts/generate/versions.js';
import { QGA_COMMANDS, type QgaCommandName } from '../../../src/generated/index.js';
import { committedSchema } from './helpers.js';

const { model, merged } = committedSchema();

describe('the committed schema model', () => {
  it('covers every supported release, oldest first, master last', () => {
    expect(model.releases.map((r) => r.version)).toEqual(['7.2.0', '8.0.0', '8.2.0', '9.0.0', '9.2.0', '10.0.0', '10.1.0', '10.2.0', 'master']);
    expect(compareVersions('10.0', '9.2.0')).toBeGreaterThan(0);
    expect(compareVersions('8.1', '8.1.0')).toBe(0);
    expect(['master', '10.0.0', '9.2.0', '10.2.50', '0.15.0', '2.10'].sort(compareVersions)).toEqual(['0.15.0', '2.10', '9.2.0', '10.0.0', '10.2.50', 'master']);
  });

  it('records identical upstream files as identical (7.2.0 = 8.0.0, 10.2.0 = master)', () => {
    const sha = new Map(model.releases.map((r) => [r.version, r.sha256]));
    expect(sha.get('8.0.0')).toBe(sha.get('7.2.0'));
    expect(sha.get('master')).toBe(sha.get('10.2.0'));
    expect(sha.get('8.2.0')).not.toBe(sha.get('8.0.0'));
  });

  it('give 44 commands, each with a summary, a since and a method in the table', () => {
    expect(merged.commands.size).toBe(44);
    for (const name of merged.commands.keys()) {
      expect(SUMMARIES[name], name).toBeTypeOf('string');
      expect(QGA_COMMANDS[name as QgaCommandName].since, name).toMatch(/^\d+\.\d+(\.\d+)?$/);
    }
  });

  it('date guest-exec capture-output modes to 8.1, not the 8.0 the schema claims', () => {
    expect(merged.types.get('GuestExecCaptureOutput')!.since).toBe('8.1');
    expect(merged.commands.get('guest-exec')!.changes).toEqual([
      { kind: 'type-changed', member: 'capture-output', from: 'bool', to: 'GuestExecCaptureOutput', previous: '8.0.0', saved: '8.2.0', version: '8.1' },
    ]);
  });

  it('date commands added inside the saved range by their Since', () => {
    expect(merged.commands.get('guest-network-get-route')).toMatchObject({ since: '9.1', firstSaved: '9.2.0' });
    expect(merged.commands.get('guest-get-load')).toMatchObject({ since: '10.0', firstSaved: '10.0.0' });
    expect(merged.types.get('GuestFilesystemInfo')!.memberSince['total-bytes-privileged']).toEqual({ version: '9.1' });
  });

  it('render the build conditions readably', () => {
    const platform = (n: QgaCommandName): string | undefined => QGA_COMMANDS[n].platform;
    expect(platform('guest-ping')).toBeUndefined();
    expect(platform('guest-get-vcpus')).toBe('Linux or Windows');
    expect(platform('guest-set-user-password')).toBe('Linux, FreeBSD or Windows');
    expect(platform('guest-get-disks')).toBe('Windows, or Linux with libudev');
    expect(platform('guest-fsfreeze-freeze')).toBe('Windows, or Linux/FreeBSD with fsfreeze support (FIFREEZE/UFSSUSPEND)');
    expect(platform('guest-get-users')).toBe('Windows, or POSIX with utmpx');
    expect(describeCond('HAVE_GETIFADDRS')).toBe('needs getifaddrs');
  });

  it('flag the commands that reply only on failure', () => {
    const silent = Object.values(QGA_COMMANDS).filter((c) => !c.successResponse).map((c) => c.name);
    expect(silent.sort()).toEqual(['guest-shutdown', 'guest-suspend-disk', 'guest-suspend-hybrid', 'guest-suspend-ram']);
  });

  it('describe argument needs for the client', () => {
    expect(QGA_COMMANDS['guest-ping']).toMatchObject({ hasArguments: false, argumentsRequired: false, hasReturn: false });
    expect(QGA_COMMANDS['guest-fstrim']).toMatchObject({ hasArguments: true, argumentsRequired: false, hasReturn: true });
    expect(QGA_COMMANDS['guest-exec']).toMatchObject({ method: 'guestExec', hasArguments: true, argumentsRequired: true });
    expect(QGA_COMMANDS['guest-fsfreeze-freeze-list'].method).toBe('guestFsfreezeFreezeList');
  });
});
