/**
 * The contacts service's part of the saved settings and of the company directory's safety (issue 15):
 * - the `directories` section (default country, LDAP, queues) given by the provisioning file at launch is saved with
 *   the settings, so a launch at login without --provision keeps it; a provisioning file given at launch still wins;
 * - an LDAP refresh that succeeds with an empty or far shorter result does not wipe the offline company directory:
 *   it is reported (global message + the directory status) and the copy kept, unless forced.
 * Real ConsoleService, settings store and SQLite; the company source is a fake at our own seam.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompanySyncView, GlobalMessage } from '../../electron/contract';
import type { HostConnection } from '../../electron/services/console-service';
import { ContactsService } from '../../electron/services/contacts-service';
import type { CompanyDirectorySource } from '../../electron/services/directory/company-source';
import { parseProvisioning } from '../../electron/services/provisioning';
import { createSettingsStore } from '../../electron/services/settings-store';
import { MessageCenter } from '../../electron/services/message-center';
import type { ContactInput } from '../../electron/storage/types';
import { contactsConsole } from './helpers/contacts-console';

const conn: HostConnection = { id: 't', send: () => undefined };

const consoleWith = contactsConsole;

const ldap = {
  // Nothing listens on port 1: the refresh fails at once (the settings are what matters here).
  url: 'ldap://127.0.0.1:1',
  base: 'ou=people,dc=example,dc=com',
  bindDN: 'cn=console,dc=example,dc=com',
  bindPassword: 'ldap-secret',
  refreshMinutes: 0,
  timeoutMs: 1000,
};

describe('the directories section is saved with the settings', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-dirs-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('provisioned at launch, then started at login without --provision: LDAP, queues and country are still there', async () => {
    const store = createSettingsStore(dir);
    const file = parseProvisioning({
      accounts: [],
      directories: { defaultCountry: 'BE', ldap, queues: [{ name: 'Sales', number: '600' }, { name: 'Support', number: '601' }] },
    });
    // First launch, with the administrator's file: the receptionist turns on "start at login" (a save).
    const contacts1 = new ContactsService({ dbPath: ':memory:', config: file.directories });
    const console1 = consoleWith(contacts1, (s) => store.save(s));
    await console1.applyProvisioning(file);
    expect((await console1.dispatch(conn, 'preferences.update', { startAtLogin: true })).ok).toBe(true);
    await console1.stop();
    const onDisk = JSON.parse(fs.readFileSync(store.file, 'utf8')) as { directories?: unknown };
    expect(onDisk.directories).toEqual(file.directories);

    // At login: no provisioning file. The saved settings bring the directories back.
    const contacts2 = new ContactsService({ dbPath: ':memory:' });
    const console2 = consoleWith(contacts2, (s) => store.save(s));
    await store.restore(console2);
    contacts2.start(console2);
    expect(contacts2.config).toEqual(file.directories);
    expect(await console2.dispatch(conn, 'contacts.queues', {})).toEqual({
      ok: true,
      value: [
        { name: 'Sales', number: '600' },
        { name: 'Support', number: '601' },
      ],
    });
    // National numbers are read as Belgian ones: the restored country applies, though the database opened before it.
    await console2.dispatch(conn, 'contacts.create', { contact: { name: 'Bruxelles', phones: [{ type: 'work', number: '02 123 45 67' }] } });
    expect(await contacts2.lookupNumber('+3221234567')).toMatchObject({ name: 'Bruxelles' });
    const status = await console2.dispatch(conn, 'contacts.companyStatus', {});
    expect(status).toMatchObject({ ok: true, value: { configured: true, label: 'LDAP ldap://127.0.0.1:1' } });
    // And they are saved again with the next change.
    await console2.dispatch(conn, 'preferences.update', { language: 'nl' });
    expect(store.load().settings?.directories).toEqual(file.directories);
    await console2.stop();
  });

  it('a provisioning file given at launch wins over the saved directories', async () => {
    const launch = parseProvisioning({ directories: { defaultCountry: 'FR', queues: [{ name: 'Accueil', number: '700' }] } }).directories;
    const saved = parseProvisioning({ directories: { defaultCountry: 'BE', ldap, queues: [{ name: 'Sales', number: '600' }] } });
    const contacts = new ContactsService({ dbPath: ':memory:', config: launch });
    contacts.provision(saved);
    expect(contacts.config).toEqual(launch);
    expect(contacts.persisted()).toEqual({ directories: launch });
    await contacts.stop();
  });

  it('nothing configured: nothing is added to the saved settings', async () => {
    const contacts = new ContactsService({ dbPath: ':memory:' });
    contacts.provision(parseProvisioning({}));
    expect(contacts.persisted()).toEqual({});
    await contacts.stop();
  });
});

/** A company directory whose next answer the test chooses. */
function switchableSource() {
  const state = { entries: [] as ContactInput[] };
  const source: CompanyDirectorySource = {
    label: 'LDAP ldap://directory.example.com',
    async *fetchAll() {
      yield* state.entries;
    },
    close: async () => undefined,
  };
  return { state, source };
}

