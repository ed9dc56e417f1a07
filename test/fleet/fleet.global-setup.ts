/**
 * Starts the fleet for the fleet suite: QGA_FLEET_SIZE (default 200) real, sandboxed
 * qemu-ga processes, provided to the tests as JSON. Without qemu-ga a local run skips
 * with a loud notice; with CI set it fails.
 */
import type { TestProject } from 'vitest/node';
import { startFleet, stopFleet, type FleetAgent } from '../../scripts/test-env/agent-fleet.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON of the FleetAgent list; '[]' when the suite is skipped. */
    qgaFleet: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const size = Number(process.env['QGA_FLEET_SIZE'] ?? 200);
  const started = performance.now();
  let fleet: FleetAgent[];
  try {
    fleet = await startFleet(size, { parallel: 16, verbose: true });
  } catch (error) {
    if ((error as { notInstalled?: boolean }).notInstalled && !process.env['CI']) {
      console.warn('\n*** [fleet] the qemu-ga binary is not installed: the fleet suite is SKIPPED. Install it with: sudo npm run setup:test-env ***\n');
      project.provide('qgaFleet', '[]');
      return undefined;
    }
    throw error;
  }
  console.log(`[fleet] ${fleet.length} real agents started in ${Math.round(performance.now() - started)} ms`);
  project.provide('qgaFleet', JSON.stringify(fleet));
  return () => stopFleet(fleet);
}
