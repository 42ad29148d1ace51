/**
 * Saved accounts and preferences (`settings.json` in the data directory), in the provisioning file's own schema so an
 * administrator can read it and copy it as a provisioning file. The Electron shell passes a codec backed by
 * safeStorage (OS keychain / DPAPI) so the password is never on disk in clear; the web host writes plain JSON
 * readable by the current user only.
 *
 * Nothing is lost:
 * - Writes are durable and atomic: a temp file (mode 0600) is written, fsync'd and renamed over the old one, then
 *   the directory is fsync'd. A failed write (disk full…) leaves the old file intact and is reported.
 * - A damaged file (not JSON, not the schema) is kept aside as `settings.json.broken-<time>` and the reason reported,
 *   then the console starts as on first launch.
 * - A file the codec cannot decode (the keychain is locked or not up yet at login), or that cannot be read for now
 *   (held by an antivirus scan, EIO…), is never moved or overwritten: saving is held, the load is retried until it
 *   succeeds, and the settings are applied then.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { MessageLevel } from '../contract/dto';
import type { PersistedState } from './console-service';
import { parseProvisioning, type Provisioning } from './provisioning';

export interface SettingsCodec {
  encode(text: string): Buffer;
  /** Throws when the data cannot be decoded now (keychain unavailable): the file is left alone and retried. */
  decode(data: Buffer): string;
}

const plainCodec: SettingsCodec = {
  encode: (text) => Buffer.from(text, 'utf8'),
  decode: (data) => data.toString('utf8'),
};

