import { defineConfig } from 'vitest/config';

// One project per kind of test, so each can be run alone:
//   npx vitest run --project unit | types | integration | libvirt | fleet | e2e-vm
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts', 'test/reliability/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, only: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/qga.global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One real agent serves one client at a time: files run one after another.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The libvirt channel against a real libvirtd and real guests (root, libvirt, QEMU).
          name: 'libvirt',
          include: ['test/libvirt/**/*.test.ts'],
          globalSetup: ['test/libvirt/libvirt.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // One libvirtd, guests that share 2 cores, a test that restarts the daemon: one file at a time.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'fleet',
          include: ['test/fleet/**/*.test.ts'],
          globalSetup: ['test/fleet/fleet.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e-vm',
          include: ['test/e2e-vm/**/*.test.ts'],
          globalSetup: ['test/e2e-vm/vm.global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
