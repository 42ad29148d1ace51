// The esbuild options every main-process bundle is built with (scripts/build-node.mjs; the storage worker's tests and
// benches build their copy of the worker with the same ones through scripts/build-storage-worker.mjs).
// npm packages stay external (native modules), except the two issue 14 bundles in below.
import { libphonenumberModern } from './libphonenumber-modern.mjs';
import { sipJsGrammarCache } from './sipjs-grammar-cache.mjs';

/** @type {import('esbuild').BuildOptions} */
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // issue 14: sip.js is bundled, its grammar's bytecode table built once (not at every header parse); libphonenumber-js
  // is bundled from its modern-syntax build (its default build's Babel helpers were most of an import's parse cost).
  plugins: [sipJsGrammarCache, libphonenumberModern],
};

/** The storage worker's entry (electron/services/directory/worker/directory-worker.ts), from the checkout's root. */
export const STORAGE_WORKER_ENTRY = 'electron/services/directory/worker/directory-worker.ts';
