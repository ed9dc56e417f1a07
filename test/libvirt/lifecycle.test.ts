/**
 * Domains and agents coming and going, on the real libvirtd: a defined but stopped domain,
 * a guest still booting (agent not connected, and waiting for it through libvirt's agent
 * lifecycle event), and shutting the guest down through the agent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, afterAll, expect, it } from 'vitest';
import { QgaConnectionError } from '../../src/index.js';
import { startDomain } from './libvirt.global-setup.js';
import { connect, noLibvirt, domainState, prefix, stopDomain, virsh } from './env.js';

describe.skipIf(noLibvirt)('libvirt channel, real libvirtd: lifecycle', () => {
  const booted = `${prefix}c`;
  afterAll(() => stopDomain(booted));

  it('a domain that is defined but not running is QgaConnectionError at connect', async () => {
    const name = `${prefix}stopped`;
    const dir = mkdtempSync(path.join(tmpdir(), 'qga-lvt-'));
    const xml = path.join(dir, 'domain.xml');
    writeFileSync(xml, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`);
    virsh('define', xml);
    try {
      const error = await connect(name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QgaConnectionError);
      expect((error as Error).message).toMatch(/domain is not running/);
    } finally {
      virsh('undefine', name);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a booting guest: "agent not connected" without waitForAgent; with it, the client waits for libvirt’s CONNECTED event', async () => {
    await startDomain(booted, ['--no-wait']);
    const early = await connect(booted).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(QgaConnectionError);
    expect((early as Error).message).toMatch(/not connected/);
    const started = performance.now();
    const client = await connect(booted, { waitForAgent: 120_000 });
    try {
      expect(client.connectInfo.attempts).toBeGreaterThanOrEqual(2);
      expect(client.connectInfo.duration).toBeLessThanOrEqual(performance.now() - started + 1);
      await expect(client.ping()).resolves.toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('shutdown through libvirt’s agent-mode procedure: resolves once the guest took it, then the domain goes away', async () => {
    const client = await connect(booted, { waitForAgent: 120_000 });
    try {
      await client.shutdown({ timeout: 60_000 });
    } finally {
      await client.close();
    }
    const until = Date.now() + 60_000;
    while (domainState(booted) === 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    // Transient, on_poweroff=destroy: the domain is gone once the guest powered off.
    expect(domainState(booted)).toBe('gone');
  });
});
