/**
 * 1 000 clients in one process, each connected to its own agent (like one per VM): the
 * heap an idle connected client costs, and the time to ping all of them at once. The
 * agents run in a separate process, so the clients' heap is measured alone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runWorker, startService } from '../lib/child.js';
import { interleave, KiB, median } from '../lib/stats.js';
import type { BenchCase } from '../lib/types.js';
import type { ClientsResult } from '../workers/clients.js';

export const clientsCase: BenchCase = {
  name: 'clients',
  title: '1 000 idle clients in one process',
  needsAgent: false,
  async run(ctx) {
    const count = ctx.smoke ? 20 : 1000;
    const rounds = ctx.smoke ? 1 : 3;
    const pingRounds = ctx.smoke ? 1 : 5;
    const service = await startService<{ kind: string; paths: string[] }>({
      repoRoot: ctx.repoRoot,
      worker: 'agents.ts',
      args: [String(count), join(ctx.workDir, 'agents')],
      readyTimeoutMs: 120_000,
    });
    try {
      const pathsFile = join(ctx.workDir, 'agent-paths.json');
      await writeFile(pathsFile, JSON.stringify(service.ready.paths));
      ctx.log(`  ${count} agents up (${service.ready.kind})`);
      const side = (impl: 'library' | 'raw') => (): Promise<ClientsResult> =>
        runWorker<ClientsResult>({ repoRoot: ctx.repoRoot, worker: 'clients.ts', args: [impl, pathsFile, String(pingRounds)], nodeFlags: ['--expose-gc'], timeoutMs: 300_000 });
      const samples = await interleave(rounds, { library: side('library'), raw: side('raw') });
      const pick = (f: (r: ClientsResult) => number) => ({ library: samples.library.map(f), raw: samples.raw.map(f) });
      return {
        rows: [
          { name: `${count} clients: heap per idle client`, unit: 'KiB', direction: 'lower', ...pick((r) => r.heapPerClient / KiB), goal: { on: 'library', op: '<', value: 30 } },
          { name: `${count} clients: RSS per idle client`, unit: 'KiB', direction: 'lower', ...pick((r) => r.rssPerClient / KiB), note: 'informational' },
          { name: `${count} clients: time to ping all at once`, unit: 'ms', direction: 'lower', ...pick((r) => median(r.pingAll)), note: 'informational' },
          { name: `${count} clients: time to connect all (50 at a time)`, unit: 'ms', direction: 'lower', ...pick((r) => r.connectMs), note: 'informational' },
        ],
        notes: [
          `Agents: ${service.ready.kind}, in a separate process. Each sample is a fresh client process; heap = heapUsed after connecting all − before, after full GCs, ÷ ${count}.`,
          `Ping all: ${pingRounds} rounds of one concurrent ping per client; the sample is their median.`,
        ],
      };
    } finally {
      await service.stop();
    }
  },
};
