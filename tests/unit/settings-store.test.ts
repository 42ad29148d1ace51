import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSettingsStore, type SaveResult, type SettingsFileOps, type SettingsStore, type SettingsTarget } from '../../electron/services/settings-store';
import { parseProvisioning, type Provisioning } from '../../electron/services/provisioning';
import { DEFAULT_PREFERENCES, type GlobalMessage, type Preferences } from '../../electron/contract/dto';
import type { PersistedState } from '../../electron/services/console-service';
import { MessageCenter } from '../../electron/services/message-center';

const account = { server: '127.0.0.1', port: 5060, transport: 'udp', user: '1001', password: 's3cr3t-pw', media: 'auto' } as const;

describe('settings store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-settings-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves in the provisioning format, readable by the owner only, and loads it back', () => {
    const store = createSettingsStore(path.join(dir, 'data'));
    expect(store.load()).toEqual({});
    const input = parseProvisioning({ accounts: [account] }).accounts[0]!;
    store.save({ accounts: [input], preferences: { ...DEFAULT_PREFERENCES, language: 'fr', theme: 'dark', declineCode: 603, microphoneId: 'mic-1' } });
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    const loaded = store.load();
    expect(loaded.problem).toBeUndefined();
    expect(loaded.settings?.accounts[0]?.password).toBe('s3cr3t-pw');
    expect(loaded.settings?.preferences).toMatchObject({ language: 'fr', declineCode: 603, microphoneId: 'mic-1' });
    // What an administrator copies as a provisioning file is valid as one.
    expect(() => parseProvisioning(JSON.parse(fs.readFileSync(store.file, 'utf8')))).not.toThrow();
  });

  it('goes through the codec (Electron safeStorage) so the password is not on disk in clear', () => {
    const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
    const store = createSettingsStore(dir, { encode: (t) => xor(Buffer.from(t)), decode: (d) => xor(d).toString('utf8') });
    store.save({ accounts: [parseProvisioning({ accounts: [account] }).accounts[0]!], preferences: DEFAULT_PREFERENCES });
    expect(fs.readFileSync(store.file).includes('s3cr3t-pw')).toBe(false);
    expect(store.load().settings?.accounts[0]?.user).toBe('1001');
  });

  it('keeps a damaged file aside and says why, without echoing its content', () => {
    const store = createSettingsStore(dir);
    fs.writeFileSync(store.file, '{"accounts":[{"server":"x","user":"1001","password":"leak-me","transport":"carrier-pigeon"}]}');
    const r = store.load();
    expect(r.settings).toBeUndefined();
    expect(r.problem?.detail).toContain('accounts[0].transport');
    expect(r.problem?.detail).not.toContain('leak-me');
    expect(fs.existsSync(store.file)).toBe(false);
    expect(fs.readFileSync(r.problem!.keptIn, 'utf8')).toContain('carrier-pigeon');
    fs.writeFileSync(store.file, '{not json');
    expect(store.load().problem?.detail).toBe('not valid JSON');
  });

  it('keeps favorites added in the console, and loads them back as provisioning', () => {
    const store = createSettingsStore(dir);
    const input = parseProvisioning({ accounts: [account] }).accounts[0]!;
    store.save({ accounts: [input], preferences: DEFAULT_PREFERENCES, favorites: [{ extension: '1002', name: 'Alice' }, { extension: '1003' }] });
    expect(store.load().settings?.favorites).toEqual([{ extension: '1002', name: 'Alice' }, { extension: '1003' }]);
  });

  it('keeps the directories section (LDAP, queues) and the services with the rest', () => {
    const store = createSettingsStore(dir);
    const p = parseProvisioning({
      accounts: [account],
      directories: {
        defaultCountry: 'BE',
        ldap: { url: 'ldaps://ldap.example.com', base: 'ou=people,dc=example,dc=com', bindDN: 'cn=console', bindPassword: 'ldap-pw' },
        queues: [{ name: 'Sales', number: '600' }],
      },
      services: {},
    });
    store.save({ accounts: p.accounts, preferences: DEFAULT_PREFERENCES, directories: p.directories!, services: p.services! });
    const loaded = store.load().settings!;
    expect(loaded.directories).toEqual(p.directories);
    expect(loaded.directories?.ldap?.bindPassword).toBe('ldap-pw');
    expect(loaded.services).toEqual(p.services);
  });
});

