// `npm test` step "shell": checks for the Electron shell that run without Electron.
//  1. electron-builder.yml validated against electron-builder's own JSON schema (offline, its own validator), as is and
//     with the generic update provider the README documents.
//  2. Electronegativity (@doyensec/electronegativity) over electron/: no HIGH-severity finding allowed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const yaml = require('js-yaml');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
const electronVersion = require('electron/package.json').version;
let failed = false;

const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
try {
  await validateConfiguration(config, { isEnabled: false, add: () => undefined });
  console.log(`electron-builder.yml: valid for electron-builder ${require('electron-builder/package.json').version}`);
} catch (e) {
  failed = true;
  console.error(`electron-builder.yml is invalid:\n${e.message}`);
}
// The documented auto-update build (`-c.publish.provider=generic -c.publish.url=…`) must stay valid as well.
try {
  await validateConfiguration({ ...config, publish: { provider: 'generic', url: 'https://updates.example.com/rc/' } }, { isEnabled: false, add: () => undefined });
  console.log('electron-builder.yml with a generic update provider: valid');
} catch (e) {
  failed = true;
  console.error(`electron-builder.yml with a generic update provider is invalid:\n${e.message}`);
}

const out = join(mkdtempSync(join(tmpdir(), 'rc-eng-')), 'electronegativity.csv');
execFileSync(
  process.execPath,
  ['-r', join(root, 'scripts/lib/electronegativity-commander.cjs'), require.resolve('@doyensec/electronegativity/dist/index.js'), '-i', join(root, 'electron'), '-e', electronVersion, '-r', '-o', out],
  { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } },
);
const rows = readFileSync(out, 'utf8').trim().split(/\r?\n/).slice(1).filter(Boolean);
const high = rows.filter((r) => /,"?HIGH"?,/i.test(r));
console.log(`Electronegativity (Electron ${electronVersion}): ${rows.length} finding(s), ${high.length} high`);
for (const r of rows) console.log(`  ${r}`);
if (high.length > 0) failed = true;
process.exit(failed ? 1 : 0);
