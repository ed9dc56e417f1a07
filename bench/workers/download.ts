/**
 * Worker for the download case, in its own process so its RSS is its own: streams a guest
 * file to a host file with the library (`client.download`) or the raw client, sampling
 * RSS, and prints one JSON line.
 *
 * Usage: download.ts library|raw SOCKET GUEST_PATH HOST_PATH CHUNK_BYTES
 */
import { open, rm } from 'node:fs/promises';
import { qga } from '../lib/qga.js';
import { RawQgaClient } from '../raw-client.js';

export interface DownloadResult {
  unavailable?: string;
  bytes: number;
  ms: number;
  baselineRss: number;
  peakRss: number;
  /** How the peak was found: the kernel's high-water mark, or the samples. */
  peakFrom: 'maxRSS' | 'samples';
}

const [impl, socket, guestPath, hostPath, chunkText] = process.argv.slice(2);
if (!impl || !socket || !guestPath || !hostPath || !chunkText) throw new Error('usage: download.ts library|raw SOCKET GUEST HOST CHUNK');
const chunk = Number(chunkText);

async function viaLibrary(): Promise<number | string> {
  const client = await qga.QgaClient.connect({ path: socket!, waitForAgent: 5_000 });
  try {
    const download = (client as unknown as Record<string, unknown>)['download'];
    if (typeof download !== 'function') return 'client.download(): not available yet';
    return await measure(async () => {
      const result = (await (download as (g: string, h: string, o: object) => Promise<{ bytes: number }>).call(client, guestPath!, hostPath!, {})).bytes;
      return result;
    });
  } finally {
    await client.close();
  }
}

async function viaRaw(): Promise<number | string> {
  const client = await RawQgaClient.connect(socket!);
  try {
    return await measure(async () => {
      const handle = (await client.call('guest-file-open', { path: guestPath, mode: 'r' })) as number;
      const out = await open(hostPath!, 'wx');
      let bytes = 0;
      try {
        for (;;) {
          const { data, eof } = await client.read(handle, chunk);
          if (data.length > 0) await out.write(data);
          bytes += data.length;
          if (eof) break;
        }
      } finally {
        await out.close();
        await client.call('guest-file-close', { handle });
      }
      return bytes;
    });
  } finally {
    await client.close();
  }
}

let result: DownloadResult | undefined;

async function measure(work: () => Promise<number>): Promise<number> {
  // Settle the heap after connecting, so the baseline is what an idle client costs.
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage.rss();
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let sampled = baselineRss;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 5);
  const start = performance.now();
  const bytes = await work();
  const ms = performance.now() - start;
  clearInterval(sampler);
  sampled = Math.max(sampled, process.memoryUsage.rss());
  // The kernel's high-water mark is exact, but it also covers start-up: use it only when
  // the download pushed it higher than it was before.
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  const fromKernel = maxAfter > maxBefore;
  result = { bytes, ms, baselineRss, peakRss: fromKernel ? Math.max(maxAfter, sampled) : sampled, peakFrom: fromKernel ? 'maxRSS' : 'samples' };
  return bytes;
}

try {
  const outcome = impl === 'library' ? await viaLibrary() : await viaRaw();
  if (typeof outcome === 'string') process.stdout.write(JSON.stringify({ unavailable: outcome }) + '\n');
  else process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await rm(hostPath, { force: true });
}