/** The keychain (Electron safeStorage) as the codec sees it: up, or not yet (login, locked keychain). */
function keychain() {
  const k = { up: true };
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  const codec = {
    encode: (t: string) => xor(Buffer.from(t)),
    decode: (d: Buffer) => {
      if (!k.up) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return xor(d).toString('utf8');
    },
  };
  return { k, codec };
}

/** The console as the store restores into it: applied provisionings, its state and its messages. */
function fakeConsole(store: SettingsStore) {
  const results: SaveResult[] = [];
  const save = (s: PersistedState) => results.push(store.save(s));
  const added: GlobalMessage[] = [];
  let state: { accounts: PersistedState['accounts']; preferences: Preferences } = { accounts: [], preferences: DEFAULT_PREFERENCES };
  const applied: Provisioning[] = [];
  const target: SettingsTarget = {
    messages: new MessageCenter((m) => {
      if (m) added.push(m);
    }),
    applyProvisioning: async (p) => {
      applied.push(p);
      state = { accounts: [...state.accounts, ...p.accounts], preferences: { ...state.preferences, ...p.preferences } };
    },
    reportSettingsProblem: (problem) => target.messages.add('error', 'settings.damaged', { ...problem, file: problem.keptIn }),
    persistNow: () => save(state),
  };
  const change = (patch: Partial<Preferences>) => {
    state = { ...state, preferences: { ...state.preferences, ...patch } };
    save(state);
  };
  return { target, added, applied, change, saves: () => results };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('settings store: keychain unavailable', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-settings-kc-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a file the keychain cannot decode now is neither set aside nor reported as damaged', () => {
    const { k, codec } = keychain();
    const store = createSettingsStore(dir, codec);
    store.save({ accounts: [parseProvisioning({ accounts: [account] }).accounts[0]!], preferences: DEFAULT_PREFERENCES });
    const before = fs.readFileSync(store.file);
    k.up = false;
    const r = store.load();
    expect(r.settings).toBeUndefined();
    expect(r.problem).toBeUndefined();
    expect(r.locked?.detail).toMatch(/decrypt/);
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
    expect(fs.readFileSync(store.file).equals(before)).toBe(true);
    k.up = true;
    expect(store.load().settings?.accounts[0]?.password).toBe('s3cr3t-pw');
  });

  it('at start: holds saving, retries until the keychain answers, then applies the settings and saves the result', async () => {
    const { k, codec } = keychain();
    const store = createSettingsStore(dir, codec, { retryDelaysMs: [10] });
    const saved = parseProvisioning({ accounts: [account], preferences: { language: 'fr' } });
    store.save({ accounts: saved.accounts, preferences: { ...DEFAULT_PREFERENCES, language: 'fr' } });
    const before = fs.readFileSync(store.file);

    k.up = false;
    const c = fakeConsole(store);
    await store.restore(c.target);
    expect(c.applied).toEqual([]);
    expect(c.added.map((m) => [m.level, m.key])).toEqual([['warning', 'settings.keychainLocked']]);
    // The receptionist changes something while the settings are locked: the file is not replaced by it.
    c.change({ theme: 'dark' });
    await new Promise((r) => setTimeout(r, 40));
    expect(fs.readFileSync(store.file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);

    k.up = true;
    await until(() => c.added.length === 2);
    store.close();
    expect(c.added.map((m) => [m.level, m.key])).toEqual([
      ['warning', 'settings.keychainLocked'],
      ['info', 'settings.restored'],
    ]);
    expect(c.applied).toHaveLength(1);
    expect(c.applied[0]!.accounts[0]!.user).toBe('1001');
    // Saved again once restored: the restored account and preferences (they are applied over the session's, as
    // a provisioning is), plus what only the session had.
    const after = store.load().settings!;
    expect(after.accounts.map((a) => a.password)).toEqual(['s3cr3t-pw']);
    expect(after.preferences).toMatchObject({ language: 'fr' });
    expect(c.saves()).toEqual([{ ok: false, reason: 'held', detail: expect.any(String) }, { ok: true }]);
  });
});

