/**
 * The libvirt channel against libvirt's own C client library (python3-libvirt,
 * `libvirt_qemu.qemuAgentCommand`), interleaved round by round, on the same domain of a
 * real libvirtd: guest-ping rate, exec /bin/true latency, 16 MiB readFile / writeFile in
 * the channel's chunks (the baseline makes the same chunked calls), and connect (open,
 * auth, lookup, first ping). Plus what one `virsh qemu-agent-command` costs per call.
 */
import { execFile } from 'node:child_process';
import { LIBVIRT_FILE_READ_CHUNK, LIBVIRT_FILE_WRITE_CHUNK } from '../../src/channels/libvirt/capabilities.js';
import { qga } from '../lib/qga.js';
import { LibvirtFloorClient } from '../libvirt-floor-client.js';
import { startLibvirtEnv } from '../lib/libvirt-env.js';
import { interleave, median, MiB, rotate, since } from '../lib/stats.js';
import type { BenchCase, Row } from '../lib/types.js';

const READ_PATH = '/tmp/bench-read';
const WRITE_PATH = '/tmp/bench-write';

function virshPing(domain: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('virsh', ['-c', 'qemu:///system', 'qemu-agent-command', domain, '{"execute":"guest-ping"}'], (error) => (error ? reject(error) : resolve()));
  });
}

