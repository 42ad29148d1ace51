/**
 * "Delete all data" (issue 13 item 9): all or nothing. The two-phase order (prepare every part, then commit the
 * database first), the rollback of what was prepared when a later step fails, the settings file put back, and the
 * whole flow on a real SQLite file, a real settings store and the real ConsoleService: afterwards the console is as
 * on first start (no account, default preferences, no favorites), contacts and history are gone and stay gone after
 * a reopen; a failing step leaves every contact, every history row and the settings file as they were.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SoftphoneOptions } from '../../sip-core/api/softphone';
import { ConsoleService, type HostConnection } from '../../electron/services/console-service';
import { ContactsService } from '../../electron/services/contacts-service';
import { AppInfoService } from '../../electron/services/app-info-service';
import { eraseAll, settingsFilePart, type ErasablePart, type EraseFileOps } from '../../electron/services/data-erasure';
import { ERASED_TABLES, KEPT_TABLES } from '../../electron/storage/erase';
import { createSettingsStore } from '../../electron/services/settings-store';
import { parseProvisioning } from '../../electron/services/provisioning';
import { PresenceService } from '../../electron/services/presence-service';
import { DirectoryService } from '../../electron/services/directory/directory-service';
import { FakeSoftphone } from './helpers/fake-softphone';

const conn: HostConnection = { id: 't', send: () => undefined };

/** A part that records what happens to it, failing where told. */
function part(name: ErasablePart['name'], log: string[], fail: { prepare?: boolean; commit?: boolean } = {}): ErasablePart {
  return {
    name,
    async prepare() {
      log.push(`prepare ${name}`);
      if (fail.prepare) throw Object.assign(new Error('refused'), { code: 'EACCES' });
      return {
        commit: async () => {
          log.push(`commit ${name}`);
          if (fail.commit) throw new Error('disk full');
        },
        rollback: async () => {
          log.push(`rollback ${name}`);
        },
      };
    },
  };
}

describe('eraseAll: prepare everything, then commit the database first', () => {
  it('prepares every part in order, then commits in order', async () => {
    const log: string[] = [];
    expect(await eraseAll([part('contacts', log), part('settings', log)])).toEqual({ ok: true });
    expect(log).toEqual(['prepare contacts', 'prepare settings', 'commit contacts', 'commit settings']);
  });

  it('a part that cannot be prepared rolls back the ones already prepared; nothing is committed', async () => {
    const log: string[] = [];
    const r = await eraseAll([part('contacts', log), part('settings', log, { prepare: true })]);
    expect(r).toEqual({ ok: false, kept: true, part: 'settings', detail: 'EACCES: refused' });
    expect(log).toEqual(['prepare contacts', 'prepare settings', 'rollback contacts']);
  });

  it('the first commit failing rolls back the others: nothing is deleted', async () => {
    const log: string[] = [];
    const r = await eraseAll([part('contacts', log, { commit: true }), part('settings', log)]);
    expect(r).toMatchObject({ ok: false, kept: true, part: 'contacts' });
    expect(log).toEqual(['prepare contacts', 'prepare settings', 'commit contacts', 'rollback settings']);
  });

  it('a later commit failing is reported as erased with something left over', async () => {
    const log: string[] = [];
    const r = await eraseAll([part('contacts', log), part('settings', log, { commit: true })]);
    expect(r).toMatchObject({ ok: false, kept: false, part: 'settings' });
    expect(log).toEqual(['prepare contacts', 'prepare settings', 'commit contacts', 'commit settings']);
  });
});

