/**
 * The Proxmox channel's own cost: the library through `connect({ proxmox })` against a
 * bare HTTPS client doing the same requests, both on one simulated Proxmox whose guest is
 * the real qemu-ga, interleaved round by round. Proxmox's own work (a fresh agent socket
 * per command, its pre-check ping, JSON both ways) is in both columns; the ratio is what
 * the channel adds: call queue, auth headers, error mapping, byte-string and base64
 * handling, the file helpers.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QgaClient } from '../../src/index.js';
import { qga, qgaTesting } from '../lib/qga.js';
import { interleave, median, MiB, since } from '../lib/stats.js';
import type { BenchCase, Row } from '../lib/types.js';
import { RawProxmoxClient } from '../proxmox-raw-client.js';

interface Sides<T> {
  library: (client: QgaClient) => Promise<T>;
  raw: (client: RawProxmoxClient) => Promise<T>;
}

export const proxmoxCase: BenchCase = {
  name: 'proxmox',
  title: 'Proxmox channel against raw HTTPS (simulated Proxmox, real qemu-ga)',
  needsAgent: true,
  async run(ctx) {
    const pings = ctx.smoke ? 20 : 400;
    const execs = ctx.smoke ? 3 : 40;
    const fileSize = ctx.smoke ? MiB : 8 * MiB;
    const reads = ctx.smoke ? 1 : 2;
    const rounds = ctx.smoke ? 1 : 9;
    const pve = await qgaTesting.SimulatedProxmox.start({ vms: [{ vmid: 100, guest: ctx.socket! }] });
    const file = join(ctx.workDir, 'proxmox-read.bin');
    await writeFile(file, randomBytes(fileSize));
    try {
      const token = pve.addToken('bench@pve!qga', { role: 'PVEVMAdmin' });
      const connectLibrary = () => qga.QgaClient.connect({ proxmox: { host: pve.host, port: pve.port, vmid: 100, node: 'pve1', token, fingerprint: pve.fingerprint }, timeout: 60_000 });
      const connectRaw = () => new RawProxmoxClient({ host: pve.host, port: pve.port, ca: pve.ca, token, node: 'pve1', vmid: 100 });
      /** One round per side: connect, warm up, then the timed work (its figure is the sample). */
      const measure = <T>(sides: Sides<T>) =>
        interleave(rounds, {
          library: async () => {
            const client = await connectLibrary();
            try {
              return await sides.library(client);
            } finally {
              await client.close();
            }
          },
          raw: async () => {
            const client = connectRaw();
            try {
              return await sides.raw(client);
            } finally {
              client.close();
            }
          },
        });
      const rate = async (n: number, call: () => Promise<unknown>): Promise<number> => {
        for (let i = 0; i < Math.max(2, n / 10); i++) await call();
        const start = performance.now();
        for (let i = 0; i < n; i++) await call();
        return n / (since(start) / 1000);
      };
      const latency = async (n: number, call: () => Promise<unknown>): Promise<number> => {
        await call();
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const start = performance.now();
          await call();
          times.push(since(start));
        }
        return median(times);
      };
      const throughput = async (n: number, read: () => Promise<Buffer>): Promise<number> => {
        if ((await read()).length !== fileSize) throw new Error('short read');
        const start = performance.now();
        for (let i = 0; i < n; i++) await read();
        return (n * fileSize) / MiB / (since(start) / 1000);
      };

      const ping = await measure({ library: (c) => rate(pings, () => c.ping()), raw: (c) => rate(pings, () => c.request('POST', 'ping')) });
      const exec = await measure({
        library: (c) => latency(execs, () => c.exec(['/bin/true'], { check: true })),
        raw: (c) => latency(execs, () => c.exec(['/bin/true'])),
      });
      const read = await measure({ library: (c) => throughput(reads, () => c.readFile(file)), raw: (c) => throughput(reads, () => c.readFile(file)) });
      const rows: Row[] = [
        { name: 'ping through the API, sequential', unit: 'calls/s', direction: 'higher', library: ping.library, raw: ping.raw, rawLabel: 'raw HTTPS', goal: { on: 'ratio', op: '>=', value: 0.9 } },
        { name: "exec(['/bin/true']) through the API, median latency", unit: 'ms', direction: 'lower', library: exec.library, raw: exec.raw, rawLabel: 'raw HTTPS', goal: { on: 'ratio', op: '<=', value: 1.2 } },
        { name: `readFile ${fileSize / MiB} MiB through the API`, unit: 'MiB/s', direction: 'higher', library: read.library, raw: read.raw, rawLabel: 'raw HTTPS', goal: { on: 'ratio', op: '>=', value: 0.9 } },
      ];
      return {
        rows,
        notes: [
          `One simulated Proxmox (HTTPS on loopback, pinned certificate, API token), the real qemu-ga as its guest; ${rounds} rounds, library and raw interleaved, each on a fresh keep-alive connection.`,
          `Per round: ${pings} pings; ${execs} exec runs (median); ${reads} reads of a ${fileSize / MiB} MiB file in 1 MiB count/offset pieces with decode=0.`,
        ],
      };
    } finally {
      await pve.stop();
      await rm(file, { force: true });
    }
  },
};