const people = (n: number): ContactInput[] =>
  Array.from({ length: n }, (_, i) => ({ sourceId: `uid=u${i}`, name: `Person ${i}`, phones: [{ type: 'work' as const, number: `+33 1 44 55 ${String(10 + (i % 90))} ${String(i % 100).padStart(2, '0')}` }] }));

describe('a short LDAP answer does not wipe the offline company directory', () => {
  it('empty, then far shorter: the copy is kept, the status and one message say why; force applies it', async () => {
    const { state, source } = switchableSource();
    state.entries = people(40);
    const contacts = new ContactsService({ dbPath: ':memory:', companySource: source });
    const added: GlobalMessage[] = [];
    contacts.start({ messages: new MessageCenter((m) => void (m && added.push(m))) });
    await contacts.refreshCompany();
    const status = () => contacts.companyStatus();
    expect(await status()).toMatchObject({ configured: true, count: 40 });
    const syncedAt = (await status()).lastSyncAt;

    state.entries = [];
    await contacts.refreshCompany();
    const empty: CompanySyncView = await status();
    expect(empty.count).toBe(40);
    expect(empty.lastSyncAt).toBe(syncedAt);
    expect(empty.lastError).toMatch(/answered with 0 entries instead of about 40: the local copy was kept/);
    expect(added.map((m) => [m.level, m.key, m.params])).toEqual([
      ['warning', 'contacts.companyShrunk', { count: 0, found: 0, cached: 40, source: 'LDAP ldap://directory.example.com' }],
    ]);
    expect(await contacts.lookupNumber('+33 1 44 55 10 00')).toMatchObject({ name: 'Person 0' });

    // Still short at the next scheduled refresh: the status says so, no second message.
    state.entries = people(12);
    await contacts.refreshCompany();
    expect(await status()).toMatchObject({ count: 40, lastError: expect.stringMatching(/12 entries instead of about 40/) });
    expect(added).toHaveLength(1);

    // A normal answer again (a few people left): applied, the error is gone.
    state.entries = people(35);
    await contacts.refreshCompany();
    expect(await status()).toMatchObject({ count: 35 });
    expect((await status()).lastError).toBeUndefined();

    // The administrator knows the directory really shrank: forced, it is applied.
    state.entries = people(5);
    await contacts.refreshCompany();
    expect((await status()).count).toBe(35);
    await contacts.refreshCompany({ force: true });
    expect(await status()).toMatchObject({ count: 5 });
    expect((await status()).lastError).toBeUndefined();
    expect(added.map((m) => m.key)).toEqual(['contacts.companyShrunk', 'contacts.companyShrunk']);
    await contacts.stop();
  });

  it('the administrator can turn the check off (ldap.minRefreshRatio 0)', async () => {
    const { state, source } = switchableSource();
    const config = parseProvisioning({ directories: { ldap: { ...ldap, minRefreshRatio: 0 } } }).directories;
    state.entries = people(30);
    const contacts = new ContactsService({ dbPath: ':memory:', config, companySource: source });
    await contacts.refreshCompany();
    state.entries = [];
    await contacts.refreshCompany();
    expect(await contacts.companyStatus()).toMatchObject({ count: 0 });
    await contacts.stop();
  });
});
