/**
 * Issue 14: the company directory refresh runs in the storage worker, not on the console's main loop. Against the test
 * bed's real slapd (tests/testbed/ldap: 127.0.0.1:3389, 1,200 people): the worker connects, pages, decodes and writes
 * with progress and cancel, and its failures reach the receptionist in her words. The proof that nothing of it runs
 * here is structural: this test's module registry records any load of ldapts on this (the main) thread, and a full
 * refresh through the worker must leave it untouched (the worker loads the real package in its own thread).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { companyErrorKey, ContactsService } from '../../electron/services/contacts-service';
import { LdapConfigSchema } from '../../electron/services/directory/directory-config';
import { LDAP_BED } from '../testbed/ldap/bed';
import type { CompanySyncProgress } from '../../electron/services/directory/directory-service';
import { LdapError } from '../../electron/services/directory/ldap-failure';
import { LdapCompanySource } from '../../electron/services/directory/ldap-source';
import { DirectoryClient } from '../../electron/services/directory/worker/directory-client';
import { storageWorkerFile } from '../unit/helpers/storage-worker';

/** Set when anything on this thread loads ldapts (the real package is returned: a load here would still work). */
const loadedHere = globalThis as { rcLdaptsLoadedOnMain?: boolean };
jest.mock('ldapts', () => {
  (globalThis as { rcLdaptsLoadedOnMain?: boolean }).rcLdaptsLoadedOnMain = true;
  return jest.requireActual('ldapts');
});

const BED = join(__dirname, '..', 'testbed', 'ldap');
const config = LdapConfigSchema.parse(LDAP_BED);

