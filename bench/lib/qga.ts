/**
 * The library as its users get it: the tsup build in dist/ (`npm run bench` builds it
 * first), not the sources through tsx. tsx compiles with esbuild's keepNames, which wraps
 * every named closure in a `__name()` call each time it is created: a per-call cost the
 * published package does not have and the raw clients barely pay. Types come from the
 * sources, so the bench type-checks before anything is built.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Library from '../../src/index.js';
import type * as LibraryTesting from '../../src/testing/index.js';

const main = new URL('../../dist/index.js', import.meta.url);
const testing = new URL('../../dist/testing/index.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) throw new Error('bench: dist/ is missing; run `npm run bench` (it builds first) or `npm run build`');

export const qga = (await import(main.href)) as typeof Library;
export const qgaTesting = (await import(testing.href)) as typeof LibraryTesting;