/** The file operations of the store (node:fs); tests inject faults (a full disk, a busy file) at this seam. */
export interface SettingsFileOps {
  readFileSync(path: string): Buffer;
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: Buffer, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

const nodeFileOps: SettingsFileOps = {
  readFileSync: (path) => fs.readFileSync(path),
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  writeSync: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

export interface LoadedSettings {
  readonly settings?: Provisioning;
  /** Why the saved settings could not be used, and where the damaged file was kept. */
  readonly problem?: { readonly detail: string; readonly keptIn: string };
  /** The file is there but cannot be decoded (keychain unavailable) or read now: untouched, to be retried. */
  readonly locked?: { readonly reason: 'keychain' | 'unreadable'; readonly detail: string };
}

export type SaveResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'held' | 'disk-full' | 'error'; readonly detail: string };

/** Where the store tells the receptionist about her settings (the console's MessageCenter). */
export interface SettingsMessages {
  add(level: MessageLevel, key: string, params?: Record<string, string | number>): unknown;
}

/** The console the saved settings are restored into (ConsoleService implements it). */
export interface SettingsTarget {
  readonly messages: SettingsMessages;
  applyProvisioning(p: Provisioning): Promise<void>;
  reportSettingsProblem(problem: { detail: string; keptIn: string }): void;
  /** Save the settings now (what changed while the keychain was locked, merged with what was restored). */
  persistNow(): void;
}

export interface SettingsStore {
  readonly file: string;
  load(): LoadedSettings;
  /** Never throws: a failure leaves the previous file intact and is reported (reportTo). */
  save(state: PersistedState): SaveResult;
  /** Failed saves are told here (once per run of failures). */
  reportTo(messages: SettingsMessages): void;
  /**
   * At start: loads and applies the saved settings, reporting a damaged file. When the keychain cannot decode them
   * yet (or the file cannot be read for now), saving is held (the file stays as it is) and the load is retried until
   * it succeeds.
   */
  restore(target: SettingsTarget): Promise<void>;
  /** Stops the retries. */
  close(): void;
}

export interface SettingsStoreOptions {
  readonly fileOps?: SettingsFileOps;
  /** Waits between load attempts while the keychain is locked; the last one repeats for ever. */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (message: string) => void;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

function body(state: PersistedState): string {
  return `${JSON.stringify(
    {
      version: 1,
      accounts: state.accounts,
      preferences: state.preferences,
      ...(state.favorites?.length && { favorites: state.favorites }),
      ...(state.pbx && { pbx: state.pbx }),
      ...(state.queuePane && { queuePane: state.queuePane }),
      ...(state.services && { services: state.services }),
      ...(state.directories && { directories: state.directories }),
    },
    null,
    2,
  )}\n`;
}

export function createSettingsStore(dataDir: string, codec: SettingsCodec = plainCodec, options: SettingsStoreOptions = {}): SettingsStore {
  const file = join(dataDir, 'settings.json');
  const ops = options.fileOps ?? nodeFileOps;
  const delays = options.retryDelaysMs?.length ? options.retryDelaysMs : RETRY_DELAYS_MS;
  let messages: SettingsMessages | undefined;
  /** The saved settings are still locked in the keychain: writing now would replace them. */
  let held = false;
  let savedWhileHeld = false;
  let failing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;

  /** temp file → write all → fsync → close → rename over the old one → fsync the directory. */
  function writeDurably(data: Buffer): void {
    const tmp = `${file}.${process.pid}.tmp`;
    let fd: number | undefined;
    try {
      fd = ops.openSync(tmp, 'w', 0o600);
      for (let off = 0; off < data.length; ) off += ops.writeSync(fd, data, off, data.length - off);
      ops.fsyncSync(fd);
      ops.closeSync(fd);
      fd = undefined;
      ops.renameSync(tmp, file);
    } catch (e) {
      if (fd !== undefined) {
        try {
          ops.closeSync(fd);
        } catch {
          // already failing: the write error is the one to report
        }
      }
      try {
        ops.unlinkSync(tmp);
      } catch {
        // never created, or already gone
      }
      throw e;
    }
    // The rename is only durable once the directory entry is on disk (POSIX; Windows cannot open a directory).
    if (process.platform !== 'win32') {
      let dirFd: number | undefined;
      try {
        dirFd = ops.openSync(dirname(file), 'r');
        ops.fsyncSync(dirFd);
      } catch (e) {
        options.log?.(`settings: fsync of ${dirname(file)} failed: ${errnoCode(e)}`);
      } finally {
        if (dirFd !== undefined) ops.closeSync(dirFd);
      }
    }
  }

  const store: SettingsStore = {
    file,
    load() {
      let data: Buffer;
      try {
        data = ops.readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        // Busy, locked by a scanner, an I/O error: the file stays as it is and is read again later.
        return { locked: { reason: 'unreadable', detail: errnoCode(e) } };
      }
      let text: string;
      try {
        text = codec.decode(data);
      } catch (e) {
        // The keychain is locked or not up yet: the file is fine and stays exactly where it is.
        return { locked: { reason: 'keychain', detail: e instanceof Error ? e.message : String(e) } };
      }
      try {
        return { settings: parseProvisioning(JSON.parse(text.replace(/^\uFEFF/, ''))) };
      } catch (e) {
        const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        let keptIn = aside;
        try {
          fs.renameSync(file, aside);
        } catch {
          keptIn = file; // could not move it: it stays where it was, untouched
        }
        const detail = e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message.replace(/^Provisioning file: /, '');
        return { problem: { detail, keptIn } };
      }
    },
    save(state) {
      if (held) {
        savedWhileHeld = true;
        return { ok: false, reason: 'held', detail: 'the saved settings are still locked in the keychain' };
      }
      try {
        fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        writeDurably(codec.encode(body(state)));
      } catch (e) {
        const code = errnoCode(e);
        const diskFull = code === 'ENOSPC' || code === 'EDQUOT';
        options.log?.(`settings: not saved (${code}); the previous file is kept`);
        if (!failing) messages?.add('error', diskFull ? 'settings.diskFull' : 'settings.saveFailed', { detail: code });
        failing = true;
        return { ok: false, reason: diskFull ? 'disk-full' : 'error', detail: code };
      }
      failing = false;
      return { ok: true };
    },
    reportTo(m) {
      messages = m;
    },
    async restore(target) {
      messages = target.messages;
      const first = store.load();
      if (first.problem) target.reportSettingsProblem(first.problem);
      if (first.settings) await target.applyProvisioning(first.settings);
      if (!first.locked) return;
      held = true;
      options.log?.(`settings: ${first.locked.reason === 'keychain' ? 'locked in the keychain' : 'cannot be read'} (${first.locked.detail}); retrying`);
      if (first.locked.reason === 'keychain') target.messages.add('warning', 'settings.keychainLocked', {});
      else target.messages.add('warning', 'settings.unreadable', { detail: first.locked.detail });
      const attempt = (n: number): void => {
        if (closed) return;
        retryTimer = setTimeout(() => {
          retry(n).catch((e: unknown) => options.log?.(`settings: restoring after the keychain answered failed: ${String(e)}`));
        }, delays[Math.min(n, delays.length - 1)]);
        retryTimer.unref?.();
      };
      const retry = async (n: number): Promise<void> => {
        const again = store.load();
        if (again.locked) return attempt(n + 1);
        try {
          if (again.problem) target.reportSettingsProblem(again.problem);
          if (again.settings) await target.applyProvisioning(again.settings);
        } finally {
          held = false;
        }
        // What the receptionist changed meanwhile is saved now, together with the restored settings.
        if (savedWhileHeld) target.persistNow();
        savedWhileHeld = false;
        if (again.settings) target.messages.add('info', 'settings.restored', {});
      };
      attempt(0);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
    },
  };
  return store;
}
