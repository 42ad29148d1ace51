// `npm start [-- --port N]`: the console for your own PBX. Sets up what the app needs (scripts/setup.sh: npm
// dependencies and the build — never the test beds' servers), then runs Electron when its binary is installed (and a
// display exists); otherwise the web host on 127.0.0.1, printing the URL to open. Both keep the settings (the setup
// screen's account, preferences), contacts and history in the same data directory (docs/provisioning.md "Saved
// settings"), reused at the next start.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BINDING_ENV, ensureElectronBinding } from './electron-sqlite.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
execFileSync('bash', [join(root, 'scripts/setup.sh')], { stdio: 'inherit' });

function electronBinary() {
  try {
    const bin = createRequire(import.meta.url)('electron');
    accessSync(bin);
    return process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY ? undefined : bin;
  } catch {
    return undefined;
  }
}

/** Electron needs better-sqlite3 built for its own ABI (scripts/electron-sqlite.mjs); undefined = use the web host. */
function electronSqlite() {
  const electronVersion = createRequire(import.meta.url)('electron/package.json').version;
  const r = ensureElectronBinding({ root, electronVersion });
  if (r.error) console.log(`${r.error}: the web host instead; open the Console URL below.`);
  return r.binding;
}

let bin = electronBinary();
if (!bin) console.log("Electron's binary is not installed here (or there is no display): the web host; open the Console URL below.");
const binding = bin ? electronSqlite() : undefined;
if (!binding) bin = undefined;
const child = bin
  ? spawn(bin, [join(root, 'dist/electron/main.js'), ...args], { stdio: 'inherit', env: { ...process.env, [BINDING_ENV]: binding } })
  : spawn(process.execPath, [join(root, 'dist/web-host/cli.js'), ...args], { stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
