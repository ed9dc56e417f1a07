/**
 * Access to library features that other work adds over time (exec, file helpers, the
 * simulated agent). A case asks for what it needs and gets a `NotAvailable` error when
 * the feature has not landed, so the run reports "not available yet" instead of failing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { QgaClient } from '../../src/index.js';
import { NotAvailable } from './types.js';

// Loosely typed on purpose: the bench must type-check whether or not a helper exists yet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAsync = (...args: any[]) => any;

/** `client[name]` bound to the client, or `NotAvailable`. */
export function clientMethod(client: QgaClient, name: string): AnyAsync {
  const method = (client as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') throw new NotAvailable(`client.${name}()`);
  return (method as AnyAsync).bind(client);
}

/** True when the client has method `name` (checked on the prototype, no connection needed). */
export async function hasClientMethod(name: string): Promise<boolean> {
  const { QgaClient } = (await import('./qga.js')).qga;
  return typeof (QgaClient.prototype as unknown as Record<string, unknown>)[name] === 'function';
}

/** The simulated agent class (`qga-client/testing`), or undefined while it has not landed. */
export async function loadSimulatedAgent(repoRoot: string): Promise<{ start(options?: Record<string, unknown>): Promise<SimulatedAgentLike> } | undefined> {
  const index = resolve(repoRoot, 'src', 'testing', 'index.ts');
  if (!existsSync(index)) return undefined;
  const module = (await import(pathToFileURL(index).href)) as Record<string, unknown>;
  const agent = module['SimulatedAgent'] as { start?: unknown } | undefined;
  if (typeof agent?.start !== 'function') return undefined;
  return agent as { start(options?: Record<string, unknown>): Promise<SimulatedAgentLike> };
}

/** The part of the simulated agent the bench uses. */
export interface SimulatedAgentLike {
  readonly path: string;
  stop(): Promise<void>;
}
