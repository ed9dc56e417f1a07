import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  clean: true,
  // esbuild lowers `await using` and friends for Node 20.
  target: 'node20',
  // With two entry points, CJS output only shares classes (errors, QgaClient) between
  // `qga-client` and `qga-client/testing` when chunks are split.
  splitting: true,
  treeshake: true,
});
