/**
 * examples/libvirt.ts, run as documented against a simulated libvirtd (the same example
 * against the real daemon is what `npx tsx examples/libvirt.ts DOMAIN` does on a host).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Program } from '../../src/channels/libvirt/procedures.js';
import { LibvirtConnection } from '../../src/index.js';
import { describeReports, surveyDomains } from '../../examples/libvirt.js';
import { agentReply, FakeLibvirtd, remoteError } from '../support/fake-libvirtd.js';

describe('examples/libvirt.ts', () => {
  let daemon: FakeLibvirtd;
  beforeEach(async () => {
    daemon = await FakeLibvirtd.start();
    daemon.on(Program.REMOTE, 23, (call) => {
      const name = call.args.string(1 << 22);
      if (name === 'gone') return remoteError(42, 10, "Domain not found: no domain with matching name 'gone'");
      return { ok: (w) => w.string(name, 1 << 22).opaque(Buffer.alloc(16, name.length), 16).int(1) };
    });
    daemon.on(Program.QEMU, 3, (call) => {
      if (call.command!.includes('host-name')) return agentReply('{"return":{"host-name":"web1"}}');
      if (call.command!.includes('osinfo')) return agentReply('{"return":{"pretty-name":"Debian GNU/Linux 12"}}');
      return agentReply('{"return":{}}');
    });
  });
  afterEach(async () => {
    await daemon.stop();
  });

  it('surveys several domains over one connection and reports a failing one without stopping', async () => {
    await using connection = await LibvirtConnection.open({ uri: daemon.uri });
    const reports = await surveyDomains(connection, ['vm1', 'gone', 'vm22']);
    expect(reports.map(({ domain, hostName, os }) => ({ domain, hostName, os }))).toEqual([
      { domain: 'vm1', hostName: 'web1', os: 'Debian GNU/Linux 12' },
      { domain: 'gone', hostName: undefined, os: undefined },
      { domain: 'vm22', hostName: 'web1', os: 'Debian GNU/Linux 12' },
    ]);
    expect(reports[1]!.error).toMatch(/^QGA_CONNECTION: .*no such domain/);
    expect(describeReports(reports)).toMatch(/vm1: web1 \(Debian GNU\/Linux 12\)[\s\S]*gone: FAILED/);
    expect(daemon.callsOf(Program.REMOTE, 1)).toHaveLength(1);
  });
});
