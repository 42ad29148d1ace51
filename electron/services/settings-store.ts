/**
 * Saved accounts and preferences (`settings.json` in the data directory), in the provisioning file's own schema so an
 * administrator can read it and copy it as a provisioning file. Written atomically (temp file + rename) with mode
 * 0600. The Electron shell passes a codec backed by safeStorage (OS keychain / DPAPI) so the password is never on disk
 * in clear; the web host writes plain JSON readable by the current user only.
 *
 * A damaged file never costs the user their settings silently: it is kept aside as `settings.json.broken-<time>` and
 * the reason is reported, then the console starts as on first launch.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PersistedState } from './console-service';
import { parseProvisioning, type Provisioning } from './provisioning';

export interface SettingsCodec {
  encode(text: string): Buffer;
  decode(data: Buffer): string;
}

const plainCodec: SettingsCodec = {
  encode: (text) => Buffer.from(text, 'utf8'),
  decode: (data) => data.toString('utf8'),
};

export interface LoadedSettings {
  readonly settings?: Provisioning;
  /** Why the saved settings could not be used, and where the damaged file was kept. */
  readonly problem?: { readonly detail: string; readonly keptIn: string };
}

export interface SettingsStore {
  readonly file: string;
  load(): LoadedSettings;
  save(state: PersistedState): void;
}

export function createSettingsStore(dataDir: string, codec: SettingsCodec = plainCodec): SettingsStore {
  const file = join(dataDir, 'settings.json');
  return {
    file,
    load() {
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        return { problem: { detail: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, keptIn: file } };
      }
      try {
        return { settings: parseProvisioning(JSON.parse(codec.decode(data).replace(/^\uFEFF/, ''))) };
      } catch (e) {
        const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        let keptIn = aside;
        try {
          renameSync(file, aside);
        } catch {
          keptIn = file; // could not move it: it stays where it was, untouched
        }
        const detail = e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message.replace(/^Provisioning file: /, '');
        return { problem: { detail, keptIn } };
      }
    },
    save(state) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const body = JSON.stringify(
        {
          version: 1,
          accounts: state.accounts,
          preferences: state.preferences,
          ...(state.favorites?.length && { favorites: state.favorites }),
          ...(state.pbx && { pbx: state.pbx }),
          ...(state.queuePane && { queuePane: state.queuePane }),
        },
        null,
        2,
      );
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, codec.encode(`${body}\n`), { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}
