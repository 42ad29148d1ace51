/**
 * Packaging (electron-builder.yml, issue 15): Electron fuses flipped at packaging, and the macOS Info.plist key that
 * lets notifications keep their Answer / Decline buttons. The file as a whole is validated against electron-builder's
 * schema by `npm test` (scripts/check-shell.mjs).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Configuration } from 'electron-builder';

// The same js-yaml and @electron/fuses electron-builder itself uses to read the file and flip the fuses.
const builderDir = dirname(require.resolve('app-builder-lib/package.json'));
const yaml = require(require.resolve('js-yaml', { paths: [builderDir] })) as { load(text: string): unknown };
const fuses = require(require.resolve('@electron/fuses', { paths: [builderDir] })) as { FuseV1Options: Record<string, number | string> };
const config = yaml.load(readFileSync(join(__dirname, '../../electron-builder.yml'), 'utf8')) as Configuration;

describe('electron-builder.yml', () => {
  it('fuses: no Node.js mode, no NODE_OPTIONS or --inspect, only the integrity-checked app.asar, encrypted cookies, no file:// privileges', () => {
    const expected: NonNullable<Configuration['electronFuses']> = {
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    };
    expect(config.electronFuses).toEqual(expected);
  });

  it('every fuse named is one @electron/fuses knows (electron-builder maps runAsNode → FuseV1Options.RunAsNode …)', () => {
    for (const key of Object.keys(config.electronFuses ?? {})) {
      const option = key[0]!.toUpperCase() + key.slice(1);
      expect({ key, known: typeof fuses.FuseV1Options[option] === 'number' }).toEqual({ key, known: true });
    }
  });

  it('asar is on (the integrity and only-from-asar fuses need it), the app is not built with asar disabled', () => {
    expect(config.asar).not.toBe(false);
    expect((config as { disableAsarIntegrity?: boolean }).disableAsarIntegrity).not.toBe(true);
  });

  it('macOS: notifications are alerts (NSUserNotificationAlertStyle), so Answer / Decline buttons show', () => {
    expect(config.mac?.extendInfo).toMatchObject({ NSUserNotificationAlertStyle: 'alert', NSMicrophoneUsageDescription: expect.any(String) });
  });
});
