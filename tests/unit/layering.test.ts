/**
 * The dependency-direction rule must bite: run the same dependency-cruiser config CI uses on deliberately bad samples.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function cruise(paths: string[]): { exit: number; violations: { rule: string; from: string; to: string }[] } {
  const bin = join(root, 'node_modules', '.bin', 'depcruise');
  try {
    const out = execFileSync(bin, ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...paths], {
      cwd: root,
      encoding: 'utf8',
    });
    return parse(out, 0);
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return parse(err.stdout, err.status);
  }
}
function parse(out: string, exit: number) {
  const json = JSON.parse(out) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return { exit, violations: json.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })) };
}

describe('layering lint rule', () => {
  const result = cruise(['tests/lint-samples']);
  const rules = (from: string) => result.violations.filter((v) => v.from.includes(from)).map((v) => v.rule);

  it('fails (non-zero exit, as in CI) on the bad samples', () => {
    let exit = 0;
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'depcruise'), ['--config', '.dependency-cruiser.cjs', 'tests/lint-samples'], {
        cwd: root,
        stdio: 'pipe',
      });
    } catch (e) {
      exit = (e as { status: number }).status;
    }
    expect(exit).toBeGreaterThan(0);
  });
  it('catches sip-core importing electron/', () => {
    expect(rules('sip-core/api/bad-imports-electron.ts')).toContain('sip-core-is-standalone');
  });
  it('catches pbx importing electron/ and sip-core/', () => {
    expect(rules('pbx/api/bad-imports-electron.ts')).toContain('pbx-is-standalone');
  });
  it('catches sip.js imported outside sip-core/adapters/sipjs', () => {
    expect(rules('sip-core/api/bad-imports-sipjs.ts')).toContain('only-sipjs-adapter-imports-sipjs');
  });
  it('catches ldapts imported outside the LDAP adapter (issue 14: the console must not load it to sync)', () => {
    expect(rules('electron/services/directory/bad-imports-ldapts.ts')).toContain('only-ldap-source-imports-ldapts');
  });
  it('catches the renderer importing node and services', () => {
    expect(rules('renderer/bad-imports-node.ts')).toEqual(
      expect.arrayContaining(['renderer-no-node', 'renderer-sees-only-the-contract']),
    );
  });
  it('catches node imports in the pure contract', () => {
    expect(rules('electron/contract/bad-node.ts')).toContain('contract-is-pure');
  });
  it('passes on the real source tree', () => {
    const real = cruise(['electron', 'sip-core', 'hid', 'pbx', 'renderer']);
    expect(real.violations).toEqual([]);
  });
});
