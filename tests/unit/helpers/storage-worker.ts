/**
 * The storage worker as the build ships it (scripts/build-node.mjs bundles the same entry with the same options),
 * built once per test process under node_modules/.cache so its own `require`s find node_modules.
 */
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
let built: string | undefined;

export function storageWorkerFile(): string {
  if (built && existsSync(built)) return built;
  const dir = join(ROOT, 'node_modules', '.cache', `rc-storage-worker-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'directory-worker.js');
  buildSync({
    entryPoints: [join(ROOT, 'electron/services/directory/worker/directory-worker.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile: out,
    logLevel: 'warning',
  });
  built = out;
  return out;
}
