/**
 * `npm run demo`: connects to a real agent when QGA_SOCKET points at one, otherwise to the
 * built-in simulated agent, and shows what the client does.
 */
import { QgaClient, type ResyncInfo } from '../src/index.js';
import { SimulatedAgent } from '../src/testing/index.js';

const socket = process.env['QGA_SOCKET'];
const agent = socket
  ? undefined
  : await SimulatedAgent.start({
      files: { '/etc/hostname': 'simulated-guest\n' },
      exec: { uname: () => ({ stdout: 'Linux simulated-guest 6.1.0-simulated x86_64 GNU/Linux\n' }) },
    });
const path = socket ?? agent!.path;
console.log(socket ? `Connecting to the agent at ${socket}` : `No QGA_SOCKET set: using the simulated agent at ${path}`);

const client = await QgaClient.connect({ path });
client.on('resync', (info: ResyncInfo) => console.log(`  (resynchronised after ${info.reason}: discarded ${info.bytes} bytes)`));
try {
  const started = performance.now();
  await client.ping();
  console.log(`ping: answered in ${(performance.now() - started).toFixed(2)} ms`);

  const info = await client.call('guest-info');
  const enabled = info.supported_commands.filter((c) => c.enabled).length;
  console.log(`agent version ${info.version}: ${enabled} of ${info.supported_commands.length} commands enabled`);

  const os = await client.guestGetOsinfo();
  console.log(`guest OS: ${os['pretty-name'] ?? os.name ?? 'unknown'} (kernel ${os['kernel-release'] ?? '?'})`);

  const host = await client.guestGetHostName();
  console.log(`host name: ${host['host-name']}`);

  const time = await client.call('guest-get-time');
  console.log(`guest clock: ${String(time)} ns since 1970 (exact ${typeof time}) = ${new Date(Number(BigInt(time) / 1_000_000n)).toISOString()}`);

  const uname = await client.exec(['uname', '-a']);
  console.log(`exec uname -a: exit ${String(uname.exitCode)}: ${uname.stdout.trim()}`);

  const hostname = await client.readFile('/etc/hostname', { encoding: 'utf8' });
  console.log(`readFile /etc/hostname: ${JSON.stringify(hostname)}`);

  const error = await client.call('guest-no-such-command' as 'guest-ping').catch((e: unknown) => e);
  console.log(`an unknown command fails cleanly: ${(error as Error).name}: ${(error as Error).message}`);
} finally {
  await client.close();
  await agent?.stop();
}
console.log('done');
