import * as fs from 'node:fs';
import * as path from 'node:path';
import iconv from 'iconv-lite';
import type { ContactStore } from '../../electron/storage/contact-store';
import type { Database } from '../../electron/storage/db';
import type { Contact } from '../../electron/storage/types';
import {
  exportContactsCsv,
  ImportError,
  importContacts,
  parseContactsFile,
  previewImport,
  type ImportProgress,
} from '../../electron/services/directory/import';
import { DirectorySearch } from '../../electron/services/directory/search';
import { dumpContacts, freshContactStore } from './helpers/contact-db';

const fixture = (name: string): Buffer => fs.readFileSync(path.join(__dirname, '../fixtures/contacts', name));

async function freshStore(): Promise<{ db: Database; store: ContactStore; personal: number }> {
  const { dir, ...rest } = await freshContactStore('personal', 'Personal');
  return { ...rest, personal: dir };
}

describe('parsing Outlook and vCard exports', () => {
  it('French Outlook CSV in Windows-1252: accents, both "Titre" columns by position, multi-line notes', () => {
    const parsed = parseContactsFile(fixture('outlook-fr-cp1252.csv'));
    expect(parsed.format).toBe('outlook-csv-fr');
    expect(parsed.encoding).toBe('windows-1252');
    const [jf, helene, berenice] = parsed.contacts.map((c) => c.contact);
    expect(jf).toMatchObject({
      name: 'Jean-François Lefèvre', firstName: 'Jean-François', lastName: 'Lefèvre', company: 'Électricité Générale',
      department: 'Comptabilité', title: 'Directeur financier', emails: ['jf.lefevre@example.fr'],
      phones: [{ type: 'work', number: '+33 1 42 68 53 00' }, { type: 'mobile', number: '06 12 34 56 78' }],
    });
    expect(jf!.notes).toBe('Préfère être appelé le matin\r\nBâtiment B, 2e étage');
    // Exchange X.500 "address" is not an e-mail; cp1252-only characters (€, Œ) decode.
    expect(helene).toMatchObject({ name: 'Hélène Dupré', company: 'Crème & Pâtisserie', emails: [], notes: 'Budget 2 000 € — Œuvre caritative' });
    expect(helene!.phones).toEqual([{ type: 'work', number: '01 45 67 89 10' }, { type: 'home', number: '+33 4 78 00 11 22' }]);
    expect(berenice).toMatchObject({ name: 'Bérénice Œillet', department: 'Accueil', phones: [{ type: 'other', number: '201' }] });
    expect(parsed.skipped).toEqual([{ row: 4, reason: 'no name, company, number or e-mail' }]);
  });

  it('English Outlook CSV (UTF-8 with BOM): "Title" is the courtesy title, "Job Title" the job', () => {
    const parsed = parseContactsFile(fixture('outlook-en.csv'));
    expect(parsed.format).toBe('outlook-csv-en');
    expect(parsed.encoding).toBe('utf-8');
    expect(parsed.contacts.map((c) => c.contact.name)).toEqual(['John Smith', "Mary O'Brien", '']);
    expect(parsed.contacts[0]!.contact).toMatchObject({ title: 'Account Manager', department: 'Sales' });
    expect(parsed.contacts[1]!.contact.emails).toEqual(['mary@example.com', 'mary.obrien@example.org']);
    expect(parsed.contacts[2]!.contact).toMatchObject({ company: 'Initech Front Desk', phones: [{ type: 'main', number: '+44 20 7946 0018' }] });
  });

  it('Outlook.com CSV has its own column order and is recognised', () => {
    const parsed = parseContactsFile(fixture('outlook-com.csv'));
    expect(parsed.format).toBe('outlook-com-csv');
    expect(parsed.contacts[0]!.contact).toMatchObject({ name: 'Zoë Ørsted', title: 'Head of Research', company: 'Nordisk Lab' });
    expect(parsed.contacts[1]!.contact.phones).toEqual([{ type: 'home', number: '04 91 00 00 02' }, { type: 'work', number: '04 91 00 00 01' }]);
  });

  it('vCard 2.1 from Outlook: QUOTED-PRINTABLE in cp1252 and UTF-8, soft line breaks, bare TEL types', () => {
    const parsed = parseContactsFile(fixture('vcard21-outlook.vcf'));
    expect(parsed.format).toBe('vcard');
    const [jf, helene] = parsed.contacts.map((c) => c.contact);
    expect(jf).toMatchObject({
      name: 'Jean-François Lefèvre', company: 'Électricité Générale', department: 'Comptabilité',
      phones: [{ type: 'work', number: '+33 1 42 68 53 00' }, { type: 'mobile', number: '06 12 34 56 78' }, { type: 'fax', number: '01 42 68 53 01' }],
      emails: ['jf.lefevre@example.fr'],
    });
    expect(jf!.notes).toBe('Préfère être appelé le matin\r\nBâtiment B');
    expect(helene).toMatchObject({ name: 'Hélène Dupré', firstName: 'Hélène', lastName: 'Dupré' });
  });

  it('vCard 3.0: folded lines, TYPE lists, escapes, UID as source id', () => {
    const [john] = parseContactsFile(fixture('vcard30.vcf')).contacts.map((c) => c.contact);
    expect(john).toMatchObject({ sourceId: 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1', company: 'Acme Corp', department: 'Sales' });
    expect(john!.phones!.map((p) => p.type)).toEqual(['work', 'mobile', 'home']);
    expect(john!.notes).toBe('Prefers e-mail, then phone.\nDesk on the 3rd floor; badge required. This note is long enough to be folded onto a second line.');
  });

  it('vCard 4.0: tel: URIs with extensions, quoted TYPE lists, photos ignored', () => {
    const [anais] = parseContactsFile(fixture('vcard40.vcf')).contacts.map((c) => c.contact);
    expect(anais).toMatchObject({
      name: 'Anaïs Château', company: 'Réception Centrale',
      phones: [{ type: 'work', number: '+33-1-23-45-67-89' }, { type: 'mobile', number: '+33-6-98-76-54-32' }, { type: 'work', number: '2010' }],
    });
  });

  it('a semicolon-separated CSV (French Excel "CSV (séparateur: point-virgule)") is read the same', () => {
    const text = '"Prénom";"Nom";"Société";"Tél. mobile"\r\n"Anaïs";"Château";"ACME";"06 11 22 33 44"\r\n';
    const parsed = parseContactsFile(iconv.encode(text, 'win1252'));
    expect(parsed.contacts[0]!.contact).toMatchObject({ name: 'Anaïs Château', phones: [{ type: 'mobile', number: '06 11 22 33 44' }] });
  });
});

describe('importing into the database', () => {
  let db: Database;
  let store: ContactStore;
  let personal: number;
  beforeEach(async () => {
    ({ db, store, personal } = await freshStore());
  });
  afterEach(() => db.close());

  it('preview shows the first rows and counts without writing anything', async () => {
    const before = await dumpContacts(db);
    const preview = previewImport(fixture('outlook-fr-cp1252.csv'), 2);
    expect(preview).toMatchObject({ format: 'outlook-csv-fr', total: 4, valid: 3, skipped: [{ row: 4 }] });
    expect(preview.sample.map((c) => c.name)).toEqual(['Jean-François Lefèvre', 'Hélène Dupré']);
    expect(await dumpContacts(db)).toEqual(before);
  });

  it('imports with progress reports, then finds the contacts by accent-free name and by number', async () => {
    const progress: ImportProgress[] = [];
    const report = await importContacts(store, personal, fixture('outlook-fr-cp1252.csv'), { onProgress: (p) => progress.push(p) });
    expect(report).toMatchObject({ inserted: 3, updated: 0, skipped: [{ row: 4, reason: 'no name, company, number or e-mail' }] });
    expect(progress.at(-1)).toEqual({ phase: 'write', done: 3, total: 3 });
    expect(progress.some((p) => p.phase === 'parse')).toBe(true);
    const search = new DirectorySearch(store, 'FR');
    expect((await search.search('lefevre'))[0]?.contact.name).toBe('Jean-François Lefèvre');
    expect((await search.lookupNumber('+33612345678'))?.name).toBe('Jean-François Lefèvre');
  });

  it('re-importing the same file updates instead of duplicating; vCard UID matches across edits', async () => {
    await importContacts(store, personal, fixture('outlook-fr-cp1252.csv'));
    const again = await importContacts(store, personal, fixture('outlook-fr-cp1252.csv'));
    expect(again).toMatchObject({ inserted: 0, updated: 3 });
    expect(await store.count(personal)).toBe(3);

    await importContacts(store, personal, fixture('vcard30.vcf'));
    const edited = fixture('vcard30.vcf').toString('utf8').replace('FN:John Smith', 'FN:John A. Smith').replace('555-0100', '555-0111');
    const r = await importContacts(store, personal, Buffer.from(edited));
    expect(r).toMatchObject({ inserted: 0, updated: 1 });
    const [john] = (await store.list(personal)).filter((c) => c.sourceId?.startsWith('urn:uuid:4fbe'));
    expect(john).toMatchObject({ name: 'John A. Smith' });
    expect(john!.phones[0]!.number).toBe('+1 (212) 555-0111');
  });

  it('the same person from Outlook CSV and Outlook vCard (same name + number) is one contact', async () => {
    await importContacts(store, personal, fixture('outlook-fr-cp1252.csv'));
    const r = await importContacts(store, personal, fixture('vcard21-outlook.vcf'));
    expect(r).toMatchObject({ inserted: 0, updated: 2 });
  });

  it('a person listed twice far apart in one big file becomes one contact with the later data', async () => {
    const lines = ['"First Name","Last Name","Mobile Phone","Job Title"', '"Ann","Lee","06 11 11 11 11","Intern"'];
    for (let i = 0; i < 450; i++) lines.push(`"P${i}","Bulk","01 02 03 ${String(i).padStart(4, '0').replace(/(..)(?=.)/g, '$1 ')}",""`);
    lines.push('"Ann","Lee","06 11 11 11 11","Manager"');
    const r = await importContacts(store, personal, Buffer.from(lines.join('\r\n')));
    expect(r).toMatchObject({ inserted: 451, updated: 0 });
    const ann = (await store.list(personal)).filter((c) => c.name === 'Ann Lee');
    expect(ann).toHaveLength(1);
    expect(ann[0]).toMatchObject({ title: 'Manager', phones: [{ type: 'mobile', number: '06 11 11 11 11' }] });
  });

  it('a failure half-way through writing rolls the whole import back', async () => {
    await importContacts(store, personal, fixture('outlook-en.csv'));
    const before = await dumpContacts(db);
    const lines = ['"First Name","Last Name","Mobile Phone"'];
    for (let i = 0; i < 2500; i++) lines.push(`"Person${i}","Bulk","06 ${String(10000000 + i).replace(/(..)(?=.)/g, '$1 ')}"`);
    const big = Buffer.from(lines.join('\r\n'));
    const err = await importContacts(store, personal, big, {
      onProgress: (p) => {
        if (p.phase === 'write' && p.done >= 2000) throw new Error('disk full (simulated)');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('disk full (simulated)');
    expect(await dumpContacts(db)).toEqual(before);
  });

  it('a dry run reports exact counts and leaves the database unchanged', async () => {
    const before = await dumpContacts(db);
    const r = await importContacts(store, personal, fixture('outlook-en.csv'), { dryRun: true });
    expect(r).toMatchObject({ inserted: 3, updated: 0, dryRun: true });
    expect(await dumpContacts(db)).toEqual(before);
  });
});

describe('hostile or broken files give a clear, typed error and change nothing', () => {
  let db: Database;
  let store: ContactStore;
  let personal: number;
  beforeAll(async () => {
    ({ db, store, personal } = await freshStore());
    await importContacts(store, personal, fixture('outlook-en.csv'));
  });
  afterAll(() => db.close());

  const header = '"First Name","Last Name","Mobile Phone"\r\n';
  const cases: [string, () => Buffer, string, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), 'empty', /empty/],
    ['a binary file (PNG)', () => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(512, 7)]), 'binary', /not a text file/],
    ['a truncated CSV (ends inside quotes)', () => Buffer.from(`${header}"Ann","Lee","06 1`), 'truncated', /truncated/],
    ['a truncated vCard', () => fixture('vcard30.vcf').subarray(0, 120), 'truncated', /truncated/],
    ['a pipe-delimited file', () => Buffer.from('First Name|Last Name|Mobile Phone\r\nAnn|Lee|0611\r\n'), 'wrong-delimiter', /commas, semicolons or tabs/],
    ['a CSV with unknown columns', () => Buffer.from('a,b,c\r\n1,2,3\r\n'), 'unknown-format', /column names/],
    ['a 10 MB single line', () => Buffer.from(`${header}"${'x'.repeat(10 * 1024 * 1024)}","Lee","0611"\r\n`), 'line-too-long', /longer than/],
    ['a CSV with a formula', () => Buffer.from(`${header}"Ann","Lee","0611"\r\n"=HYPERLINK(""http://x"",""y"")","Doe","0612"\r\n`), 'formula', /row 3 contains a spreadsheet formula/i],
    ['a CSV with a DDE payload', () => Buffer.from(`${header}"Bob","-cmd|' /C calc'!A0","0612"\r\n`), 'formula', /formula/],
  ];
  it.each(cases)('%s', async (_label, make, code, message) => {
    const before = await dumpContacts(db);
    const err = await importContacts(store, personal, make()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).code).toBe(code);
    expect((err as ImportError).message).toMatch(message);
    expect(await dumpContacts(db)).toEqual(before);
  });
});

