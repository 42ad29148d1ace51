// Build what is missing or stale, then run a built entry: `node scripts/run-built.mjs web-host/cli|cli [args…]`.
import { execSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [entry, ...args] = process.argv.slice(2);
function newest(dir) {
  let t = 0;
  if (!existsSync(join(root, dir))) return t;
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(join(root, p)).mtimeMs);
  }
  return t;
}
const stamp = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);
const quiet = { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] };
if (entry === 'web-host/cli' && stamp('dist/renderer/index.html') < Math.max(newest('renderer'), newest('electron/contract'))) {
  execSync('npm run --silent build:renderer', quiet);
}
if (stamp(`dist/${entry}.js`) < Math.max(newest('electron'), newest('sip-core'), newest('hid'))) {
  execSync('npm run --silent build:node', quiet);
}
const child = spawn(process.execPath, [join(root, `dist/${entry}.js`), ...args], { stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
