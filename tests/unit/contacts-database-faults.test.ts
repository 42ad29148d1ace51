/**
 * Faults of the contacts database as the console meets them (issue 15): a damaged file, one written by a newer
 * version, one that cannot be opened, and a full disk. Each time the receptionist is told in plain words (a global
 * message), nothing already saved is deleted, and contacts, caller lookup and history keep working. Real SQLite
 * files in a temp directory; the full disk is SQLite's own (PRAGMA max_page_count ⇒ SQLITE_FULL).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GlobalMessage } from '../../electron/contract/dto';
import { ContactsService } from '../../electron/services/contacts-service';
import { DirectoryService } from '../../electron/services/directory/directory-service';
import { MessageCenter } from '../../electron/services/message-center';
import { Database } from '../../electron/storage/db';
import { SchemaTooNewError } from '../../electron/storage/migrate';
import { migrations } from '../../electron/storage/migrations';

const conn = { id: 't', send: () => undefined } as never;

function console_() {
  const added: GlobalMessage[] = [];
  const messages = new MessageCenter((m) => {
    if (m) added.push(m);
  });
  return { host: { messages }, added };
}

async function run<T>(svc: ContactsService, name: string, args: unknown): Promise<T> {
  const h = svc.handlers[name as keyof typeof svc.handlers] as (a: unknown, c: unknown) => Promise<T> | T;
  return h(args, conn);
}

async function upload(svc: ContactsService, csv: string): Promise<string> {
  const r = await run<{ uploadId: string }>(svc, 'contacts.importChunk', { fileName: 'contacts.csv', data: Buffer.from(csv).toString('base64') });
  return r.uploadId;
}

function csvOf(n: number, from = 0): string {
  const rows = Array.from({ length: n }, (_, i) => `Person,${from + i},Acme,+33 1 44 55 ${String(10 + ((from + i) % 90)).padStart(2, '0')} ${String((from + i) % 100).padStart(2, '0')}`);
  return `First Name,Last Name,Company,Business Phone\n${rows.join('\n')}\n`;
}

describe('contacts database faults', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rc-db-faults-'));
    file = join(dir, 'contacts.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const asideFiles = (tag: string) => readdirSync(dir).filter((f) => f.startsWith(`contacts.sqlite.${tag}-`) && !/-(wal|shm|journal)$/.test(f));

  it('a file that is not a database is kept aside, a fresh one is used, and the receptionist is told', async () => {
    writeFileSync(file, 'Name;Phone\nthis was a spreadsheet renamed by mistake\n'.repeat(300));
    const svc = new ContactsService({ dbPath: file });
    const { host, added } = console_();
    svc.start(host);
    await svc.directory();

    const [aside] = asideFiles('broken');
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside!), 'utf8')).toContain('spreadsheet renamed by mistake');
    expect(added).toEqual([
      expect.objectContaining({ level: 'error', key: 'contacts.dbDamaged', params: { file: join(dir, aside!), detail: expect.stringMatching(/not a database/) } }),
    ]);
    // Contacts, caller lookup and history work on the fresh file.
    await run(svc, 'contacts.create', { contact: { name: 'Hélène Dupré', phones: [{ type: 'work', number: '01 44 55 10 00' }] } });
    expect(await svc.lookupNumber('0144551000')).toMatchObject({ name: 'Hélène Dupré' });
    expect(await run(svc, 'history.list', {})).toEqual([]);
    await svc.stop();
    // The fresh file is a real database in the usual place, with what was saved into it.
    const reopened = await DirectoryService.open({ dbPath: file, defaultCountry: 'FR' });
    expect(await reopened.lookupNumber('0144551000')).toMatchObject({ name: 'Hélène Dupré' });
    await reopened.close();
  });

  it('a database whose pages are damaged (quick_check) is kept aside instead of failing on every search', async () => {
    const first = new ContactsService({ dbPath: file });
    const id = await upload(first, csvOf(400));
    await run(first, 'contacts.importCommit', { uploadId: id, directory: 'personal' });
    await first.stop();
    // Scribble over the end of the file, where the imported rows are: the header and schema stay intact, so the
    // file opens and migrates as if nothing were wrong.
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(Math.floor(size / 4), 0xa5), 0, Math.floor(size / 4), size - Math.floor(size / 4));
    closeSync(fd);

    const svc = new ContactsService({ dbPath: file });
    const { host, added } = console_();
    svc.start(host);
    await svc.directory();
    expect(asideFiles('broken')).toHaveLength(1);
    expect(added.map((m) => m.key)).toEqual(['contacts.dbDamaged']);
    expect(await run(svc, 'contacts.search', { query: 'person' })).toEqual([]);
    await svc.stop();
  });

  it('a database from a newer version is kept aside untouched (with its data) and a fresh one is used', async () => {
    const newer = await DirectoryService.open({ dbPath: file, defaultCountry: 'FR' });
    const personal = await newer.ensureDirectory('personal', 'Personal');
    await newer.createContact(personal.id, { name: 'Kept Contact', phones: [{ type: 'work', number: '0144551000' }] });
    await newer.db.exec('PRAGMA user_version = 99');
    await newer.close();

    // The CLI (no recovery) still refuses it and leaves it where it is.
    await expect(DirectoryService.open({ dbPath: file, defaultCountry: 'FR' })).rejects.toBeInstanceOf(SchemaTooNewError);
    expect(asideFiles('newer')).toEqual([]);

    const svc = new ContactsService({ dbPath: file });
    await svc.directory(); // opened before the console is wired: the message waits for start()
    const { host, added } = console_();
    svc.start(host);
    const [aside] = asideFiles('newer');
    expect(aside).toBeDefined();
    expect(added).toEqual([expect.objectContaining({ level: 'error', key: 'contacts.dbNewer', params: { file: join(dir, aside!), detail: `schema 99; this version knows up to ${migrations[migrations.length - 1]!.version}` } })]);
    expect(await svc.lookupNumber('0144551000')).toBeUndefined();
    await svc.stop();

    // The newer version's file is intact: its schema version and its contact.
    const kept = await Database.open(join(dir, aside!), { mustExist: true });
    expect(await kept.get('PRAGMA user_version')).toEqual({ user_version: 99 });
    expect(await kept.get('SELECT name FROM contacts')).toEqual({ name: 'Kept Contact' });
    await kept.close();
  });

  it('a database that cannot be opened at all: contacts and history still work for the session, and the receptionist is told', async () => {
    mkdirSync(file); // a directory where the file should be
    const svc = new ContactsService({ dbPath: file });
    const { host, added } = console_();
    svc.start(host);
    await run(svc, 'contacts.create', { contact: { name: 'Session Only', phones: [{ type: 'work', number: '0144551001' }] } });
    expect(await svc.lookupNumber('0144551001')).toMatchObject({ name: 'Session Only' });
    expect(added).toEqual([expect.objectContaining({ level: 'error', key: 'contacts.dbUnavailable', params: { file, detail: expect.any(String) } })]);
    expect(statSync(file).isDirectory()).toBe(true);
    await svc.stop();
  });

  it('disk full during an import: nothing is imported, the contacts already there are intact, a plain message', async () => {
    const svc = new ContactsService({ dbPath: file });
    const { host, added } = console_();
    svc.start(host);
    const small = await upload(svc, csvOf(3));
    expect(await run(svc, 'contacts.importCommit', { uploadId: small, directory: 'outlook' })).toMatchObject({ inserted: 3 });

    // The disk fills up: SQLite may not grow the file any more (SQLITE_FULL, as on a full disk).
    const db = (await svc.directory()).db;
    const pages = (await db.get<{ page_count: number }>('PRAGMA page_count'))!.page_count;
    await db.exec(`PRAGMA max_page_count = ${pages + 1}`);
    const big = await upload(svc, csvOf(3000, 100));
    await expect(run(svc, 'contacts.importCommit', { uploadId: big, directory: 'outlook' })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/disk is full: nothing was imported and your contacts are unchanged/),
    });
    expect(added.map((m) => m.key)).toEqual(['contacts.diskFull']);
    const outlook = await run<{ name: string }[]>(svc, 'contacts.list', { kind: 'outlook' });
    expect(outlook.map((c) => c.name)).toEqual(['Person 0', 'Person 1', 'Person 2']);

    // Space is back: the same import goes through.
    await db.exec('PRAGMA max_page_count = 1073741823');
    const again = await upload(svc, csvOf(3000, 100));
    expect(await run(svc, 'contacts.importCommit', { uploadId: again, directory: 'outlook' })).toMatchObject({ inserted: 3000 });
    await svc.stop();
  });
});