export const libvirtCase: BenchCase = {
  name: 'libvirt',
  title: 'libvirt channel vs libvirt’s C library (python3-libvirt)',
  needsAgent: false,
  async run(ctx) {
    const s = ctx.smoke;
    // Many short rounds for the fast rows: other tenants' load on this shared 2-core VM
    // shifts within seconds, and short alternating rounds let both sides meet the same load.
    const plan = {
      rounds: s ? 1 : 15,
      fileRounds: s ? 1 : 7,
      pings: s ? 30 : 400,
      pingWarmup: s ? 5 : 50,
      execs: s ? 2 : 10,
      fileBytes: s ? MiB : 16 * MiB,
      connects: s ? 2 : 8,
      virshCalls: s ? 2 : 15,
    };
    ctx.log(`  booting a test domain on the real libvirtd …`);
    const env = await startLibvirtEnv(ctx.repoRoot);
    const { domain, baseline } = env;
    const connect = () => qga.QgaClient.connect({ libvirt: { domain }, timeout: 60_000 });
    try {
      const client = await connect();
      await client.exec(['sh', '-c', `head -c ${plan.fileBytes} /dev/urandom > ${READ_PATH}`]);
      const rows: Row[] = [];

      // Three sides, their order rotating per round: the library, the C library, and Node's
      // floor (a bare socket sending the library's own frame), which shows how much of a gap
      // to C is Node's and how much the library's.
      const floor = await LibvirtFloorClient.open(domain);
      const pingRate = async (ping: () => Promise<unknown>): Promise<number> => {
        for (let i = 0; i < plan.pingWarmup; i++) await ping();
        const start = performance.now();
        for (let i = 0; i < plan.pings; i++) await ping();
        return plan.pings / (since(start) / 1000);
      };
      const pings = await rotate(plan.rounds, {
        library: () => pingRate(() => client.ping()),
        raw: async () => (await baseline.call<{ rate: number }>('ping', { count: plan.pings, warmup: plan.pingWarmup })).rate,
        floor: () => pingRate(() => floor.ping()),
      });
      await floor.close();
      // The floor is Node's best against the same C library: if it misses the goal too, the
      // gap is Node's (its socket and event loop), not the library's, and the report says so.
      const overFloor = median(pings.library.map((rate, i) => rate / pings.floor[i]!));
      rows.push({
        name: 'guest-ping, sequential',
        unit: 'calls/s',
        direction: 'higher',
        library: pings.library,
        raw: pings.raw,
        rawLabel: 'C library',
        goal: { on: 'ratio', op: '>=', value: 1.0 },
        floor: pings.floor,
      });
      rows.push({
        name: 'guest-ping, sequential: Node floor (a bare socket sending the same frame)',
        unit: 'calls/s',
        direction: 'higher',
        library: pings.floor,
        raw: pings.raw,
        rawLabel: 'C library',
        note: `informational; library ÷ floor per round: ${overFloor.toFixed(3)}`,
      });

      const execs = await interleave(plan.rounds, {
        library: async () => {
          await client.exec(['/bin/true']);
          const times: number[] = [];
          for (let i = 0; i < plan.execs; i++) {
            const start = performance.now();
            await client.exec(['/bin/true']);
            times.push(since(start));
          }
          return median(times);
        },
        raw: async () => (await baseline.call<{ p50: number }>('exec', { count: plan.execs, warmup: 1 })).p50,
      });
      rows.push({ name: 'exec /bin/true (p50)', unit: 'ms', direction: 'lower', library: execs.library, raw: execs.raw, rawLabel: 'C library', goal: { on: 'ratio', op: '<=', value: 1.1 } });

      const mibs = (ms: number) => plan.fileBytes / MiB / (ms / 1000);
      const reads = await interleave(plan.fileRounds, {
        library: async () => {
          const start = performance.now();
          const data = await client.readFile(READ_PATH);
          const ms = since(start);
          if (data.length !== plan.fileBytes) throw new Error(`readFile returned ${data.length} bytes`);
          return mibs(ms);
        },
        raw: async () => {
          const { ms, bytes } = await baseline.call<{ ms: number; bytes: number }>('read', { path: READ_PATH, chunk: LIBVIRT_FILE_READ_CHUNK });
          if (bytes !== plan.fileBytes) throw new Error(`the baseline read ${bytes} bytes`);
          return mibs(ms);
        },
      });
      rows.push({ name: `readFile ${plan.fileBytes / MiB} MiB (${LIBVIRT_FILE_READ_CHUNK / MiB} MiB chunks)`, unit: 'MiB/s', direction: 'higher', library: reads.library, raw: reads.raw, rawLabel: 'C library', goal: { on: 'ratio', op: '>=', value: 0.9 } });

      // The same bytes the baseline writes (bench/workers/libvirt-c.py).
      const data = Buffer.alloc(plan.fileBytes);
      for (let i = 0; i < data.length; i++) data[i] = i & 255;
      const writes = await interleave(plan.fileRounds, {
        library: async () => {
          const start = performance.now();
          await client.writeFile(WRITE_PATH, data);
          return mibs(since(start));
        },
        raw: async () => mibs((await baseline.call<{ ms: number }>('write', { path: WRITE_PATH, size: plan.fileBytes, chunk: LIBVIRT_FILE_WRITE_CHUNK })).ms),
      });
      rows.push({ name: `writeFile ${plan.fileBytes / MiB} MiB (${LIBVIRT_FILE_WRITE_CHUNK / 1024} KiB chunks)`, unit: 'MiB/s', direction: 'higher', library: writes.library, raw: writes.raw, rawLabel: 'C library', goal: { on: 'ratio', op: '>=', value: 0.9 } });

      const connects = await interleave(plan.rounds, {
        library: async () => {
          const times: number[] = [];
          for (let i = 0; i < plan.connects; i++) {
            const start = performance.now();
            // QgaClient.connect opens, authenticates, looks the domain up and pings the agent once.
            const fresh = await connect();
            times.push(since(start));
            await fresh.close();
          }
          return median(times);
        },
        raw: async () => (await baseline.call<{ p50: number }>('connect', { count: plan.connects })).p50,
      });
      rows.push({ name: 'connect (open, auth, lookup, first ping)', unit: 'ms', direction: 'lower', library: connects.library, raw: connects.raw, rawLabel: 'C library', goal: { on: 'ratio', op: '<=', value: 1.2 } });

      const virshTimes: number[] = [];
      for (let i = 0; i < plan.virshCalls; i++) {
        const start = performance.now();
        await virshPing(domain);
        virshTimes.push(since(start));
      }
      const perCall = pings.library.map((rate) => 1000 / rate);
      const speedup = median(virshTimes) / median(perCall);
      rows.push({ name: 'guest-ping per call vs virsh qemu-agent-command', unit: 'ms', direction: 'lower', library: perCall, raw: virshTimes, rawLabel: 'virsh', note: `${speedup.toFixed(0)}x faster than virsh per call` });
      ctx.log(`  speed-up over virsh qemu-agent-command per call: ${speedup.toFixed(0)}x`);

      await client.exec(['rm', '-f', READ_PATH, WRITE_PATH]);
      await client.close();
      return {
        rows,
        notes: [
          `Domain ${domain}: the test guest (TCG, 1 vCPU) on libvirt ${baseline.libvirtVersion}; baseline python3-libvirt on the same domain, interleaved, ${plan.rounds} rounds (files: ${plan.fileRounds}).`,
          `Rounds: ${plan.pings} pings (after ${plan.pingWarmup} warm-up), ${plan.execs} execs, one ${plan.fileBytes / MiB} MiB file each way, ${plan.connects} connects; exec polls on the same schedule on both sides (at once, then 1 ms doubling to 100 ms).`,
        ],
      };
    } finally {
      await env.stop();
    }
  },
};
