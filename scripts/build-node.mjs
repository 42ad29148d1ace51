// Bundles the main-process side (Electron main, preload, web host, CLI) with esbuild.
// npm packages stay external (native modules, sip.js ESM loaded through require(esm) on Node ≥ 20.19/Electron).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, entryPoints: { 'web-host/cli': 'electron/web-host/cli.ts', cli: 'electron/cli/main.ts' }, outdir: 'dist' }),
  build({ ...common, entryPoints: { main: 'electron/main/main.ts' }, outdir: 'dist/electron', external: ['electron'] }),
  // The preload runs sandboxed: it may only require 'electron', so everything else is bundled in.
  build({ ...common, packages: undefined, external: ['electron'], entryPoints: { preload: 'electron/preload/preload.ts' }, outdir: 'dist/electron' }),
]);
