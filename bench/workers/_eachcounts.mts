import { Session } from 'node:inspector/promises';
import { startFleet, stopFleet } from '../../scripts/test-env/agent-fleet.js';
const { QgaPool } = await import('../../dist/index.js');
const fleet = await startFleet(32);
try {
  const session = new Session(); session.connect();
  await session.post('Profiler.enable');
  const pool = new QgaPool({ maxConnections: 32, idleTimeout: 600_000 });
  fleet.forEach((a, i) => pool.add(`g${i}`, { path: a.socket }));
  const ids = pool.ids();
  for (let r = 0; r < 10; r++) await pool.each(ids, (c) => c.ping(), { concurrency: 8 });
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  await session.post('Profiler.takePreciseCoverage');
  const rounds = 20;
  for (let r = 0; r < rounds; r++) await pool.each(ids, (c) => c.ping(), { concurrency: 8 });
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const n = rounds * ids.length;
  const rows: [number, string, string][] = [];
  for (const script of result) for (const fn of script.functions) { const c = fn.ranges[0]!.count; if (c >= n * 0.9) rows.push([c / n, fn.functionName || '(anon)', script.url.split('/').slice(-2).join('/')]); }
  rows.sort((a, b) => b[0] - a[0]);
  let lib = 0, node = 0;
  for (const r of rows) { if (r[2].includes('dist/') || r[2].includes('eventemitter')) lib += r[0]; else node += r[0]; }
  console.log('per item: library', lib.toFixed(1), 'other', node.toFixed(1));
  for (const r of rows) if (r[2].includes('dist/')) console.log(r[0].toFixed(2), r[1], r[2]);
  await pool.close();
} finally {
  await stopFleet(fleet);
}