describe('settings store: durable writes and a full disk', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-settings-disk-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** node:fs behind our seam, recording each call; `full` makes writes fail half-way as on a full disk. */
  function recordingOps() {
    const calls: string[] = [];
    const names = new Map<number, string>();
    const fault = { full: false, busy: false };
    const name = (p: string) => (p === dir ? '<dir>' : path.basename(p).replace(/\.\d+\.tmp$/, '.tmp'));
    const ops: SettingsFileOps = {
      readFileSync: (p) => {
        if (fault.busy) throw Object.assign(new Error(`EBUSY: resource busy or locked, open '${p}'`), { code: 'EBUSY', syscall: 'open' });
        return fs.readFileSync(p);
      },
      openSync: (p, flags, mode) => {
        const fd = fs.openSync(p, flags, mode);
        names.set(fd, name(p));
        calls.push(`open ${name(p)}`);
        return fd;
      },
      writeSync: (fd, data, offset, length) => {
        if (fault.full) {
          fs.writeSync(fd, data, offset, Math.floor(length / 2));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        }
        calls.push(`write ${names.get(fd)}`);
        return fs.writeSync(fd, data, offset, length);
      },
      fsyncSync: (fd) => {
        calls.push(`fsync ${names.get(fd)}`);
        fs.fsyncSync(fd);
      },
      closeSync: (fd) => {
        calls.push(`close ${names.get(fd)}`);
        fs.closeSync(fd);
      },
      renameSync: (from, to) => {
        calls.push(`rename ${name(from)} ${name(to)}`);
        fs.renameSync(from, to);
      },
      unlinkSync: (p) => {
        calls.push(`unlink ${name(p)}`);
        fs.unlinkSync(p);
      },
    };
    return { ops, calls, fault };
  }

  const state = (language: 'en' | 'fr'): PersistedState => ({
    accounts: [parseProvisioning({ accounts: [account] }).accounts[0]!],
    preferences: { ...DEFAULT_PREFERENCES, language },
  });

  it('writes a temp file, fsyncs it, renames it over the old one, then fsyncs the directory', () => {
    const { ops, calls } = recordingOps();
    const store = createSettingsStore(dir, undefined, { fileOps: ops });
    expect(store.save(state('fr'))).toEqual({ ok: true });
    expect(calls).toEqual([
      'open settings.json.tmp',
      'write settings.json.tmp',
      'fsync settings.json.tmp',
      'close settings.json.tmp',
      'rename settings.json.tmp settings.json',
      ...(process.platform === 'win32' ? [] : ['open <dir>', 'fsync <dir>', 'close <dir>']),
    ]);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(store.load().settings?.preferences.language).toBe('fr');
  });

  it('disk full while saving: the previous settings stay intact, no temp file is left, the receptionist is told once', () => {
    const { ops, fault } = recordingOps();
    const store = createSettingsStore(dir, undefined, { fileOps: ops });
    const added: GlobalMessage[] = [];
    store.reportTo(new MessageCenter((m) => void (m && added.push(m))));
    store.save(state('fr'));
    const before = fs.readFileSync(store.file);

    fault.full = true;
    expect(store.save(state('en'))).toEqual({ ok: false, reason: 'disk-full', detail: 'ENOSPC' });
    expect(store.save(state('en'))).toMatchObject({ ok: false, reason: 'disk-full' });
    expect(fs.readFileSync(store.file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
    expect(store.load().settings?.preferences.language).toBe('fr');
    expect(added.map((m) => [m.level, m.key, m.params])).toEqual([['error', 'settings.diskFull', { detail: 'ENOSPC' }]]);

    // Space is freed: the next change is saved.
    fault.full = false;
    expect(store.save(state('en'))).toEqual({ ok: true });
    expect(store.load().settings?.preferences.language).toBe('en');
  });

  it('a settings file that cannot be read for now (busy: an antivirus scan) is not reported as damaged: held and read again', async () => {
    const { ops, fault } = recordingOps();
    const store = createSettingsStore(dir, undefined, { fileOps: ops, retryDelaysMs: [10] });
    store.save(state('fr'));
    const before = fs.readFileSync(store.file);
    fault.busy = true;
    expect(store.load()).toEqual({ locked: { reason: 'unreadable', detail: 'EBUSY' } });

    const c = fakeConsole(store);
    await store.restore(c.target);
    expect(c.added.map((m) => [m.key, m.params])).toEqual([['settings.unreadable', { detail: 'EBUSY' }]]);
    c.change({ language: 'en' });
    expect(fs.readFileSync(store.file).equals(before)).toBe(true);
    fault.busy = false;
    await until(() => c.added.length === 2);
    store.close();
    expect(c.added.map((m) => m.key)).toEqual(['settings.unreadable', 'settings.restored']);
    expect(c.applied[0]!.preferences).toMatchObject({ language: 'fr' });
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
  });
});
