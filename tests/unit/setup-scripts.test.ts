/**
 * `npm start` (your own PBX) sets up only the app: it never installs the test beds' servers and works where apt-get
 * does not exist (issue 16). The test beds' packages belong to scripts/setup-testbed.sh (`npm run demo`, `npm test`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const BED_PACKAGES = /\b(kamailio|rtpengine|baresip|sipp|slapd|ldap-utils|chromium|asterisk|debootstrap|dnsmasq)\b/i;

describe('the app set-up (npm start)', () => {
  it('names no test-bed server and never calls the test-bed set-up', () => {
    const start = read('scripts/start.mjs');
    const setup = read('scripts/setup.sh').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
    expect(JSON.parse(read('package.json')).scripts.start).toBe('node scripts/start.mjs');
    expect(start).not.toMatch(/setup-testbed/);
    expect(setup).not.toMatch(/setup-testbed/);
    expect(setup).not.toMatch(BED_PACKAGES);
    // The beds' packages are where the demo and the tests get them.
    expect(read('scripts/setup-testbed.sh')).toMatch(/kamailio/);
    expect(read('scripts/test.sh')).toMatch(/setup-testbed\.sh/);
  });

  it('runs where apt-get does not exist (nothing to install on an up-to-date checkout)', () => {
    // A PATH with only what a macOS-like machine has: bash, node, npm and the usual tools — no apt-get, no dpkg.
    const bin = mkdtempSync(join(tmpdir(), 'rc-noapt-'));
    for (const tool of ['bash', 'node', 'npm', 'find', 'head', 'uname', 'grep', 'python3', 'make', 'g++', 'c++', 'ldconfig', 'env', 'sh', 'dirname', 'cat']) {
      try {
        const where = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
        if (where) symlinkSync(where, join(bin, tool));
      } catch {
        /* not on this machine: fine */
      }
    }
    const out = execFileSync('bash', [join(ROOT, 'scripts/setup.sh')], {
      cwd: ROOT,
      env: { HOME: process.env.HOME ?? '/root', PATH: `${bin}:${dirname(process.execPath)}` },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out).toMatch(/app ready/);
    expect(out).not.toMatch(/apt/i);
  }, 150_000); // a stale build is rebuilt (about a minute)
});
