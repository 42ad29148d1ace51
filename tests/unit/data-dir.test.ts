/**
 * One data directory everywhere (issue 16): Electron's userData, the web host's default and the command line's
 * default are the same folder, named after electron-builder.yml's productName; `--in-memory` keeps nothing (tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir as cliDefault } from '../../electron/cli/main';
import { defaultDataDir, PRODUCT_NAME } from '../../electron/services/data-dir';
import { parseWebCliArgs } from '../../electron/web-host/cli';

describe('data directory', () => {
  it('is named after electron-builder.yml productName', () => {
    const yml = readFileSync(join(__dirname, '../../electron-builder.yml'), 'utf8');
    expect(/^productName:\s*(.+)$/m.exec(yml)?.[1]?.trim()).toBe(PRODUCT_NAME);
  });

  it("sits where Electron keeps a packaged app's userData, per platform", () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toBe('C:\\Users\\a\\AppData\\Roaming\\Receptionist Console');
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/Receptionist Console');
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/Receptionist Console');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/Receptionist Console');
    expect(defaultDataDir({ RECEPTIONIST_DATA_DIR: '/d' }, 'darwin')).toBe('/d');
  });

  it('is the command line default and the web host default', () => {
    expect(cliDefault).toBe(defaultDataDir);
    expect(parseWebCliArgs([], { rendererDir: '/r' }).dataDir).toBe(defaultDataDir());
    expect(parseWebCliArgs(['--data-dir', '/tmp/d'], { rendererDir: '/r' }).dataDir).toBe('/tmp/d');
  });

  it('the web host keeps nothing with --in-memory, which --data-dir excludes', () => {
    expect(parseWebCliArgs(['--in-memory'], { rendererDir: '/r' }).dataDir).toBeUndefined();
    expect(() => parseWebCliArgs(['--in-memory', '--data-dir', '/d'], { rendererDir: '/r' })).toThrow(/exclude/);
    expect(() => parseWebCliArgs(['--data-dir', ''], { rendererDir: '/r' })).toThrow(/--data-dir/);
  });
});
