// Builds the storage worker as scripts/build-node.mjs ships it, to the file given: `node scripts/build-storage-worker.mjs OUT`.
// For the tests and benches that run the real worker (tests/unit/helpers/storage-worker.ts): the bundle must be built
// with the same plugins, which esbuild only runs in its asynchronous API, hence a process of its own.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { nodeBundleOptions, STORAGE_WORKER_ENTRY } from './node-bundle.mjs';

const outfile = process.argv[2];
if (!outfile) throw new Error('usage: node scripts/build-storage-worker.mjs OUTFILE');
await build({
  ...nodeBundleOptions,
  sourcemap: false,
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: [STORAGE_WORKER_ENTRY],
  outfile,
});