describe('export and re-import of personal contacts', () => {
  it('round-trips losslessly, neutralising formula-looking cells while +33 numbers survive', async () => {
    const a = await freshStore();
    const tricky = await a.store.create(a.personal, {
      name: 'Ann "The Boss" Lee', firstName: 'Ann', lastName: 'Lee', company: '=Evil Corp', department: '-minus',
      title: '@handle', notes: "Line 1\nLine 2, with comma; and semicolon\n'=quoted", favorite: true, sourceId: 'src-1',
      phones: [
        { type: 'work', number: '+33 1 42 68 53 00' }, { type: 'work', number: '+33 1 42 68 53 01' },
        { type: 'work', number: '+33 1 42 68 53 02' }, { type: 'mobile', number: '+33 6 12 34 56 78' },
        { type: 'extension', number: '201' }, { type: 'fax', number: '-12' },
      ],
      emails: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'],
    });
    await a.store.create(a.personal, { firstName: 'Hélène', lastName: 'Dupré', phones: [{ type: 'home', number: '04 78 00 11 22' }] });
    const csv = await exportContactsCsv(a.store, a.personal);
    const text = csv.toString('utf8');
    expect(text.startsWith('\uFEFFFirst Name,Last Name,Company')).toBe(true);
    expect(text).toContain("'=Evil Corp");
    expect(text).toContain("'+33 1 42 68 53 00");
    expect(text).toContain("'-minus");
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);

    const b = await freshStore();
    const report = await importContacts(b.store, b.personal, csv);
    expect(report).toMatchObject({ format: 'rc-csv', inserted: 2, skipped: [] });
    const strip = (c: Contact) => ({
      name: c.name, firstName: c.firstName, lastName: c.lastName, company: c.company, department: c.department,
      title: c.title, notes: c.notes, favorite: c.favorite, sourceId: c.sourceId, emails: c.emails,
      phones: [...c.phones].map((p) => `${p.type}:${p.number}`).sort(),
    });
    const original = (await a.store.list(a.personal)).map(strip);
    const back = (await b.store.list(b.personal)).map(strip);
    expect(back).toEqual(original);
    expect(back.find((c) => c.sourceId === 'src-1')).toEqual(strip((await a.store.get(tricky.id))!));
    await a.db.close();
    await b.db.close();
  });
});
