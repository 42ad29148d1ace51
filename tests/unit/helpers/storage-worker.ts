/**
 * The storage worker as the build ships it (scripts/build-storage-worker.mjs: the entry and options of
 * scripts/build-node.mjs), built once per test process under node_modules/.cache so its own `require`s find
 * node_modules.
 */
import { execFileSync } from 'node:child_process';
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
  // esbuild runs plugins in its asynchronous API only: the build is a process of its own.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-storage-worker.mjs'), out], { stdio: ['ignore', 'inherit', 'inherit'] });
  built = out;
  return out;
}
