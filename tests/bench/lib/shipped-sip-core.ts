/**
 * sip-core as the console ships it (scripts/build-node.mjs): sip.js bundled in, its grammar's parser set up once per
 * process (scripts/sipjs-grammar-cache.mjs). Run from source (tsx), sip.js rebuilds that parser at every header parse:
 * on this machine ~5.6 ms per NOTIFY instead of ~3.6 ms, which for 500 subscriptions (a 200 and a NOTIFY each) is the
 * bench's own CPU, not the product's (issue 14, BLF at scale). Built once per bench run, before anything is timed.
 */
import { createRequire } from 'node:module';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import type * as SipCore from '../../../sip-core';

const ROOT = join(__dirname, '..', '..', '..');

export async function shippedSipCore(): Promise<typeof SipCore> {
  const { build } = await import('esbuild');
  // An .mjs build script without types: imported by URL, typed here.
  const { sipJsGrammarCache } = (await import(pathToFileURL(join(ROOT, 'scripts', 'sipjs-grammar-cache.mjs')).href)) as { sipJsGrammarCache: Plugin };
  // Inside the checkout, so that the bundle's external packages (ws…) resolve from its node_modules; per process.
  const dir = join(ROOT, 'node_modules', '.cache', 'rc-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `sip-core-${process.pid}.cjs`);
  await build({
    entryPoints: [join(ROOT, 'sip-core', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    plugins: [sipJsGrammarCache],
    outfile,
    logLevel: 'warning',
  });
  const sipCore = createRequire(__filename)(outfile) as typeof SipCore;
  rmSync(outfile, { force: true }); // loaded: the file is no longer needed
  return sipCore;
}
