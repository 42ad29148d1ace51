// better-sqlite3 for Electron in development (`npm start` with an Electron binary). node_modules holds the build for
// Node (tests, web host, `npm run demo`); Electron 45 has another ABI, so a second copy of better_sqlite3.node is
// built for it once into node_modules/.cache/better-sqlite3-electron/<electron>-<platform>-<arch>/ and handed to
// Electron in RC_SQLITE_ELECTRON_BINDING (electron/storage/native-binding.ts reads it, under Electron only). The Node
// build is never touched. Packaged builds don't need this: electron-builder rebuilds the module (npmRebuild).
// Kept free of import.meta so tests/unit/electron-sqlite.test.ts can load it.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const BINDING_ENV = 'RC_SQLITE_ELECTRON_BINDING';

/** Where the Electron build of better_sqlite3.node lives for this Electron version, platform and architecture. */
export function bindingPlan({ root, electronVersion, platform, arch }) {
  if (!/^\d+\.\d+\.\d+/.test(electronVersion ?? '')) throw new Error(`Unknown Electron version "${electronVersion}"`);
  const dir = join(root, 'node_modules', '.cache', 'better-sqlite3-electron', `${electronVersion}-${platform}-${arch}`);
  return { dir, binding: join(dir, 'better_sqlite3.node'), work: join(dir, 'src') };
}

/**
 * The ways to get the Electron build, tried in order in a private copy of the package: the prebuilt binary the
 * project publishes for this Electron version (prebuild-install), else a build from source against Electron's
 * headers (node-gyp; needs a compiler, like `npm install` itself does here).
 */
export function buildCommands({ root, electronVersion, arch }) {
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  return [
    [bin('prebuild-install'), ['--runtime=electron', `--target=${electronVersion}`, `--arch=${arch}`, '--tag-prefix=v', '--verbose']],
    [bin('node-gyp'), ['rebuild', '--release', `--target=${electronVersion}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers']],
  ];
}

/**
 * Returns the path of the Electron build, building it first when it is not cached. `io` is injectable for the
 * unit test (exists, copy, remove, mkdir, run). Never throws: { binding } or { error } (the caller falls back to
 * the web host with the message rather than starting an Electron that cannot open the database).
 */
export function ensureElectronBinding({ root, electronVersion, platform = process.platform, arch = process.arch, log = console.log }, io = nodeIo) {
  let plan;
  try {
    plan = bindingPlan({ root, electronVersion, platform, arch });
  } catch (err) {
    return { error: String(err instanceof Error ? err.message : err) };
  }
  if (io.exists(plan.binding)) return { binding: plan.binding, built: false };
  log(`Building better-sqlite3 for Electron ${electronVersion} once (the Node build in node_modules stays as it is)…`);
  const failures = [];
  for (const [cmd, args] of buildCommands({ root, electronVersion, arch })) {
    try {
      io.remove(plan.work);
      io.mkdir(plan.dir);
      io.copy(join(root, 'node_modules', 'better-sqlite3'), plan.work);
      io.remove(join(plan.work, 'build'));
      io.run(cmd, args, plan.work);
      const out = join(plan.work, 'build', 'Release', 'better_sqlite3.node');
      if (!io.exists(out)) throw new Error(`${out} was not produced`);
      io.copy(out, plan.binding);
      io.remove(plan.work);
      return { binding: plan.binding, built: true };
    } catch (err) {
      failures.push(`${cmd.split('/').pop()}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  io.remove(plan.work);
  return { error: `Could not build better-sqlite3 for Electron ${electronVersion} (${failures.join('; ')})` };
}

const nodeIo = {
  exists: (p) => existsSync(p),
  copy: (from, to) => cpSync(from, to, { recursive: true }),
  remove: (p) => rmSync(p, { recursive: true, force: true }),
  mkdir: (p) => mkdirSync(p, { recursive: true }),
  run: (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' }),
};
