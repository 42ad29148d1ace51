import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContactStore } from '../../electron/storage/contact-store';
import { Database } from '../../electron/storage/db';
import { migrate } from '../../electron/storage/migrate';
import { DirectorySearch } from '../../electron/services/directory/search';
import { words } from '../../electron/storage/text';
import { seededRandom } from '../lib/seeded-random';

/** An in-memory contacts database with its search, as the storage worker's services hold them. */
async function openSearch(): Promise<{ db: Database; store: ContactStore; search: DirectorySearch }> {
  const db = await Database.open(':memory:');
  await migrate(db);
  const store = new ContactStore(db, { defaultCountry: 'FR' });
  return { db, store, search: new DirectorySearch(store, 'FR') };
}

describe('search-as-you-type and caller lookup', () => {
  let db: Database;
  let store: ContactStore;
  let search: DirectorySearch;
  let personal: number;
  let company: number;

  beforeAll(async () => {
    ({ db, store, search } = await openSearch());
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

  it('the hidden favorite flag is not searchable: "f", "fa" and "fav" list Fabienne and Favori, not every favorite', async () => {
    const fabienne = await store.create(company, { firstName: 'Fabienne', lastName: 'Roux' });
    const martin = await store.create(company, { firstName: 'Martin', lastName: 'Dubois', company: 'Globex', favorite: true });
    for (const q of ['f', 'fa']) {
      const found = names(await search.search(q));
      expect(found).toEqual(['Hector Favori', 'Fabienne Roux']); // the favorite whose name matches first
      expect(found).not.toContain('Martin Dubois');
    }
    expect(names(await search.search('fav'))).toEqual(['Hector Favori']);
    await store.delete(fabienne.id);
    await store.delete(martin.id);
  });

  it('favorites are ranked among themselves as the others are: a name starting with the query before a department', async () => {
    const made = [
      await store.create(company, { firstName: 'Paul', lastName: 'Durand', department: 'Marketing', favorite: true }),
      await store.create(company, { firstName: 'Anne', lastName: 'Mazet', favorite: true }),
      await store.create(company, { firstName: 'Marie', lastName: 'Curie', favorite: true }),
      await store.create(company, { firstName: 'Maxime', lastName: 'Roux' }),
    ];
    const hits = await search.search('ma');
    expect(names(hits)).toEqual(['Marie Curie', 'Anne Mazet', 'Paul Durand', 'Maxime Roux']);
    expect(hits.map((h) => h.matchedOn)).toEqual(['name', 'name', 'company', 'name']);
    for (const c of made) await store.delete(c.id);
  });

  it('a match after a hyphen is reported as a name match ("pierre" in Jean-Pierre), a company match as such', async () => {
    const jp = await store.create(company, { name: 'Jean-Pierre Lacroix', company: 'Pierrelatte Transports' });
    const [hit] = await search.search('pierre');
    expect(hit?.contact.name).toBe('Jean-Pierre Lacroix');
    expect(hit?.matchedOn).toBe('name');
    expect((await search.search('pierrelat'))[0]?.matchedOn).toBe('company');
    await store.delete(jp.id);
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

describe('search: words longer than the index\'s longest prefix (8 characters)', () => {
  let db: Database;
  let store: ContactStore;
  let search: DirectorySearch;
  let dir: number;

  beforeEach(async () => {
    ({ db, store, search } = await openSearch());
    dir = (await store.ensureDirectory('company', 'Company')).id;
  });
  afterEach(() => db.close());

  const names = (hits: { contact: { name: string } }[]): string[] => hits.map((h) => h.contact.name).sort();

  it('a whole long word finds the words that start with it, after a space, a hyphen or an apostrophe, and no other', async () => {
    await store.create(dir, { name: 'Paul Martin', company: 'Électricité Générale' });
    await store.create(dir, { name: 'Marc Electricien' }); // shares the first 8 characters only
    await store.create(dir, { name: 'Luc Dubois', company: "SARL-Électricité d'Électricités", favorite: true });
    await store.create(dir, { name: 'Électricien Nonélectricité' }); // "electricite" inside a word, not at its start
    expect(names(await search.search('electricite'))).toEqual(['Luc Dubois', 'Paul Martin']);
    expect((await search.search('electricite'))[0]!.contact.name).toBe('Luc Dubois'); // the favorite first
    expect(names(await search.search('ÉLECTRICITÉ gén'))).toEqual(['Paul Martin']);
    expect(names(await search.search('electricites'))).toEqual(['Luc Dubois']);
    expect(names(await search.search('electricien'))).toEqual(['Marc Electricien', 'Électricien Nonélectricité']);
    expect(names(await search.search('electricienne'))).toEqual([]);
    expect(names(await search.search('electric'))).toHaveLength(4);
  });

  it('finds exactly the contacts a word-by-word reading finds, on random names made of few letters', async () => {
    // Words of 6 to 12 letters from four syllables share their first 8 characters often: the cut query and the
    // whole-word check are both exercised. Separators: space, hyphen, apostrophe, full stop.
    const rnd = seededRandom(1405);
    const syllables = ['ab', 'ac', 'ba', 'ca'];
    const word = (): string => Array.from({ length: 3 + rnd.int(4) }, () => rnd.pick(syllables)).join('');
    const seps = [' ', '-', "'", '. '];
    const texts: { name: string; company: string }[] = [];
    for (let i = 0; i < 400; i++) {
      const t = { name: `${word()}${rnd.pick(seps)}${word()}`, company: rnd.int(3) === 0 ? '' : `${word()}${rnd.pick(seps)}${word()}` };
      texts.push(t);
      await store.create(dir, { ...t, favorite: rnd.int(10) === 0 });
    }
    const expected = (q: string): string[] => {
      const qs = words(q);
      return texts
        .filter((t) => { const ws = words(`${t.name} ${t.company}`); return qs.every((w) => ws.some((x) => x.startsWith(w))); })
        .map((t) => t.name)
        .sort();
    };
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      // A prefix of 9 to 12 characters of an existing word (it matches), sometimes with a second, shorter word.
      const source = words(`${rnd.pick(texts).name} ${rnd.pick(texts).company}`).filter((w) => w.length >= 9);
      if (source.length === 0) continue;
      const w = rnd.pick(source);
      const q = w.slice(0, 9 + rnd.int(w.length - 8)) + (rnd.int(3) === 0 ? ` ${word().slice(0, 2 + rnd.int(6))}` : '');
      const want = expected(q);
      if (want.length > 150) continue; // beyond the ranked candidates a search shows a page, not every match
      expect([q, names(await search.search(q, { limit: 200 }))]).toEqual([q, want]);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('search: favorites seen from a read connection while another connection writes', () => {
  it('a favorite set, renamed or cleared through the writer is what the next search on the reader shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-search-favs-'));
    const writer = await Database.open(join(dir, 'contacts.sqlite'));
    try {
      await migrate(writer);
      const store = new ContactStore(writer, { defaultCountry: 'FR' });
      const d = (await store.ensureDirectory('company', 'Company')).id;
      const zoe = await store.create(d, { firstName: 'Zoé', lastName: 'Marchal' });
      const marc = await store.create(d, { firstName: 'Marc', lastName: 'Abel' });
      const reader = await Database.open(join(dir, 'contacts.sqlite'), { readonly: true });
      try {
        const search = new DirectorySearch(new ContactStore(reader, { defaultCountry: 'FR' }), 'FR');
        const top = async (): Promise<string[]> => (await search.search('mar')).map((h) => h.contact.name);
        expect(await top()).toEqual(['Marc Abel', 'Zoé Marchal']);
        await store.setFavorite(zoe.id, true);
        expect(await top()).toEqual(['Zoé Marchal', 'Marc Abel']);
        await store.update(zoe.id, { firstName: 'Zoé', lastName: 'Dupont', favorite: true });
        expect(await top()).toEqual(['Marc Abel']);
        await store.setFavorite(marc.id, true);
        await store.setFavorite(zoe.id, false);
        expect(await top()).toEqual(['Marc Abel']);
        expect((await search.search('dupont')).map((h) => h.contact.name)).toEqual(['Zoé Dupont']);
      } finally {
        await reader.close();
      }
    } finally {
      await writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
