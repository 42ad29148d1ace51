/**
 * Issue 14: while the receptionist reads an import's preview, the storage worker prepares its contacts (normalized,
 * numbers parsed, index texts folded), so her confirmation only writes. The commit uses what is ready, prepares the
 * rest, and stores exactly what an import without a preview stores.
 */
import { DirectoryService, PREPARE_AHEAD_MAX } from '../../electron/services/directory/directory-service';
import { parseContactsFile } from '../../electron/services/directory/import';
import { ContactPreparer } from '../../electron/storage/contact-prepare';
import { dumpContacts } from './helpers/contact-db';

/** `rows` people; every `every`-th one with `variant` in its notes. */
function outlookCsv(rows: number, variant = '', every = 1): Buffer {
  const lines = ['First Name,Last Name,Company,Business Phone,Mobile Phone,E-mail Address,Notes'];
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(6, '0').replace(/(..)(?=.)/g, '$1 ');
    lines.push(`Jean${i % 700},Dupré${i % 500},${i % 2 ? 'Acme' : 'Électricité Générale'},01 23 ${n},${i % 3 ? `+33 6 00 ${n}` : ''},j${i % 900}@example.com,"${i % every === 0 ? variant : ''}${i % 40 === 0 ? 'Line 1\r\nLine 2' : ''}"`);
  }
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

async function open(): Promise<{ svc: DirectoryService; dir: number }> {
  const svc = await DirectoryService.open({ dbPath: ':memory:', defaultCountry: 'FR' });
  return { svc, dir: (await svc.ensureDirectory('outlook', 'Outlook')).id };
}

/**
 * Commits `file` on `a` (previewed just before) and imports it into `b` without a preview: the same report and the
 * same rows, every column of every table.
 */
async function expectSameAsWithoutPreview(a: { svc: DirectoryService; dir: number }, b: { svc: DirectoryService; dir: number }, file: Buffer): Promise<void> {
  const viaPreview = await a.svc.importBuffer(file, a.dir);
  expect(viaPreview).toEqual(await b.svc.importBuffer(file, b.dir));
  expect(await dumpContacts(a.svc.db)).toEqual(await dumpContacts(b.svc.db));
}

