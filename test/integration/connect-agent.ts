import { inject } from 'vitest';
import { QgaClient, type ConnectOptions } from '../../src/index.js';

/** The real agent's socket, or '' when it is not installed (local runs only). */
export const qgaSocket: string = inject('qgaSocket');

/**
 * Connect to the shared real agent. The agent (qemu-ga 7.2) may be restarting after a
 * previous test's client went away mid-reply, so the channel is retried briefly.
 */
export function connectAgent(options: Omit<ConnectOptions, 'path' | 'host' | 'port' | 'transport' | 'libvirt'> = {}): Promise<QgaClient> {
  return QgaClient.connect({ path: qgaSocket, waitForAgent: 5_000, ...options });
}
