/**
 * better-sqlite3 under Electron in development: the start script's plan (a second build for Electron's ABI, cached,
 * the Node build untouched) and the storage's choice of binding. Electron itself cannot run here: these are the
 * decisions, with the file system and the build commands faked.
 */
import { join } from 'node:path';
import { BINDING_ENV, bindingPlan, buildCommands, ensureElectronBinding } from '../../scripts/electron-sqlite.mjs';
import { BINDING_ENV as STORAGE_ENV, nativeBindingFor } from '../../electron/storage/native-binding';

const root = '/app';
const plan = bindingPlan({ root, electronVersion: '45.4.1', platform: 'linux', arch: 'x64' });

function fakeIo(files: Set<string>, outcome: (cmd: string) => 'ok' | 'fail' | 'nothing') {
  const calls: string[] = [];
  return {
    calls,
    io: {
      exists: (p: string) => files.has(p),
      copy: (from: string, to: string) => {
        calls.push(`copy ${from} -> ${to}`);
        if (from.endsWith('better_sqlite3.node')) files.add(to);
      },
      remove: (p: string) => calls.push(`rm ${p}`),
      mkdir: (p: string) => calls.push(`mkdir ${p}`),
      run: (cmd: string, args: string[], cwd: string) => {
        calls.push(`run ${cmd.split('/').pop()} ${args.join(' ')} in ${cwd}`);
        const o = outcome(cmd);
        if (o === 'fail') throw new Error(`${cmd} exited with 1\nmore`);
        if (o === 'ok') files.add(join(cwd, 'build', 'Release', 'better_sqlite3.node'));
      },
    },
  };
}

describe('start script: better-sqlite3 for Electron', () => {
  it('keys the cache by Electron version, platform and architecture, outside the Node build', () => {
    expect(plan.binding).toBe('/app/node_modules/.cache/better-sqlite3-electron/45.4.1-linux-x64/better_sqlite3.node');
    expect(plan.binding.startsWith('/app/node_modules/better-sqlite3/')).toBe(false);
    expect(() => bindingPlan({ root, electronVersion: 'latest', platform: 'linux', arch: 'x64' })).toThrow(/Unknown Electron version/);
  });

  it('builds for the electron runtime and target: prebuilt binary first, then from source', () => {
    const [pre, gyp] = buildCommands({ root, electronVersion: '45.4.1', arch: 'arm64' });
    expect(pre![0]).toBe('/app/node_modules/.bin/prebuild-install');
    expect(pre![1]).toEqual(expect.arrayContaining(['--runtime=electron', '--target=45.4.1', '--arch=arm64']));
    expect(gyp![0]).toBe('/app/node_modules/.bin/node-gyp');
    expect(gyp![1]).toEqual(expect.arrayContaining(['rebuild', '--target=45.4.1', '--arch=arm64', '--dist-url=https://electronjs.org/headers']));
  });

  it('uses the cached build without running anything', () => {
    const { io, calls } = fakeIo(new Set([plan.binding]), () => 'fail');
    expect(ensureElectronBinding({ root, electronVersion: '45.4.1', platform: 'linux', arch: 'x64', log: () => undefined }, io)).toEqual({ binding: plan.binding, built: false });
    expect(calls).toEqual([]);
  });

  it('builds once in a private copy of the package, falling back to node-gyp, and caches the result', () => {
    const files = new Set<string>();
    const { io, calls } = fakeIo(files, (cmd) => (cmd.endsWith('prebuild-install') ? 'fail' : 'ok'));
    const log = jest.fn();
    expect(ensureElectronBinding({ root, electronVersion: '45.4.1', platform: 'linux', arch: 'x64', log }, io)).toEqual({ binding: plan.binding, built: true });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('Electron 45.4.1'));
    const runs = calls.filter((c) => c.startsWith('run '));
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.endsWith(`in ${plan.work}`))).toBe(true);
    expect(calls).toContain(`copy /app/node_modules/better-sqlite3 -> ${plan.work}`);
    // The Node build is never rebuilt or removed.
    expect(calls.some((c) => c.startsWith('rm /app/node_modules/better-sqlite3'))).toBe(false);
    expect(files.has(plan.binding)).toBe(true);
    // Second start: cached.
    const again = fakeIo(files, () => 'fail');
    expect(ensureElectronBinding({ root, electronVersion: '45.4.1', platform: 'linux', arch: 'x64', log }, again.io)).toMatchObject({ built: false });
  });

  it('reports a clear error when no way works (the start script then uses the web host)', () => {
    const { io } = fakeIo(new Set(), (cmd) => (cmd.endsWith('node-gyp') ? 'nothing' : 'fail'));
    const r = ensureElectronBinding({ root, electronVersion: '45.4.1', platform: 'linux', arch: 'x64', log: () => undefined }, io);
    expect(r.binding).toBeUndefined();
    expect(r.error).toMatch(/^Could not build better-sqlite3 for Electron 45\.4\.1 \(prebuild-install: .*exited with 1; node-gyp: .*was not produced\)$/);
  });
});

describe('storage: which better_sqlite3.node to load', () => {
  const env = { [STORAGE_ENV]: plan.binding };
  const exists = (p: string) => p === plan.binding;

  it('uses the Electron build only under Electron, when the file exists', () => {
    expect(STORAGE_ENV).toBe(BINDING_ENV);
    expect(nativeBindingFor(env, { node: '24.0.0', electron: '45.4.1' }, exists)).toBe(plan.binding);
    expect(nativeBindingFor(env, { node: '20.20.2' }, exists)).toBeUndefined(); // tests, web host, demo: Node build
    expect(nativeBindingFor(env, { node: '24.0.0', electron: '45.4.1' }, () => false)).toBeUndefined();
    expect(nativeBindingFor({}, { node: '24.0.0', electron: '45.4.1' }, exists)).toBeUndefined(); // packaged app
    expect(nativeBindingFor({ [STORAGE_ENV]: '  ' }, { electron: '45.4.1' }, () => true)).toBeUndefined();
  });
});
