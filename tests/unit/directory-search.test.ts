import { ContactStore } from '../../electron/storage/contact-store';
import { Database } from '../../electron/storage/db';
import { migrate } from '../../electron/storage/migrate';
import { DirectorySearch } from '../../electron/services/directory/search';

describe('search-as-you-type and caller lookup', () => {
  let db: Database;
  let store: ContactStore;
  let search: DirectorySearch;
  let personal: number;
  let company: number;

  beforeAll(async () => {
    db = await Database.open(':memory:');
    await migrate(db);
    store = new ContactStore(db, { defaultCountry: 'FR' });
    search = new DirectorySearch(store, 'FR');
    personal = (await store.ensureDirectory('personal', 'Personal')).id;
    company = (await store.ensureDirectory('company', 'Company')).id;
    await store.create(personal, {
      firstName: 'Hélène', lastName: 'Dupré', company: 'Acmé', department: 'Comptabilité',
      phones: [{ type: 'mobile', number: '06 12 34 56 78' }],
    });
    await store.create(company, {
      firstName: 'Helen', lastName: 'Smith', company: 'Globex', phones: [{ type: 'extension', number: '201' }],
    });
    await store.create(company, {
      firstName: 'Hector', lastName: 'Favori', favorite: true, phones: [{ type: 'work', number: '+33 1 40 00 02 01' }],
    });
    await store.create(company, { name: 'Reception desk', phones: [{ type: 'extension', number: '2010' }] });
    await store.create(personal, { name: 'Zoë Ørsted', emails: ['zoe@example.com'] });
  });
  afterAll(() => db.close());

  const names = (hits: { contact: { name: string } }[]): string[] => hits.map((h) => h.contact.name);

  it('receptionist types "helene" without accents and finds Hélène, with her directory', async () => {
    const hits = await search.search('helene');
    expect(names(hits)).toEqual(['Hélène Dupré']);
    expect(hits[0]!.directory.kind).toBe('personal');
    expect(hits[0]!.matchedOn).toBe('name');
  });

  it('prefixes, case and accents in the query are ignored: "HÉL" finds Hélène and Helen', async () => {
    expect(names(await search.search('HÉL')).sort()).toEqual(['Helen Smith', 'Hélène Dupré']);
  });

  it('favorites come first among name matches', async () => {
    expect(names(await search.search('he'))[0]).toBe('Hector Favori');
  });

  it('company and department are searchable and reported as such', async () => {
    const hits = await search.search('comptab');
    expect(names(hits)).toEqual(['Hélène Dupré']);
    expect(hits[0]!.matchedOn).toBe('company');
    expect(names(await search.search('globex'))).toEqual(['Helen Smith']);
  });

  it('ligatures and slashed letters fold too ("zoe orsted")', async () => {
    expect(names(await search.search('zoe orsted'))).toEqual(['Zoë Ørsted']);
  });

  it('a number typed in any format finds the mobile: national, international, spaced or dotted', async () => {
    for (const q of ['0612', '+33 6 12', '33612', '06.12.34.56.78', '+33612345678']) {
      expect(names(await search.search(q))).toContain('Hélène Dupré');
    }
  });

  it('an exact extension ranks first, before longer numbers that start or end with it', async () => {
    const hits = await search.search('201');
    expect(hits[0]!.contact.name).toBe('Helen Smith');
    expect(hits[0]!.matchedOn).toBe('extension');
    expect(names(hits)).toEqual(expect.arrayContaining(['Reception desk', 'Hector Favori']));
  });

  it('FTS5 syntax typed by the user is plain text and never throws', async () => {
    for (const q of ['*)(', '"', 'hel"ene', 'NEAR(a b)', 'a OR', '-', '^', "o'brien", '((((']) {
      await expect(search.search(q)).resolves.toBeInstanceOf(Array);
    }
    expect(await search.search('*)(')).toEqual([]);
  });

  it('results can be restricted to some directories', async () => {
    expect(names(await search.search('hel', { directoryIds: [company] }))).toEqual(['Helen Smith']);
  });

  it('caller lookup finds a contact from the E.164 caller id the PBX presents', async () => {
    expect((await search.lookupNumber('+33612345678'))?.name).toBe('Hélène Dupré');
    expect((await search.lookupNumber('0033 6 12 34 56 78'))?.name).toBe('Hélène Dupré');
    expect((await search.lookupNumber('sip:0612345678@pbx.example'))?.name).toBe('Hélène Dupré');
  });

  it('caller lookup matches internal extensions exactly, then a DID ending with the extension', async () => {
    expect((await search.lookupNumber('201'))?.name).toBe('Helen Smith');
    expect((await search.lookupNumber('2010'))?.name).toBe('Reception desk');
    // A 10-digit DID that nobody stores whose tail is extension 2010.
    expect((await search.lookupNumber('+33 1 99 99 20 10'))?.name).toBe('Reception desk');
    expect(await search.lookupNumber('+44 20 7946 0000')).toBeUndefined();
  });

  it('when two directories know a number, the one with the higher priority wins', async () => {
    const outlook = (await store.ensureDirectory('outlook', 'Outlook')).id;
    await store.create(outlook, { name: 'Helene (Outlook copy)', phones: [{ type: 'mobile', number: '+33612345678' }] });
    const found = await search.lookupNumber('+33612345678');
    expect(found?.name).toBe('Hélène Dupré');
    expect(found?.directory.kind).toBe('personal');
  });

  it('editing a contact updates the index: the old name is no longer found', async () => {
    const c = await store.create(personal, { name: 'Temporary Name', phones: [{ type: 'work', number: '0144556677' }] });
    await store.update(c.id, { name: 'Renamed Person', phones: [{ type: 'work', number: '0144556677' }] });
    expect(await search.search('temporary')).toEqual([]);
    expect(names(await search.search('renamed'))).toEqual(['Renamed Person']);
    await store.delete(c.id);
    expect(await search.search('renamed')).toEqual([]);
    expect(await search.lookupNumber('0144556677')).toBeUndefined();
  });
});
