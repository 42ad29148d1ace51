import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSettingsStore } from '../../electron/services/settings-store';
import { parseProvisioning } from '../../electron/services/provisioning';
import { DEFAULT_PREFERENCES } from '../../electron/contract/dto';

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
});
