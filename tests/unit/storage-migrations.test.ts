import { Database } from '../../electron/storage/db';
import { migrate, schemaVersion, SchemaTooNewError, type NamedMigration } from '../../electron/storage/migrate';
import { migrations } from '../../electron/storage/migrations';
import { up0001Contacts } from '../../electron/storage/migrations/0001-contacts';
import { up0002CallHistory } from '../../electron/storage/migrations/0002-call-history';
import { up0003CallHistoryTimes } from '../../electron/storage/migrations/0003-call-history-times';
import { up0004CallDetails } from '../../electron/storage/migrations/0004-call-details';
import { up0005StarredHandover } from '../../electron/storage/migrations/0005-starred-handover';
import { up0006SearchIndexes } from '../../electron/storage/migrations/0006-search-indexes';
import { up0007ContactContentHash } from '../../electron/storage/migrations/0007-contact-content-hash';
import { ContactStore } from '../../electron/storage/contact-store';
import { HistoryStore } from '../../electron/storage/history-store';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

async function tables(db: Database): Promise<string[]> {
  const rows = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name");
  return rows.map((r) => r.name);
}

describe('storage migrations', () => {
  let db: Database;
  beforeEach(async () => {
    db = await Database.open(':memory:');
  });
  afterEach(async () => {
    await db.close();
  });

  it('0001 creates directories with the four built-in ones, contacts, phones, e-mails and an FTS5 index', async () => {
    await db.transaction((tx) => up0001Contacts(tx));
    expect(await tables(db)).toEqual(expect.arrayContaining(['directories', 'contacts', 'phones', 'emails', 'contacts_fts']));
    const dirs = await db.all<{ kind: string }>('SELECT kind FROM directories ORDER BY id');
    expect(dirs.map((d) => d.kind)).toEqual(['personal', 'company', 'outlook', 'speed-dial']);
    await db.run("INSERT INTO contacts_fts(rowid, name, org, flags) VALUES (1, 'helene dupont', 'acme', '')");
    const hit = await db.get("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH 'hel*'");
    expect(hit).toEqual({ rowid: 1 });
  });

  it('0001 deletes phones and e-mails with their contact (foreign keys on)', async () => {
    await db.transaction((tx) => up0001Contacts(tx));
    await db.run(
      "INSERT INTO contacts (id, directory_id, name, name_key, created_at, updated_at) VALUES (7, 1, 'A', 'a', 0, 0)",
    );
    await db.run("INSERT INTO phones (contact_id, type, raw, digits, national_digits, digits_rev) VALUES (7,'work','1','1','1','1')");
    await db.run("INSERT INTO emails (contact_id, address) VALUES (7, 'a@example.com')");
    await db.run('DELETE FROM contacts WHERE id = 7');
    expect(await db.get('SELECT count(*) AS n FROM phones')).toEqual({ n: 0 });
    expect(await db.get('SELECT count(*) AS n FROM emails')).toEqual({ n: 0 });
  });

  it('0002 creates the call history table and refuses an unknown call type', async () => {
    await db.transaction((tx) => up0002CallHistory(tx));
    expect(await tables(db)).toContain('call_history');
    await expect(
      db.run(
        "INSERT INTO call_history (direction, type, remote_number, remote_digits, started_at) VALUES ('incoming','exploded','1','1',0)",
      ),
    ).rejects.toThrow(/CHECK/);
  });

  it('0003 adds answer/end times and the end reason to history, keeping rows written before it', async () => {
    await db.transaction((tx) => up0002CallHistory(tx));
    await db.run("INSERT INTO call_history (direction, type, remote_number, remote_digits, started_at) VALUES ('incoming','missed','1','1',5)");
    await db.transaction((tx) => up0003CallHistoryTimes(tx));
    expect(await db.get('SELECT started_at, answered_at, ended_at, end_reason FROM call_history')).toEqual({
      started_at: 5,
      answered_at: null,
      ended_at: null,
      end_reason: '',
    });
  });

  it('0004 adds call details (timeline, quality) beside history rows; they go with their row; bad JSON is refused', async () => {
    await db.transaction((tx) => up0002CallHistory(tx));
    await db.transaction((tx) => up0003CallHistoryTimes(tx));
    await db.run("INSERT INTO call_history (id, direction, type, remote_number, remote_digits, started_at) VALUES (1,'incoming','missed','1','1',5)");
    await db.transaction((tx) => up0004CallDetails(tx));
    // Rows written before 0004 keep working and simply have no details.
    const history = new HistoryStore(db, { defaultCountry: 'FR' });
    expect(await history.details(1)).toEqual({ timeline: [], quality: [] });
    await history.saveDetails(1, { timeline: [{ at: 5, kind: 'ringing' }], quality: [{ t: 6, rttMs: 12.5 }] });
    expect(await history.details(1)).toEqual({ timeline: [{ at: 5, kind: 'ringing' }], quality: [{ t: 6, rttMs: 12.5 }] });
    await expect(db.run("UPDATE call_details SET timeline = '[{oops' WHERE history_id = 1")).rejects.toThrow(/CHECK/);
    await expect(db.run("UPDATE call_details SET quality = '{}' WHERE history_id = 1")).rejects.toThrow(/CHECK/);
    await expect(db.run("INSERT INTO call_details (history_id) VALUES (42)")).rejects.toThrow(/FOREIGN KEY/);
    await db.run('DELETE FROM call_history WHERE id = 1');
    expect(await db.get('SELECT count(*) AS n FROM call_details')).toEqual({ n: 0 });
  });

  it('0005 moves the stars of an earlier version to the hand-over table (once) and clears them: contacts.favorite becomes the favorites mirror', async () => {
    await db.transaction((tx) => up0001Contacts(tx));
    for (const [id, name, favorite] of [[1, 'colette', 1], [2, 'bob', 0], [3, 'ann', 1]] as const) {
      await db.run('INSERT INTO contacts (id, directory_id, name, name_key, favorite, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 0, 0)', [id, name, name, favorite]);
      await db.run('INSERT INTO contacts_fts (rowid, name, org, flags) VALUES (?, ?, ?, ?)', [id, name, '', favorite ? 'fav' : '']);
    }
    await db.transaction((tx) => up0005StarredHandover(tx));
    expect(await db.all('SELECT contact_id FROM starred_handover ORDER BY contact_id')).toEqual([{ contact_id: 1 }, { contact_id: 3 }]);
    expect(await db.get('SELECT count(*) AS n FROM contacts WHERE favorite = 1')).toEqual({ n: 0 });
    expect(await db.get("SELECT count(*) AS n FROM contacts_fts WHERE contacts_fts MATCH 'flags : fav'")).toEqual({ n: 0 });
    expect(await db.get("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH 'col*'")).toEqual({ rowid: 1 });
    // A hand-over row goes with its contact.
    await db.run('DELETE FROM contacts WHERE id = 3');
    expect(await db.all('SELECT contact_id FROM starred_handover')).toEqual([{ contact_id: 1 }]);
  });

  it('0006 indexes the digits of existing history numbers (trigram) and keeps the index in step; contacts keep their index rows, now with longer prefix indexes', async () => {
    await db.transaction(async (tx) => {
      for (const up of [up0001Contacts, up0002CallHistory, up0003CallHistoryTimes, up0004CallDetails, up0005StarredHandover]) await up(tx);
    });
    const history = new HistoryStore(db, { defaultCountry: 'FR' });
    const before = await history.add({ direction: 'incoming', type: 'missed', remoteNumber: '+33 6 12 34 56 78', startedAt: 1 });
    await history.add({ direction: 'incoming', type: 'received', remoteNumber: '1004', startedAt: 2 });
    await db.run("INSERT INTO contacts (id, directory_id, name, name_key, created_at, updated_at) VALUES (1, 1, 'Hélène Dupré', 'helene dupre', 0, 0)");
    await db.run("INSERT INTO contacts_fts (rowid, name, org, flags) VALUES (1, 'helene dupre', 'acme', 'fav')");
    await db.transaction((tx) => up0006SearchIndexes(tx));
    const fts = (q: string) => db.all<{ rowid: number }>('SELECT rowid FROM call_history_fts WHERE call_history_fts MATCH ? ORDER BY rowid', [`"${q}"`]);
    // Rows written before 0006: raw digits and national digits both indexed.
    expect(await fts('612345')).toEqual([{ rowid: before }]);
    expect(await fts('0612')).toEqual([{ rowid: before }]);
    expect(await fts('004')).toEqual([{ rowid: before + 1 }]);
    // Written after: the triggers index, re-index and un-index.
    const after = await history.add({ direction: 'outgoing', type: 'placed', remoteNumber: '01 23 45 67 89', startedAt: 3 });
    expect(await fts('6789')).toEqual([{ rowid: after }]);
    await db.run("UPDATE call_history SET remote_digits = '555000', remote_national = '' WHERE id = ?", [after]);
    expect(await fts('6789')).toEqual([]);
    expect(await fts('5500')).toEqual([{ rowid: after }]);
    await db.run('DELETE FROM call_history WHERE id = ?', [before]);
    expect(await fts('0612')).toEqual([]);
    // Contacts search index: same rows and flags, prefix queries beyond 3 letters answered.
    expect(await db.get("SELECT rowid, name, org, flags FROM contacts_fts WHERE contacts_fts MATCH '\"helen\"*'")).toEqual({ rowid: 1, name: 'helene dupre', org: 'acme', flags: 'fav' });
    expect(await db.get("SELECT count(*) AS n FROM contacts_fts WHERE contacts_fts MATCH 'flags : fav'")).toEqual({ n: 1 });
    const sql = await db.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'contacts_fts'");
    expect(sql?.sql).toMatch(/prefix = '1 2 3 4 5 6 7 8'/);
  });

  it('0007 gives contacts an empty content hash, keeping their rows; the next import writes each once with its hash, then leaves it', async () => {
    await db.transaction(async (tx) => {
      for (const up of [up0001Contacts, up0002CallHistory, up0003CallHistoryTimes, up0004CallDetails, up0005StarredHandover, up0006SearchIndexes]) await up(tx);
    });
    await db.run("INSERT INTO contacts (id, directory_id, name, first_name, last_name, name_key, created_at, updated_at) VALUES (1, 3, 'Hélène Dupré', 'Hélène', 'Dupré', 'helene dupre', 0, 5)");
    await db.run("INSERT INTO phones (contact_id, type, raw, e164, digits, national_digits, digits_rev) VALUES (1, 'work', '01 23 45 67 89', '+33123456789', '0123456789', '0123456789', '9876543210')");
    await db.run("INSERT INTO contacts_fts (rowid, name, org, flags) VALUES (1, 'helene dupre helene dupre', '', '')");
    await db.transaction((tx) => up0007ContactContentHash(tx));
    expect(await db.get('SELECT id, name, updated_at, content_hash FROM contacts')).toEqual({ id: 1, name: 'Hélène Dupré', updated_at: 5, content_hash: null });
    const store = new ContactStore(db, { defaultCountry: 'FR' });
    const row = { firstName: 'Hélène', lastName: 'Dupré', phones: [{ type: 'work' as const, number: '01 23 45 67 89' }] };
    const first = await db.transaction((tx) => store.upsertMany(tx, 3, [row], { dedupe: true }));
    expect(first).toEqual({ inserted: 0, updated: 1, ids: [1] });
    const hashed = await db.get<{ content_hash: string | null; updated_at: number }>('SELECT content_hash, updated_at FROM contacts WHERE id = 1');
    expect(hashed!.content_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hashed!.updated_at).not.toBe(5);
    let writes = 0;
    await db.transaction((tx) => store.upsertMany({ ...tx, run: (sql, p) => { writes++; return tx.run(sql, p); } }, 3, [row], { dedupe: true }));
    expect(writes).toBe(0);
    // A file set back to version 6 by hand: 0007 runs again, keeps the column and clears the hashes it cannot vouch for.
    await db.exec('PRAGMA user_version = 6');
    expect(await migrate(db)).toEqual([7]);
    expect(await db.get('SELECT name, content_hash FROM contacts WHERE id = 1')).toEqual({ name: 'Hélène Dupré', content_hash: null });
  });

  it('the runner applies every migration once and records the version', async () => {
    expect(await migrate(db)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await schemaVersion(db)).toBe(migrations.length);
    expect(await migrate(db)).toEqual([]);
  });

  it('the runner refuses a database written by a newer version, with a plain explanation', async () => {
    await migrate(db);
    await db.exec(`PRAGMA user_version = ${migrations.length + 1}`);
    const err = await migrate(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect((err as Error).message).toMatch(/newer version of Receptionist Console/);
  });

  it('a failing migration loses nothing: earlier schema and data stay, version does not move', async () => {
    const broken: NamedMigration[] = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: '9999-broken',
        up: async (tx) => {
          await tx.exec('CREATE TABLE half_done (x)');
          await tx.exec("DELETE FROM directories WHERE kind = 'personal'");
          await tx.exec('THIS IS NOT SQL');
        },
      },
    ];
    await expect(migrate(db, broken)).rejects.toThrow(/syntax error/);
    expect(await schemaVersion(db)).toBe(migrations.length);
    expect(await tables(db)).not.toContain('half_done');
    expect(await db.get("SELECT count(*) AS n FROM directories WHERE kind='personal'")).toEqual({ n: 1 });
  });

  it('a database file on disk is opened in WAL mode', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-db-'));
    const file = await Database.open(path.join(dir, 'c.sqlite'));
    expect(await file.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    await file.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