describe('settingsFilePart', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-erase-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves the file aside when prepared, puts it back on rollback, removes it on commit', async () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{"version":1}');
    const p = settingsFilePart(file, undefined, () => 42);
    const first = await p.prepare();
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.erasing-42`)).toBe(true);
    await first.rollback();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version":1}');
    const second = await p.prepare();
    await second.commit();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('no settings file (nothing saved yet): nothing to do', async () => {
    const prepared = await settingsFilePart(path.join(dir, 'settings.json')).prepare();
    await prepared.commit();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('the database part', () => {
  it('knows every table of the schema (a new migration must say whether its table is erased)', async () => {
    const svc = await DirectoryService.open({ dbPath: ':memory:', defaultCountry: 'FR' });
    const tables = (await svc.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((r) => r.name);
    // FTS5 keeps its index in shadow tables named after it: they go with it.
    const own = tables.filter((t) => !/^(contacts|call_history)_fts_/.test(t));
    expect([...own].sort()).toEqual([...ERASED_TABLES, ...KEPT_TABLES].sort());
    await svc.close();
  });
});

/** A console with one account (fake softphone), favorites, contacts and history, saving to a real settings file. */
async function setUp(dir: string, settingsFileOps?: EraseFileOps) {
  const dbPath = path.join(dir, 'contacts.sqlite');
  const store = createSettingsStore(dir);
  const contacts = new ContactsService({ dbPath });
  const presence = new PresenceService();
  const appInfo = new AppInfoService({ host: 'web', version: '0.1.0', dataDir: dir, settingsFile: store.file, ...(settingsFileOps && { settingsFileOps }) });
  const phones: FakeSoftphone[] = [];
  const service = new ConsoleService({
    host: 'web',
    createSoftphone: (_o: SoftphoneOptions) => {
      const phone = new FakeSoftphone();
      phones.push(phone);
      return phone;
    },
    createMediaFactory: () => ({
      create: () => {
        throw new Error('unused');
      },
    }),
    extensions: [contacts, presence, appInfo],
    persist: (state) => store.save(state),
  });
  contacts.start(service);
  presence.start(service);
  appInfo.start(service, contacts);
  await service.applyProvisioning(
    parseProvisioning({
      accounts: [{ server: '127.0.0.1', transport: 'udp', user: '1001', password: 's3cret-sip', media: 'rtp' }],
      preferences: { language: 'fr' },
      favorites: [{ extension: '1002', name: 'Anna' }],
    }),
  );
  service.persistNow();
  await service.dispatch(conn, 'contacts.create', { contact: { name: 'Zoé Martin', phones: [{ type: 'mobile', number: '06 12 34 56 78' }] } });
  const svc = await contacts.directory();
  await svc.addHistory({ direction: 'incoming', type: 'missed', remoteNumber: '0612345678', remoteName: 'Zoé Martin', startedAt: Date.now() });
  return { service, contacts, store, appInfo, phones, dbPath };
}

describe('Delete all data on a real database and settings file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-erase-all-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('removes contacts, history, settings (with the SIP password) and the account: the console is as on first start', async () => {
    const { service, contacts, store, dbPath } = await setUp(dir);
    expect(fs.readFileSync(store.file, 'utf8')).toContain('s3cret-sip');
    expect(service.snapshot().needsSetup).toBe(false);

    const r = await service.dispatch(conn, 'app.eraseAllData', { confirm: true });
    expect(r).toEqual({ ok: true, value: null });

    const snap = service.snapshot();
    expect(snap.needsSetup).toBe(true);
    expect(snap.accounts).toEqual([]);
    expect(snap.preferences.language).toBe('system');
    expect(snap.favorites ?? []).toEqual([]);
    expect(snap.messages.map((m) => m.key)).toEqual(['data.erase.done']);
    expect(fs.existsSync(store.file)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('settings.json'))).toEqual([]);
    const history = await service.dispatch(conn, 'history.list', {});
    expect(history).toEqual({ ok: true, value: [] });
    const search = await service.dispatch(conn, 'contacts.search', { query: 'zoé' });
    expect(search).toEqual({ ok: true, value: [] });
    // The deleted text is not left in the file's free pages either (VACUUM).
    await contacts.stop();
    expect(fs.readFileSync(dbPath).includes(Buffer.from('Martin'))).toBe(false);
    // Reopened (the next launch): still empty, and the built-in directories are there as in a new database.
    const again = await DirectoryService.open({ dbPath, defaultCountry: 'FR' });
    expect(await again.queryHistory({})).toEqual([]);
    expect((await again.listDirectories()).map((d) => d.kind).sort()).toEqual(['company', 'outlook', 'personal', 'speed-dial']);
    await again.close();
  });

  it('a step that fails deletes nothing: contacts, history, settings and the account stay, with a translated error', async () => {
    // The settings file cannot be moved (held by another program) after the database deletes were made.
    const busy: EraseFileOps = {
      existsSync: fs.existsSync,
      unlinkSync: fs.unlinkSync,
      renameSync: () => {
        throw Object.assign(new Error('resource busy or locked'), { code: 'EBUSY' });
      },
    };
    const { service, store } = await setUp(dir, busy);
    const r = await service.dispatch(conn, 'app.eraseAllData', { confirm: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'internal', key: 'data.erase.error.settings', params: { detail: 'EBUSY: resource busy or locked' } } });
    await expectEverythingKept(service, store.file);
    // Saving works again afterwards (it was held during the attempt).
    await service.dispatch(conn, 'preferences.update', { theme: 'dark' });
    expect(fs.readFileSync(store.file, 'utf8')).toContain('"theme": "dark"');
  });

  it('is refused while a call is up, and without the confirmation', async () => {
    const { service, phones } = await setUp(dir);
    phones[0]!.ring('1002');
    await new Promise((r) => setImmediate(r));
    const r = await service.dispatch(conn, 'app.eraseAllData', { confirm: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-state', key: 'data.erase.error.callsUp' } });
    expect(await service.dispatch(conn, 'app.eraseAllData', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(service.snapshot().needsSetup).toBe(false);
  });
});

async function expectEverythingKept(service: ConsoleService, settingsFile: string): Promise<void> {
  expect(service.snapshot().needsSetup).toBe(false);
  expect(fs.readFileSync(settingsFile, 'utf8')).toContain('s3cret-sip');
  const history = await service.dispatch(conn, 'history.list', {});
  expect(history.ok && (history.value as unknown[]).length).toBe(1);
  const search = await service.dispatch(conn, 'contacts.search', { query: 'zoé' });
  expect(search.ok && (search.value as unknown[]).length).toBe(1);
}
