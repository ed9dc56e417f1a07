/**
 * Streaming download of a 1 GiB guest file to a host file: peak RSS growth of the process
 * doing it (each side in a fresh child process, so the figure is not the runner's), and
 * throughput. The raw side reads at the library's default chunk size and writes each chunk
 * to the host file before asking for the next.
 */
import { open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runWorker } from '../lib/child.js';
import { hasClientMethod } from '../lib/library.js';
import { interleave, MiB } from '../lib/stats.js';
import { NotAvailable, type BenchCase } from '../lib/types.js';
import type { DownloadResult } from '../workers/download.js';

async function defaultChunkSize(repoRoot: string): Promise<number> {
  try {
    const module = (await import(pathToFileURL(resolve(repoRoot, 'src', 'helpers', 'file-options.ts')).href)) as { DEFAULT_CHUNK_SIZE?: number };
    return module.DEFAULT_CHUNK_SIZE ?? MiB;
  } catch {
    return MiB;
  }
}

export const downloadCase: BenchCase = {
  name: 'download',
  title: 'Streaming download of 1 GiB: peak RSS growth',
  needsAgent: true,
  async run(ctx) {
    if (!(await hasClientMethod('download'))) throw new NotAvailable('client.download()');
    const size = ctx.smoke ? 16 * MiB : 1024 * MiB;
    const rounds = ctx.smoke ? 1 : 2;
    const chunk = await defaultChunkSize(ctx.repoRoot);
    const guest = join(ctx.workDir, 'download-source.bin');
    // A sparse file: the agent reads zeros, which cost the same to encode and decode.
    const file = await open(guest, 'w');
    await file.truncate(size);
    await file.close();
    const side = (impl: 'library' | 'raw') => async (): Promise<DownloadResult> => {
      const host = join(ctx.workDir, `download-${impl}.bin`);
      const result = await runWorker<DownloadResult>({
        repoRoot: ctx.repoRoot,
        worker: 'download.ts',
        args: [impl, ctx.socket!, guest, host, String(chunk)],
        nodeFlags: ['--expose-gc'],
        timeoutMs: 600_000,
      });
      if (result.unavailable) throw new NotAvailable(result.unavailable);
      if (result.bytes !== size) throw new Error(`${impl} download moved ${result.bytes} of ${size} bytes`);
      return result;
    };
    try {
      const samples = await interleave(rounds, { library: side('library'), raw: side('raw') });
      const growth = (r: DownloadResult): number => (r.peakRss - r.baselineRss) / MiB;
      const rate = (r: DownloadResult): number => r.bytes / MiB / (r.ms / 1000);
      return {
        rows: [
          {
            name: `download ${size / MiB} MiB, peak RSS growth`,
            unit: 'MiB',
            direction: 'lower',
            library: samples.library.map(growth),
            raw: samples.raw.map(growth),
            goal: { on: 'library', op: '<', value: 150 },
          },
          {
            name: `download ${size / MiB} MiB, throughput`,
            unit: 'MiB/s',
            direction: 'higher',
            library: samples.library.map(rate),
            raw: samples.raw.map(rate),
            note: 'informational',
          },
        ],
        notes: [
          `Each side runs in a fresh node process; growth = peak RSS during the transfer − RSS after connecting. Chunk ${chunk / MiB} MiB (the library's default) for both.`,
        ],
      };
    } finally {
      await rm(guest, { force: true });
    }
  },
};
