/**
 * Worker for the many-clients case: connects one client per agent path (library or raw),
 * measures the heap an idle connected client costs, then pings all of them at once.
 * Runs with --expose-gc. Prints one JSON line.
 *
 * Usage: clients.ts library|raw PATHS_JSON_FILE PING_ROUNDS
 */
import { readFile } from 'node:fs/promises';
import { qga } from '../lib/qga.js';
import { RawQgaClient } from '../raw-client.js';

export interface ClientsResult {
  clients: number;
  connectMs: number;
  heapPerClient: number;
  rssPerClient: number;
  /** ms to ping every client concurrently, one sample per ping round. */
  pingAll: number[];
}

const [impl, pathsFile, pingRoundsText] = process.argv.slice(2);
if (!impl || !pathsFile || !pingRoundsText) throw new Error('usage: clients.ts library|raw PATHS_FILE PING_ROUNDS');
const paths = JSON.parse(await readFile(pathsFile, 'utf8')) as string[];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

interface Pingable {
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

async function connectOne(path: string): Promise<Pingable> {
  if (impl === 'library') return qga.QgaClient.connect({ path, waitForAgent: 5_000 });
  const raw = await RawQgaClient.connect(path);
  return { ping: () => raw.call('guest-ping'), close: () => raw.close() };
}

function settle(): void {
  for (let i = 0; i < 3; i++) gc!();
}

// Load and warm every code path with one client first, so compiled code and module state
// are in the baseline, not in the per-client figure.
const warm = await connectOne(paths[0]!);
await warm.ping();
await warm.close();
await new Promise((done) => setTimeout(done, 50));

settle();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage.rss();
const connectStart = performance.now();
const clients: Pingable[] = [];
const BATCH = 50;
for (let i = 0; i < paths.length; i += BATCH) {
  clients.push(...(await Promise.all(paths.slice(i, i + BATCH).map(connectOne))));
}
const connectMs = performance.now() - connectStart;
await new Promise((done) => setTimeout(done, 50));
settle();
const heapAfter = process.memoryUsage().heapUsed;
const rssAfter = process.memoryUsage.rss();

const pingAll: number[] = [];
for (let round = 0; round < Number(pingRoundsText); round++) {
  const start = performance.now();
  await Promise.all(clients.map((c) => c.ping()));
  pingAll.push(performance.now() - start);
}
await Promise.all(clients.map((c) => c.close()));

const result: ClientsResult = {
  clients: clients.length,
  connectMs,
  heapPerClient: (heapAfter - heapBefore) / clients.length,
  rssPerClient: (rssAfter - rssBefore) / clients.length,
  pingAll,
};
process.stdout.write(JSON.stringify(result) + '\n');
