// Types of scripts/electron-sqlite.mjs (for tests/unit/electron-sqlite.test.ts).
export declare const BINDING_ENV: 'RC_SQLITE_ELECTRON_BINDING';
export interface BindingPlan { readonly dir: string; readonly binding: string; readonly work: string }
export declare function bindingPlan(o: { root: string; electronVersion: string; platform: string; arch: string }): BindingPlan;
export declare function buildCommands(o: { root: string; electronVersion: string; arch: string }): [string, string[]][];
export interface BindingIo {
  exists(path: string): boolean;
  copy(from: string, to: string): void;
  remove(path: string): void;
  mkdir(path: string): void;
  run(cmd: string, args: string[], cwd: string): void;
}
export declare function ensureElectronBinding(
  o: { root: string; electronVersion: string; platform?: string; arch?: string; log?: (line: string) => void },
  io?: BindingIo,
): { binding?: string; built?: boolean; error?: string };
