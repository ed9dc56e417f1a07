import { Session } from 'node:inspector/promises';
import { RawProxmoxClient } from '../proxmox-raw-client.js';
const { QgaClient } = await import('../../dist/index.js');
const { SimulatedProxmox } = await import('../../dist/testing/index.js');
const socket = process.argv[2]!; const mode = process.argv[3] ?? 'counts'; const n = Number(process.argv[4] ?? 400);
const pve = await SimulatedProxmox.start({ vms: [{ vmid: 100, guest: socket }] });
const token = pve.addToken('bench@pve!qga', { role: 'PVEVMAdmin' });
const lib = await QgaClient.connect({ proxmox: { host: pve.host, port: pve.port, vmid: 100, node: 'pve1', token, fingerprint: pve.fingerprint }, timeout: 60_000 });
const raw = new RawProxmoxClient({ host: pve.host, port: pve.port, ca: pve.ca, token, node: 'pve1', vmid: 100 });
const session = new Session(); session.connect(); await session.post('Profiler.enable');
for (const side of ['raw', 'library', 'raw', 'library']) {
  const call = side === 'raw' ? () => raw.request('POST', 'ping') : () => lib.ping();
  for (let i = 0; i < 50; i++) await call();
  if (mode === 'counts') { await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false }); await session.post('Profiler.takePreciseCoverage'); }
  if (mode === 'cpu') { await session.post('Profiler.setSamplingInterval', { interval: 50 }); await session.post('Profiler.start'); }
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  const dt = performance.now() - t0; const cpu = process.cpuUsage(c0);
  console.log(side, 'us/call', (dt * 1000 / n).toFixed(0), 'cpu', ((cpu.user + cpu.system) / n).toFixed(0));
  if (mode === 'cpu') {
    const { profile } = await session.post('Profiler.stop');
    const byId = new Map(profile.nodes.map((x: any) => [x.id, x]));
    const self = new Map<string, number>(); let total = 0;
    profile.samples!.forEach((id: number, i: number) => { const f = (byId.get(id) as any).callFrame; const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}:${f.lineNumber}`; const d = profile.timeDeltas![i] ?? 0; self.set(key, (self.get(key) ?? 0) + d); total += d; });
    (globalThis as any).__p ??= {}; (globalThis as any).__p[side] = self;
  }
  if (mode === 'counts') {
    const { result } = await session.post('Profiler.takePreciseCoverage');
    await session.post('Profiler.stopPreciseCoverage');
    let libCalls = 0, other = 0; const rows: [number, string][] = [];
    for (const script of result) for (const fn of script.functions) { const c = fn.ranges[0]!.count / n; if (c < 0.9) continue; const u = script.url; if (u.includes('dist/index') || u.includes('dist/chunk') || u.includes('proxmox-raw')) { libCalls += c; rows.push([c, `${fn.functionName || '(anon)'} ${u.split('/').pop()}`]); } else other += c; }
    console.log('  client-side calls', libCalls.toFixed(1), 'everything else', other.toFixed(1));
    if (side === 'library' && process.env.LIST) for (const [c, name] of rows.sort((a, b) => b[0] - a[0])) console.log('   ', c.toFixed(2), name);
    if (process.env.NODE_LIST) { const m = new Map<string, number>(); for (const script of result) for (const fn of script.functions) { const c = fn.ranges[0]!.count / n; if (c < 0.9) continue; const u = script.url; if (u.startsWith('node:')) { const k = `${fn.functionName || '(anon)'} ${u}`; m.set(k, (m.get(k) ?? 0) + c); } } (globalThis as any).__m ??= {}; (globalThis as any).__m[side] = m; }
  }
}
const P = (globalThis as any).__p; if (P) { const keys = new Set([...P.raw.keys(), ...P.library.keys()]); const d = [...keys].map((k) => [((P.library.get(k) ?? 0) - (P.raw.get(k) ?? 0)) / n / 2, k] as [number, string]).sort((a, b) => b[0] - a[0]); for (const [x, k] of [...d.slice(0, 25), ...d.slice(-8)]) console.log(x.toFixed(1).padStart(7), 'us', k); }
const M = (globalThis as any).__m; if (M) { const keys = new Set([...M.raw.keys(), ...M.library.keys()]); const d = [...keys].map((k) => [(M.library.get(k) ?? 0) - (M.raw.get(k) ?? 0), k] as [number, string]).filter(([x]) => Math.abs(x) >= 0.9).sort((a, b) => b[0] - a[0]); for (const [x, k] of d) console.log(x.toFixed(1), k); }
await lib.close(); raw.close(); await pve.stop();
