import { afterEach, describe, expect, it, vi } from 'vitest';
import { findMissing, type Probe, SETUP_COMMAND, skipNotice, suiteCanRun, systemProbe } from '../../../scripts/test-env/prerequisites.js';

/** A machine with the given commands in /usr/bin, TCG only, the guest already built. */
function machine(commands: string[], over: Partial<Probe> = {}): Probe {
  return {
    env: {},
    find: (c) => (commands.includes(c) ? `/usr/bin/${c}` : undefined),
    accelerators: () => ['tcg'],
    kvmUsable: () => false,
    guestBuildLacksAptLists: () => false,
    ...over,
  };
}
const everything = ['qemu-ga', 'qemu-system-x86_64', 'apt-get', 'dpkg-deb', 'cpio', 'mkfs.ext4', 'flock', 'libvirtd', 'virsh'];
const without = (...gone: string[]): string[] => everything.filter((c) => !gone.includes(c));

describe('what the real suites need from the machine', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('finds nothing missing on a fully set-up machine', () => {
    for (const suite of ['integration', 'e2e-vm', 'libvirt'] as const) expect(findMissing(suite, machine(everything))).toEqual([]);
  });

  it('names the qemu-ga binary, and only that, for the real-agent suite', () => {
    expect(findMissing('integration', machine(without('qemu-ga', 'qemu-system-x86_64')))).toEqual([
      { piece: 'qemu-ga', what: 'the `qemu-ga` binary (package qemu-guest-agent)' },
    ]);
  });

  it('follows QGA_BIN as start-qemu-ga does: a bad QGA_BIN is missing even when qemu-ga is on the PATH', () => {
    const probe = machine(everything, { env: { QGA_BIN: '/nonexistent/qemu-ga' } });
    expect(findMissing('integration', probe).map((m) => m.what)).toEqual(['the `qemu-ga` binary: QGA_BIN=/nonexistent/qemu-ga is not an executable']);
  });

  it('names QEMU, each missing guest build tool and the apt lists for the real-guest suite', () => {
    const probe = machine(without('qemu-system-x86_64', 'cpio', 'mkfs.ext4'), { guestBuildLacksAptLists: () => true });
    expect(findMissing('e2e-vm', probe).map((m) => m.what)).toEqual([
      'QEMU: `qemu-system-x86_64` (package qemu-system-x86)',
      'the guest build tools: cpio (cpio), mkfs.ext4 (e2fsprogs), apt package lists to download the guest from (apt-get update)',
    ]);
  });

  it('wants KVM or TCG, and is content with either', () => {
    const neither = machine(everything, { accelerators: () => ['xen'] });
    expect(findMissing('e2e-vm', neither).map((m) => m.piece)).toEqual(['accelerator']);
    expect(findMissing('e2e-vm', { ...neither, kvmUsable: () => true })).toEqual([]);
  });

  it('adds libvirtd for the libvirt suite', () => {
    expect(findMissing('libvirt', machine(without('virsh'))).map((m) => m.piece)).toEqual(['libvirtd']);
  });

  it('reports pieces named in QGA_TEST_PRETEND_MISSING, saying they are pretended', () => {
    const probe = machine(everything, { env: { QGA_TEST_PRETEND_MISSING: 'qemu, libvirtd' } });
    const missing = findMissing('libvirt', probe);
    expect(missing.map((m) => m.piece)).toEqual(['qemu', 'libvirtd']);
    for (const m of missing) expect(m.what).toMatch(/\[pretended: QGA_TEST_PRETEND_MISSING\]$/);
  });

  it('skips a local run with a notice that names every missing piece and the set-up command', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(suiteCanRun('e2e-vm', 'e2e-vm', 'the real-guest tests', machine(without('qemu-system-x86_64', 'flock')))).toBe(false);
    const notice = String(warn.mock.calls[0]?.[0]);
    expect(notice).toContain('[e2e-vm] the real-guest tests are SKIPPED: this machine lacks');
    expect(notice).toContain('QEMU: `qemu-system-x86_64`');
    expect(notice).toContain('the guest build tools: flock (util-linux)');
    expect(notice).toContain(`Install them with:  ${SETUP_COMMAND}`);
  });

  it('fails a CI run instead, with the same facts', () => {
    const probe = machine(without('qemu-ga'), { env: { CI: 'true' } });
    expect(() => suiteCanRun('integration', 'integration', 'the real-agent tests', probe)).toThrow(
      `[integration] cannot run the real-agent tests: this machine lacks the \`qemu-ga\` binary (package qemu-guest-agent). CI must install them first: ${SETUP_COMMAND}`,
    );
    for (const notCi of ['', 'false', '0']) {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      expect(suiteCanRun('integration', 'integration', 'x', { ...probe, env: { CI: notCi } })).toBe(false);
    }
  });

  it('says "it" for one piece', () => {
    expect(skipNotice('integration', 'the real-agent tests', [{ piece: 'qemu-ga', what: 'x' }])).toContain(`Install it with:  ${SETUP_COMMAND}`);
  });

  it('looks in the sbin folders as the scripts do, and only at executable files', () => {
    const probe = systemProbe({ PATH: '/nonexistent' });
    expect(probe.find('sh')).toBeUndefined();
    expect(probe.find('.')).toBeUndefined();
    // Every Debian/Ubuntu host has /sbin/ldconfig; PATH alone would not find it here.
    expect(probe.find('ldconfig')).toMatch(/^\/(usr\/)?sbin\/ldconfig$/);
  });
});
