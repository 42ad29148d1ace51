/**
 * Which better_sqlite3.node to load. Under Node (tests, web host, demo) the package's own build; under Electron
 * started by `npm start` in development, the Electron-ABI copy scripts/electron-sqlite.mjs built, whose path arrives
 * in RC_SQLITE_ELECTRON_BINDING (worker threads inherit the environment). A packaged app has no such variable: its
 * module was rebuilt for Electron by electron-builder.
 */
import { existsSync } from 'node:fs';

export const BINDING_ENV = 'RC_SQLITE_ELECTRON_BINDING';

export function nativeBindingFor(
  env: Readonly<Record<string, string | undefined>>,
  versions: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean,
): string | undefined {
  const path = env[BINDING_ENV]?.trim();
  // Never hand the Electron build to Node (a variable left in a shell would crash every test with an ABI error).
  if (!path || versions['electron'] === undefined) return undefined;
  return exists(path) ? path : undefined;
}

/** The better-sqlite3 constructor option for this process ({} = the package's own build). */
export function bindingOption(): { nativeBinding?: string } {
  const path = nativeBindingFor(process.env, process.versions, existsSync);
  return path ? { nativeBinding: path } : {};
}