/** Lets the service's loop turn until `done()` (at most `turns` turns: a bound, not a timing). */
async function turnUntil(done: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('an import prepares its contacts while its preview is read', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000));
  afterEach(() => jest.restoreAllMocks());

  it('the commit prepares none again, and stores what an import without a preview stores (a first import and a re-import)', async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const prepare = jest.spyOn(ContactPreparer.prototype, 'prepare');
    const a = await open();
    const b = await open();
    for (const [rows, file] of [[3000, outlookCsv(3000)], [3200, outlookCsv(3200, 'v2 ')]] as const) {
      ahead.mockClear();
      expect(await a.svc.previewImportBuffer(file, 5)).toMatchObject({ total: rows, valid: rows });
      await turnUntil(() => ahead.mock.calls.length >= rows);
      await turnUntil(() => false, 20); // (and nothing more comes)
      expect(ahead).toHaveBeenCalledTimes(rows);
      prepare.mockClear();
      ahead.mockClear();
      await expectSameAsWithoutPreview(a, b, file);
      // (b's import prepared its own contacts: counted before it.)
      expect(prepare.mock.calls.length).toBe(rows);
      expect(ahead).not.toHaveBeenCalled();
    }
    expect(await a.svc.countContacts(a.dir)).toBeGreaterThan(1000);
    await a.svc.close();
    await b.svc.close();
  });

  it('a commit before the preparation ends uses what is ready and prepares the rest', async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const prepare = jest.spyOn(ContactPreparer.prototype, 'prepare');
    const a = await open();
    const b = await open();
    const file = outlookCsv(3000);
    await a.svc.previewImportBuffer(file, 5);
    await turnUntil(() => ahead.mock.calls.length >= 500);
    const ready = ahead.mock.calls.length;
    expect(ready).toBeGreaterThanOrEqual(500);
    expect(ready).toBeLessThan(3000);
    prepare.mockClear();
    await a.svc.importBuffer(file, a.dir);
    // The rest, and only the rest, prepared by the write; the preparation ahead stopped.
    expect(prepare).toHaveBeenCalledTimes(3000 - ready);
    await turnUntil(() => false, 50);
    expect(ahead).toHaveBeenCalledTimes(ready);
    await b.svc.importBuffer(file, b.dir);
    expect(await dumpContacts(a.svc.db)).toEqual(await dumpContacts(b.svc.db));
    await a.svc.close();
    await b.svc.close();
  });

  it('a file imported again: the contacts it holds unchanged are not parsed ahead (the write skips them); the same rows', async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const prepare = jest.spyOn(ContactPreparer.prototype, 'prepare');
    const a = await open();
    const b = await open();
    await a.svc.importBuffer(outlookCsv(3000), a.dir);
    await b.svc.importBuffer(outlookCsv(3000), b.dir);
    // Exported again a month later: one person in seven has new notes.
    const file = outlookCsv(3000, 'called back ', 7);
    const stored = new Set(await a.svc.contacts.contentHashes());
    const preparer = new ContactPreparer('FR');
    const changed = parseContactsFile(file).contacts.filter((c) => !stored.has(preparer.prepare(c.contact).n.hash)).length;
    expect(changed).toBe(Math.ceil(3000 / 7));
    prepare.mockClear();
    ahead.mockClear();
    await a.svc.previewImportBuffer(file, 5);
    await turnUntil(() => prepare.mock.calls.length >= 3000);
    await turnUntil(() => false, 20);
    expect(prepare).toHaveBeenCalledTimes(3000);
    expect(ahead).toHaveBeenCalledTimes(changed);
    prepare.mockClear();
    await expectSameAsWithoutPreview(a, b, file);
    // Only b's import, which had no preview, prepared contacts.
    expect(prepare).toHaveBeenCalledTimes(3000);
    await a.svc.close();
    await b.svc.close();
  });

  it(`prepares at most ${PREPARE_AHEAD_MAX.toLocaleString('en')} contacts of a larger file ahead (memory); the commit prepares the rest`, async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const prepare = jest.spyOn(ContactPreparer.prototype, 'prepare');
    const a = await open();
    const rows = PREPARE_AHEAD_MAX + 700;
    const lines = ['First Name,Last Name,Business Phone'];
    for (let i = 0; i < rows; i++) lines.push(`P${i},N${i % 900},${1000 + (i % 8000)}`);
    const file = Buffer.from(lines.join('\r\n'), 'utf8');
    await a.svc.previewImportBuffer(file, 5);
    await turnUntil(() => ahead.mock.calls.length >= PREPARE_AHEAD_MAX);
    await turnUntil(() => false, 50);
    expect(ahead).toHaveBeenCalledTimes(PREPARE_AHEAD_MAX);
    prepare.mockClear();
    expect(await a.svc.importBuffer(file, a.dir)).toMatchObject({ inserted: rows, updated: 0 });
    expect(prepare).toHaveBeenCalledTimes(700);
    await a.svc.close();
  }, 60_000);

  it('a hostile file prepared ahead stores what it stores imported directly', async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const a = await open();
    const b = await open();
    const cells = (i: number): string[] => [
      ['\u0000Zoë\u0007', '\u00a0Anna\u00a0', '  ', 'O\'Brien\t\t', '🙂'.repeat(2000), 'ﷺ'][i % 6]!,
      ['Œuvrard', '', 'Straße', '\u202eevil', 'A'.repeat(30_000)][i % 5]!,
      ['+', '++33 1', '0800 VOIP', '06 12 34 56 78 x 12', '+33 (0)1 45 67 89 01', 'n/a', ''][i % 7]!,
      ['x@y', ' U@Example.COM ', '', '@', 'a@b.c;d@e.f'][i % 5]!,
      `line 1\r\nline "2"\u2028${i % 3 ? '' : '\u0000'}`,
    ];
    const csv = (v: string): string => `"${v.replace(/"/g, '""')}"`;
    const lines = ['First Name,Last Name,Business Phone,E-mail Address,Notes', ...Array.from({ length: 400 }, (_, i) => cells(i).map(csv).join(','))];
    const file = Buffer.from(lines.join('\r\n'), 'utf8');
    const preview = await a.svc.previewImportBuffer(file, 5);
    await turnUntil(() => ahead.mock.calls.length >= preview.valid);
    expect(ahead).toHaveBeenCalledTimes(preview.valid);
    expect(preview.valid).toBeGreaterThan(300);
    await expectSameAsWithoutPreview(a, b, file);
    await a.svc.close();
    await b.svc.close();
  });

  it('a newer preview stops the preparation of the previous one; another file imported is parsed and prepared as usual', async () => {
    const ahead = jest.spyOn(ContactPreparer.prototype, 'ahead');
    const a = await open();
    await a.svc.previewImportBuffer(outlookCsv(3000), 5);
    await turnUntil(() => ahead.mock.calls.length >= 250);
    await a.svc.previewImportBuffer(outlookCsv(10), 5);
    await turnUntil(() => false, 200);
    // What the first had prepared when the second came, plus the second's ten.
    expect(ahead.mock.calls.length).toBeLessThan(1000);
    const report = await a.svc.importBuffer(outlookCsv(20), a.dir);
    expect(report).toMatchObject({ inserted: 20, updated: 0 });
    await a.svc.close();
  });
});
