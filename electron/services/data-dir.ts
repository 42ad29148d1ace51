/**
 * The one data directory of the console (settings.json, contacts.sqlite, logs/, update.json), whichever host runs
 * it: Electron (its userData is set to this before anything reads it), the web host (`npm start` without Electron,
 * `npm run web`) and the administrator's command line (`npm run cli`). It is named after the product, as Electron
 * names its own userData folder after a packaged app's productName (electron-builder.yml; a unit test keeps the two
 * equal), under the OS's per-user application-data folder — Electron's `app.getPath('appData')`.
 */
import * as os from 'node:os';
import * as path from 'node:path';

/** electron-builder.yml `productName`. */
export const PRODUCT_NAME = 'Receptionist Console';

/**
 * `RECEPTIONIST_DATA_DIR` when set, else:
 * - Windows: `%APPDATA%\Receptionist Console`
 * - macOS: `~/Library/Application Support/Receptionist Console`
 * - Linux and others: `$XDG_CONFIG_HOME/Receptionist Console` (default `~/.config/Receptionist Console`)
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.RECEPTIONIST_DATA_DIR) return env.RECEPTIONIST_DATA_DIR;
  if (platform === 'win32') return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), PRODUCT_NAME);
}
