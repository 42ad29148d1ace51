/**
 * Company directory against the test bed's real OpenLDAP slapd (tests/testbed/ldap/start.sh: 127.0.0.1:3389,
 * 1,200 generated people with accented names). The receptionist's scenarios: the company tab lists everyone, search
 * finds "helene" → "Hélène", the local copy answers with the LDAP server unreachable, typed text never becomes filter
 * syntax, and an answer that is empty or far shorter than the copy does not wipe it. The bed is shared with other
 * suites: these tests never stop it (an unreachable server is a port nobody listens on).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalMessage } from '../../electron/contract/dto';
import { MessageCenter } from '../../electron/services/message-center';
import { ContactsService } from '../../electron/services/contacts-service';
import { LdapConfigSchema } from '../../electron/services/directory/directory-config';
import { LDAP_BED } from '../testbed/ldap/bed';
import { escapeFilterValue, LdapCompanySource } from '../../electron/services/directory/ldap-source';
import type { ContactHitView, ContactView, CompanySyncView } from '../../electron/contract';

const BED = join(__dirname, '..', 'testbed', 'ldap');
const config = LdapConfigSchema.parse(LDAP_BED);
const conn = { id: 't' } as never;

async function call<T>(svc: ContactsService, name: string, args: unknown): Promise<T> {
  const h = svc.handlers[name as keyof typeof svc.handlers] as (a: unknown, c: unknown) => Promise<T>;
  return h(args, conn);
}

describe('company directory from a real slapd', () => {
  beforeAll(() => {
    execFileSync('bash', [join(BED, 'start.sh')], { stdio: 'inherit' });
  });
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rc-ldap-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => {
    // Leave the bed running for the next suites, as the other beds do.
    execFileSync('bash', [join(BED, 'start.sh')], { stdio: 'inherit' });
  });

  it('the company tab lists every person, search is accent-blind, the cache answers with the server unreachable', async () => {
    const dbPath = join(dir, 'contacts.sqlite');
    const svc = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: config, queues: [] } });
    await svc.refreshCompany();
    const status = await call<CompanySyncView>(svc, 'contacts.companyStatus', {});
    expect(status).toMatchObject({ configured: true, count: 1200 });
    expect(status.lastError).toBeUndefined();

    const page = await call<ContactView[]>(svc, 'contacts.list', { kind: 'company', limit: 1000 });
    expect(page).toHaveLength(1000);
    const helene = await call<ContactHitView[]>(svc, 'contacts.search', { query: 'helene dup' });
    expect(helene.slice(0, 3).every((h) => h.contact.name.startsWith('Hélène Dupré'))).toBe(true);
    const exact = helene.find((h) => h.contact.name === 'Hélène Dupré')!;
    expect(exact.contact).toMatchObject({
      name: 'Hélène Dupré',
      company: 'Exemple SA',
      department: 'Accueil',
      directory: { kind: 'company' },
      emails: ['u00000@example.com'],
    });
    expect(exact.contact.phones.map((p) => p.number)).toEqual(['+33 1 44 55 10 00', '+33 6 12 00 00 00']);
    // Caller lookup from the LDAP copy, in the national format the PBX presents.
    expect(await (await svc.directory()).lookupNumber('0144551000')).toMatchObject({ name: 'Hélène Dupré' });

    await svc.stop();

    // Next start, the server cannot be reached (nothing listens on port 1): the local copy answers.
    const down = LdapConfigSchema.parse({ ...config, url: 'ldap://127.0.0.1:1' });
    const offlineSvc = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: down, queues: [] } });
    await offlineSvc.refreshCompany();
    const offline = await call<CompanySyncView>(offlineSvc, 'contacts.companyStatus', {});
    expect(offline.lastError).toMatch(/could not be read: the server cannot be reached/);
    expect(offline.count).toBe(1200);
    const cached = await call<ContactHitView[]>(offlineSvc, 'contacts.search', { query: 'jérôme' });
    expect(cached.length).toBeGreaterThan(0);
    expect(cached[0]!.contact.name).toMatch(/^Jérôme /);
    await offlineSvc.stop();
  }, 60_000);

  it('an answer that is empty or far shorter than the copy keeps the 1,200 people, says so, and can be forced', async () => {
    const dbPath = join(dir, 'contacts.sqlite');
    const full = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap: config, queues: [] } });
    await full.refreshCompany();
    expect(await full.companyStatus()).toMatchObject({ count: 1200 });
    await full.stop();

    /** The same server, searched with a filter that now matches fewer people (a changed ACL, a wrong filter…). */
    const narrowed = async (filter: string, run: (svc: ContactsService, added: GlobalMessage[]) => Promise<void>) => {
      const ldap = LdapConfigSchema.parse({ ...config, filter });
      const svc = new ContactsService({ dbPath, config: { defaultCountry: 'FR', ldap, queues: [] } });
      const added: GlobalMessage[] = [];
      svc.start({ messages: new MessageCenter((m) => void (m && added.push(m))) });
      await svc.refreshCompany();
      await run(svc, added);
      await svc.stop();
    };

    // Success with nobody in it.
    await narrowed('(&(objectClass=inetOrgPerson)(uid=nobody))', async (svc, added) => {
      const s = await call<CompanySyncView>(svc, 'contacts.companyStatus', {});
      expect(s).toMatchObject({ configured: true, count: 1200, lastError: expect.stringMatching(/0 entries instead of about 1200: the local copy was kept/) });
      expect(added.map((m) => [m.key, m.params])).toEqual([['contacts.companyShrunk', { count: 0, found: 0, cached: 1200, source: 'LDAP ldap://127.0.0.1:3389' }]]);
      expect(await (await svc.directory()).lookupNumber('0144551000')).toMatchObject({ name: 'Hélène Dupré' });
    });
    // Success with ten people (u00000–u00009), then forced by the administrator.
    await narrowed('(&(objectClass=inetOrgPerson)(uid=u0000*))', async (svc, added) => {
      expect(await svc.companyStatus()).toMatchObject({ count: 1200, lastError: expect.stringMatching(/10 entries instead of about 1200/) });
      expect(added.map((m) => m.key)).toEqual(['contacts.companyShrunk']);
      await svc.refreshCompany({ force: true });
      const forced = await svc.companyStatus();
      expect(forced.count).toBe(10);
      expect(forced.lastError).toBeUndefined();
    });
  }, 60_000);

  it('typed text is escaped (RFC 4515): `*)(` is a value, matches nobody and breaks nothing', async () => {
    expect(escapeFilterValue('*)(')).toBe('\\2a\\29\\28');
    expect(escapeFilterValue('a\\b\u0000')).toBe('a\\5cb\\00');
    const source = new LdapCompanySource(config);
    expect(source.searchFilter('*)(')).toBe(
      '(&(objectClass=inetOrgPerson)(|(cn=*\\2a\\29\\28*)(sn=*\\2a\\29\\28*)(givenName=*\\2a\\29\\28*)(o=*\\2a\\29\\28*)(ou=*\\2a\\29\\28*)))',
    );
    expect(await source.search('*)(')).toEqual([]);
    expect(await source.search('*')).toEqual([]);
    const live = await source.search('hélène dupré');
    expect(live[0]!.name).toBe('Hélène Dupré');
    expect(live.every((c) => c.name!.startsWith('Hélène Dupré'))).toBe(true);
    // And the local search treats it as text too.
    const svc = new ContactsService({ dbPath: ':memory:', config: { defaultCountry: 'FR', ldap: config, queues: [] } });
    await svc.refreshCompany();
    expect(await call(svc, 'contacts.search', { query: '*)(' })).toEqual([]);
    await svc.stop();
  }, 60_000);

  it('a wrong password is reported in plain words and leaves the previous copy', async () => {
    const bad = LdapConfigSchema.parse({ ...config, bindPassword: 'wrong' });
    const svc = new ContactsService({ dbPath: ':memory:', config: { defaultCountry: 'FR', ldap: bad, queues: [] } });
    await svc.refreshCompany();
    const s = await call<CompanySyncView>(svc, 'contacts.companyStatus', {});
    expect(s.lastError).toMatch(/company directory .* could not be read: the bind DN or password was refused/);
    expect(s.count).toBe(0);
    await svc.stop();
  }, 30_000);
});
