// `npm start [-- --port N]`: the console for your own PBX. Sets up what is missing and builds, then runs Electron when
// its binary is installed (and a display exists); otherwise the web host on 127.0.0.1, printing the URL to open.
// Settings (the setup screen's account, preferences) are saved in the data directory and reused at the next start.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

const dataDir = process.env.RECEPTIONIST_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'receptionist-console');
const bin = electronBinary();
const child = bin
  ? spawn(bin, [join(root, 'dist/electron/main.js'), ...args], { stdio: 'inherit' })
  : spawn(process.execPath, [join(root, 'dist/web-host/cli.js'), '--data-dir', dataDir, ...args], { stdio: 'inherit' });
if (!bin) console.log(`Electron's binary is not installed here: web host, settings in ${dataDir}.`);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
