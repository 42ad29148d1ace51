// Bundles the main-process side (Electron main, preload, web host, CLI) with esbuild, with the options of
// scripts/node-bundle.mjs (npm packages external, except sip.js and libphonenumber-js: issue 14).
import { build } from 'esbuild';
import { nodeBundleOptions as common, STORAGE_WORKER_ENTRY } from './node-bundle.mjs';

await Promise.all([
  build({ ...common, entryPoints: { 'web-host/cli': 'electron/web-host/cli.ts', cli: 'electron/cli/main.ts' }, outdir: 'dist' }),
  // The storage worker that owns the contacts database (worker_threads): dist/directory-worker.js, found by both hosts
  // (dist/web-host/cli.js, dist/electron/main.js — inside app.asar in the packaged app) relative to their bundle.
  // It also runs the company directory refresh (issue 14): ldap-source.ts is bundled in, ldapts stays an external
  // package loaded by the worker on its first refresh (`import('ldapts')`), as every npm package here.
  build({ ...common, entryPoints: { 'directory-worker': STORAGE_WORKER_ENTRY }, outdir: 'dist' }),
  build({ ...common, entryPoints: { main: 'electron/main/main.ts' }, outdir: 'dist/electron', external: ['electron'] }),
  // The preload runs sandboxed: it may only require 'electron', so everything else is bundled in.
  build({ ...common, packages: undefined, external: ['electron'], entryPoints: { preload: 'electron/preload/preload.ts' }, outdir: 'dist/electron' }),
]);
