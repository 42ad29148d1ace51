// npm run web -- [--port N] [--provision FILE]: build what is missing or stale, then start the web host.
import { execSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(join(root, p)).mtimeMs);
  }
  return t;
}
const stamp = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);
const sources = Math.max(newest('electron'), newest('sip-core'), newest('hid'));
if (stamp('dist/renderer/index.html') < Math.max(newest('renderer'), newest('electron/contract'))) {
  execSync('npm run --silent build:renderer', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
if (stamp('dist/web-host/cli.js') < sources) {
  execSync('npm run --silent build:node', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
const child = spawn(process.execPath, [join(root, 'dist/web-host/cli.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
