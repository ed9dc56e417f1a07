/**
 * The simulated Windows agent for the Windows tests: both eras, one agent and client per
 * test, stopped afterwards.
 */
import { afterEach } from 'vitest';
import { QgaClient, type ConnectOptions } from '../../../src/index.js';
import { SimulatedAgent, type SimulatedAgentOptions } from '../../../src/testing/index.js';

/** qemu-ga for Windows before 9.1 (virtio-win 0.1.262/266) and after (0.1.285). */
export const ERAS = [
  { era: 'win-108', version: '108.0.2', newTexts: false },
  { era: 'win-110', version: '110.0.2', newTexts: true },
] as const;

export type Era = (typeof ERAS)[number];

const running: { agent: SimulatedAgent; client: QgaClient | undefined }[] = [];

afterEach(async () => {
  for (const { agent, client } of running.splice(0)) {
    await client?.close();
    await agent.stop();
  }
});

/** A Windows agent of `era` and a client connected to it. */
export async function startWindows(
  era: Era,
  options: Omit<SimulatedAgentOptions, 'profile' | 'version'> = {},
  connect: Omit<ConnectOptions, 'path' | 'host' | 'port' | 'transport'> = {},
): Promise<{ agent: SimulatedAgent; client: QgaClient }> {
  const agent = await SimulatedAgent.start({ ...options, profile: 'windows', version: era.version });
  const entry: { agent: SimulatedAgent; client: QgaClient | undefined } = { agent, client: undefined };
  running.push(entry);
  entry.client = await QgaClient.connect({ path: agent.path, ...connect });
  return { agent, client: entry.client };
}

/** A Linux agent and a client, for the "unchanged on POSIX" checks. */
export async function startLinux(options: SimulatedAgentOptions = {}): Promise<{ agent: SimulatedAgent; client: QgaClient }> {
  const agent = await SimulatedAgent.start(options);
  const entry: { agent: SimulatedAgent; client: QgaClient | undefined } = { agent, client: undefined };
  running.push(entry);
  entry.client = await QgaClient.connect({ path: agent.path });
  return { agent, client: entry.client };
}

/** How many times the agent received `command`. */
export function sent(agent: SimulatedAgent, command: string): number {
  return agent.stats.commands[command] ?? 0;
}