let dir: string;
let workerFile: string;
beforeAll(() => {
  // Idempotent: a running slapd is kept (the bed is shared; never stopped here).
  execFileSync('bash', [join(BED, 'start.sh')], { stdio: 'inherit' });
  workerFile = storageWorkerFile();
});
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rc-ldap-worker-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('company directory refresh in the storage worker (real slapd)', () => {
  it('1,200 people fetched, decoded and written by the worker, with progress; this thread never loads ldapts', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'contacts.sqlite'), defaultCountry: 'FR', workerFile });
    const progress: CompanySyncProgress[] = [];
    const r = await client.syncCompany(new LdapCompanySource(config), { onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ inserted: 1200, updated: 0, removed: 0 });
    // One report per page of 500 while fetching (the total is unknown until the last page), then the write's.
    expect(progress.filter((p) => p.phase === 'fetch').map((p) => p.done)).toEqual([500, 1000, 1200]);
    expect(progress.at(-1)).toEqual({ phase: 'write', done: 1200, total: 1200 });
    const company = (await client.listDirectories()).find((d) => d.kind === 'company')!;
    expect(await client.countContacts(company.id)).toBe(1200);
    expect(await client.lookupNumber('0144551000')).toMatchObject({ name: 'Hélène Dupré', company: 'Exemple SA' });
    // Again: the same people, all matched to their copy (counted as updated), nobody added or removed.
    expect(await client.syncCompany(new LdapCompanySource(config))).toEqual({ inserted: 0, updated: 1200, removed: 0 });
    await client.close();
    expect(loadedHere.rcLdaptsLoadedOnMain).toBeUndefined();
  }, 60_000);

  it('a cancelled refresh stops between pages and keeps the copy; the next one completes it', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'contacts.sqlite'), defaultCountry: 'FR', workerFile });
    const ten = new LdapCompanySource(LdapConfigSchema.parse({ ...config, filter: '(&(objectClass=inetOrgPerson)(uid=u0000*))' }));
    expect(await client.syncCompany(ten)).toMatchObject({ inserted: 10 });
    const abort = new AbortController();
    const seen: CompanySyncProgress[] = [];
    const cancelled = client.syncCompany(new LdapCompanySource(config), {
      force: true,
      signal: abort.signal,
      onProgress: (p) => {
        seen.push(p);
        abort.abort(); // the receptionist cancels as soon as the first page is in
      },
    });
    await expect(cancelled).rejects.toMatchObject({ name: 'StorageError', code: 'aborted' });
    expect(seen[0]).toEqual({ phase: 'fetch', done: 500 });
    expect(seen.some((p) => p.phase === 'write')).toBe(false);
    const company = (await client.listDirectories()).find((d) => d.kind === 'company')!;
    expect(await client.countContacts(company.id)).toBe(10);
    expect(await client.syncCompany(new LdapCompanySource(config), { force: true })).toEqual({ inserted: 1190, updated: 10, removed: 0 });
    await client.close();
    expect(loadedHere.rcLdaptsLoadedOnMain).toBeUndefined();
  }, 60_000);

  it('the console (both hosts run the worker) tells a wrong password and an unreachable server in plain words', async () => {
    const dbPath = join(dir, 'contacts.sqlite');
    const ok = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: config, queues: [] }, storageWorker: { workerFile } });
    await ok.refreshCompany();
    expect(await ok.companyStatus()).toMatchObject({ configured: true, count: 1200 });
    expect((await ok.companyStatus()).lastError).toBeUndefined();
    await ok.stop();

    const cases = [
      [LdapConfigSchema.parse({ ...config, bindPassword: 'wrong' }), 'contacts.companyError.credentials', /the bind DN or password was refused/],
      [LdapConfigSchema.parse({ ...config, url: 'ldap://127.0.0.1:1' }), 'contacts.companyError.unreachable', /the server cannot be reached/],
      [LdapConfigSchema.parse({ ...config, base: 'ou=nowhere,dc=example,dc=com' }), 'contacts.companyError.base', /search base does not exist/],
    ] as const;
    for (const [ldap, key, text] of cases) {
      const svc = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap, queues: [] }, storageWorker: { workerFile } });
      await svc.refreshCompany();
      const s = await svc.companyStatus();
      expect(s).toMatchObject({ lastErrorKey: key, count: 1200, lastError: expect.stringMatching(text) });
      await svc.stop();
      // And the error object itself crossed as the class the console tests.
      const client = await DirectoryClient.open({ dbPath, defaultCountry: 'FR', workerFile });
      const err = await client.syncCompany(new LdapCompanySource(ldap)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LdapError);
      expect(companyErrorKey(err, 'x').key).toBe(key);
      await client.close();
    }
    expect(loadedHere.rcLdaptsLoadedOnMain).toBeUndefined();
  }, 60_000);

  it('the Company tab sees how far a refresh is, and her Cancel keeps the copy without calling it a failure', async () => {
    const dbPath = join(dir, 'contacts.sqlite');
    const ten = LdapConfigSchema.parse({ ...config, filter: '(&(objectClass=inetOrgPerson)(uid=u0000*))' });
    const first = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: ten, queues: [] }, storageWorker: { workerFile } });
    await first.refreshCompany();
    expect(await first.companyStatus()).toMatchObject({ count: 10 });
    await first.stop();

    const svc = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: config, queues: [] }, storageWorker: { workerFile } });
    // A full refresh, watched as the tab does (it polls contacts.companyStatus): the worker's progress reaches it.
    const seen: unknown[] = [];
    const full = svc.refreshCompany({ force: true });
    let over = false;
    void full.then(() => (over = true));
    while (!over) {
      const s = await svc.companyStatus();
      if (s.progress) seen.push(s.progress);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(expect.arrayContaining([expect.objectContaining({ phase: expect.stringMatching(/^(fetch|write)$/) })]));
    expect(await svc.companyStatus()).toMatchObject({ count: 1200 });
    expect((await svc.companyStatus()).progress).toBeUndefined();
    await svc.stop();

    // Cancelled as soon as it starts: nothing written, no error shown, not refreshing any more.
    const back = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: ten, queues: [] }, storageWorker: { workerFile } });
    const shrink = back.refreshCompany({ force: true });
    await back.cancelCompanyRefresh();
    await shrink;
    const after = await back.companyStatus();
    expect(after).toMatchObject({ count: 1200 });
    expect(after.refreshing).toBeUndefined();
    expect(after.lastErrorKey).toBeUndefined();
    await back.stop();
  }, 60_000);

  it('the detector above bites: the live search (small, left on the caller thread) does load ldapts here', async () => {
    const live = await new LdapCompanySource(config).search('hélène dupré');
    expect(live[0]!.name).toBe('Hélène Dupré');
    expect(loadedHere.rcLdaptsLoadedOnMain).toBe(true);
  }, 30_000);
});
