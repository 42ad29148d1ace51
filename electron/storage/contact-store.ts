/**
 * Contacts and directories on top of the sqlite wrapper. Writes keep the FTS index and the phone forms in step
 * with the contact rows in the same transaction.
 */
import type { CountryCode } from 'libphonenumber-js';
import { ContactPreparer, type FtsTexts, type Normalized, type PreparedContact } from './contact-prepare';
import type { Database, SqlRunner, SqlValue } from './db';
import type { PhoneForms } from './phone';
import type { Contact, ContactInput, Directory, DirectoryKind, Phone, PhoneType } from './types';

export interface ContactStoreOptions {
  /** ISO country used to read national numbers ("01 23 45 67 89" in FR). */
  readonly defaultCountry: CountryCode;
}

export interface UpsertReport {
  readonly inserted: number;
  readonly updated: number;
  /** Contact ids in input order. */
  readonly ids: readonly number[];
}

export type UpsertProgress = (done: number, total: number) => void;

interface ContactRow extends Record<string, unknown> {
  id: number;
  directory_id: number;
  source_id: string | null;
  name: string;
  first_name: string;
  last_name: string;
  company: string;
  department: string;
  title: string;
  notes: string;
  favorite: number;
  created_at: number;
  updated_at: number;
}

const lowerAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** The keys under which a contact counts as "the same" on re-import (same name + any shared number/e-mail). */
function identityKeys(nameKey: string, digits: readonly string[], emails: readonly string[]): string[] {
  const keys = digits.filter((d) => d !== '').map((d) => `${nameKey}|#${d}`);
  for (const e of emails) keys.push(`${nameKey}|@${e.toLowerCase()}`);
  if (keys.length === 0) keys.push(`${nameKey}|`);
  return keys;
}

const BATCH = 400;
/** Index rows per statement in #insertFtsRows (each statement holds the worker's loop for a few tens of ms). */
const FTS_CHUNK = 5000;

/**
 * Secondary indexes whose keys arrive in random order (phone forms, name keys). A bulk write into small tables drops
 * them and builds each once at the end: CREATE INDEX sorts, where row-by-row inserts walk and split a B-tree for every
 * key (a 50,000-row first import: ~0.2 s less). The indexes that keep the write itself correct or fast stay: the
 * unique source ids, and the contact_id indexes (ascending keys on fresh rows; deletes and cascades use them).
 */
const DEFERRED_INDEXES = ['phones_e164', 'phones_national', 'phones_rev', 'contacts_name_key'] as const;
/** Rows from which a write counts as bulk, and how many rows the tables may already hold (per input row). */
const BULK_ROWS = 5000;
const BULK_EXISTING_RATIO = 0.5;

interface Prepared {
  readonly n: Normalized;
  readonly phones: readonly { type: PhoneType; forms: PhoneForms }[];
  readonly fts: FtsTexts;
}

export interface UpsertOptions {
  readonly dedupe: boolean;
  readonly onProgress?: UpsertProgress;
  /**
   * What is already known of the inputs, by index: each computed by a ContactPreparer of the store's default country
   * from the same input (an import prepares the previewed file while the receptionist reads the preview). Missing
   * entries, and contacts prepared for another country, are prepared here.
   */
  readonly prepared?: { readonly country: CountryCode; readonly contacts: readonly (PreparedContact | undefined)[] };
}

/** A page of a directory in name order: `afterId` (the last contact of the previous page) or `offset`, and `limit`. */
export interface ContactPage {
  readonly limit?: number;
  readonly offset?: number;
  readonly afterId?: number;
}

export class ContactStore {
  constructor(
    readonly db: Database,
    readonly options: ContactStoreOptions,
  ) {}

  async directories(): Promise<Directory[]> {
    return this.db.all<Directory & Record<string, unknown>>(
      'SELECT id, kind, name, priority FROM directories ORDER BY priority, id',
    );
  }

  async directory(id: number): Promise<Directory | undefined> {
    return this.db.get<Directory & Record<string, unknown>>('SELECT id, kind, name, priority FROM directories WHERE id = ?', [id]);
  }

  /** Finds or creates a directory; custom directories are matched by name. */
  async ensureDirectory(kind: DirectoryKind, name: string): Promise<Directory> {
    const found = kind === 'custom'
      ? await this.db.get<Directory & Record<string, unknown>>(
          'SELECT id, kind, name, priority FROM directories WHERE kind = ? AND name = ?', [kind, name])
      : await this.db.get<Directory & Record<string, unknown>>(
          'SELECT id, kind, name, priority FROM directories WHERE kind = ? ORDER BY id LIMIT 1', [kind]);
    if (found) return found;
    const r = await this.db.run('INSERT INTO directories (kind, name, priority, created_at) VALUES (?, ?, 50, ?)', [
      kind,
      name,
      Date.now(),
    ]);
    return { id: r.lastID, kind, name, priority: 50 };
  }

  async get(id: number): Promise<Contact | undefined> {
    return (await this.hydrate(this.db, [id]))[0];
  }

  async count(directoryId?: number): Promise<number> {
    const row = directoryId === undefined
      ? await this.db.get<{ n: number }>('SELECT count(*) AS n FROM contacts')
      : await this.db.get<{ n: number }>('SELECT count(*) AS n FROM contacts WHERE directory_id = ?', [directoryId]);
    return row?.n ?? 0;
  }

  /**
   * Contacts of one directory in name order (name, then id), a page at a time: after the contact `afterId` (a keyset,
   * how the contacts pane pages as she scrolls), or from `offset` (tests and the bench's comparison). A keyset page
   * costs the same anywhere in the directory (OFFSET steps over the rows before it: ~1 ms more for the last page of
   * 50,000 through the worker, contacts bench `directory.page_end`) and is not shifted by a contact added or removed
   * before it. A contact `afterId` that is no longer in the directory gives an empty page: the change that
   * removed it refreshes the list.
   */
  async list(directoryId: number, page: ContactPage = {}): Promise<Contact[]> {
    const rows = page.afterId === undefined
      ? await this.db.all<{ id: number }>(
          'SELECT id FROM contacts WHERE directory_id = ? ORDER BY name_key, id LIMIT ? OFFSET ?',
          [directoryId, page.limit ?? -1, page.offset ?? 0],
        )
      : await this.db.all<{ id: number }>(
          `SELECT id FROM contacts WHERE directory_id = ?
             AND (name_key, id) > (SELECT name_key, id FROM contacts WHERE id = ? AND directory_id = ?)
           ORDER BY name_key, id LIMIT ?`,
          [directoryId, page.afterId, directoryId, page.limit ?? -1],
        );
    return this.hydrate(this.db, rows.map((r) => r.id));
  }

  /**
   * The favorites of every directory (the mirror of the favorites list) in name order, a page at a time after the
   * favorite `afterId` (a keyset, as `list`); a contact `afterId` that is no longer a favorite gives an empty page.
   */
  async favorites(page: { readonly limit?: number; readonly afterId?: number } = {}): Promise<Contact[]> {
    const rows = page.afterId === undefined
      ? await this.db.all<{ id: number }>('SELECT id FROM contacts WHERE favorite = 1 ORDER BY name_key, id LIMIT ?', [page.limit ?? -1])
      : await this.db.all<{ id: number }>(
          `SELECT id FROM contacts WHERE favorite = 1
             AND (name_key, id) > (SELECT name_key, id FROM contacts WHERE id = ? AND favorite = 1)
           ORDER BY name_key, id LIMIT ?`,
          [page.afterId, page.limit ?? -1],
        );
    return this.hydrate(this.db, rows.map((r) => r.id));
  }

  /** A directory's contact ids in list order (name, then id: the order `list` pages in), in one statement. */
  async orderedIds(directoryId: number): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>('SELECT id FROM contacts WHERE directory_id = ? ORDER BY name_key, id', [directoryId]);
    return rows.map((r) => r.id);
  }

  /**
   * A whole directory, `size` contacts at a time in storage order (rowid), each as `hydrate` gives it: for reading a
   * directory through (an export). In name order each contact, its phones and its e-mails are a lookup somewhere in the
   * file (50,000 contacts: ~0.6 s); in storage order the pages, and the phones and e-mails written with them, are read
   * in sequence (~0.2 s). The caller orders them (`orderedIds`). Contacts written or deleted between two pages (the
   * thread's loop turns between them) may be seen or not, as with `list` pages.
   */
  async *readPages(directoryId: number, size = 1000): AsyncGenerator<Contact[]> {
    for (let after = 0; ; ) {
      // `+directory_id`: by rowid, not through contacts_name_key (which would sort every page in a temporary b-tree).
      const rows = await this.db.all<ContactRow>('SELECT * FROM contacts WHERE +directory_id = ? AND id > ? ORDER BY id LIMIT ?', [directoryId, after, size]);
      if (rows.length === 0) return;
      const first = rows[0]!.id;
      after = rows[rows.length - 1]!.id;
      // The page's id range may hold other directories' contacts: their phones and e-mails are read and skipped.
      const phones = new Map<number, Phone[]>();
      for (const p of await this.db.all<{ c: number; type: PhoneType; raw: string; e164: string | null }>(
        'SELECT contact_id AS c, type, raw, e164 FROM phones WHERE contact_id BETWEEN ? AND ? ORDER BY contact_id, id',
        [first, after],
      )) {
        let list = phones.get(p.c);
        if (!list) phones.set(p.c, (list = []));
        list.push({ type: p.type, number: p.raw, e164: p.e164 });
      }
      const emails = new Map<number, string[]>();
      for (const e of await this.db.all<{ c: number; address: string }>(
        'SELECT contact_id AS c, address FROM emails WHERE contact_id BETWEEN ? AND ? ORDER BY contact_id, id',
        [first, after],
      )) {
        let list = emails.get(e.c);
        if (!list) emails.set(e.c, (list = []));
        list.push(e.address);
      }
      yield rows.map((r) => toContact(r, phones.get(r.id) ?? [], emails.get(r.id) ?? []));
      if (rows.length < size) return;
    }
  }

  /** The content hashes of the stored contacts (those written since migration 0007), every directory's. */
  async contentHashes(): Promise<string[]> {
    const rows = await this.db.all<{ h: string }>('SELECT content_hash AS h FROM contacts WHERE content_hash IS NOT NULL');
    return rows.map((r) => r.h);
  }

  async create(directoryId: number, input: ContactInput): Promise<Contact> {
    const report = await this.db.transaction((tx) => this.upsertMany(tx, directoryId, [input], { dedupe: false }));
    return (await this.get(report.ids[0]!))!;
  }

  /** Replaces every field of a contact (phones and e-mails included). */
  async update(id: number, input: ContactInput): Promise<Contact | undefined> {
    const preparer = new ContactPreparer(this.options.defaultCountry);
    const { n, digits } = preparer.prepare(input);
    const phones = preparer.forms(n, digits).map((forms, k) => ({ type: n.phones[k]!.type, forms }));
    await this.db.transaction(async (tx) => {
      const existing = await tx.get('SELECT id FROM contacts WHERE id = ?', [id]);
      if (!existing) return;
      await this.#rewrite(tx, id, { n, phones, fts: preparer.ftsTexts(n) }, Date.now());
      // A re-import never clears a favorite (#rewrite keeps the max); an explicit edit may.
      if (input.favorite === false) {
        await tx.run('UPDATE contacts SET favorite = 0 WHERE id = ?', [id]);
        await tx.run("UPDATE contacts_fts SET flags = '' WHERE rowid = ?", [id]);
      }
    });
    return this.get(id);
  }

  async setFavorite(id: number, favorite: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE contacts SET favorite = ?, updated_at = ? WHERE id = ?', [favorite ? 1 : 0, Date.now(), id]);
      await tx.run('UPDATE contacts_fts SET flags = ? WHERE rowid = ?', [favorite ? 'fav' : '', id]);
    });
  }

  /** Puts a contact on a speed-dial key (1-based) or takes it off (null); a key holds one contact. */
  async setSpeedDialPosition(id: number, position: number | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (position !== null) {
        await tx.run(
          `UPDATE contacts SET speed_dial_position = NULL
            WHERE speed_dial_position = ? AND directory_id = (SELECT directory_id FROM contacts WHERE id = ?)`,
          [position, id],
        );
      }
      await tx.run('UPDATE contacts SET speed_dial_position = ?, updated_at = ? WHERE id = ?', [position, Date.now(), id]);
    });
  }

  /** The speed-dial keys of a directory (default: the built-in speed-dial one), in key order. */
  async speedDials(directoryId?: number): Promise<{ position: number; contact: Contact }[]> {
    const rows = await this.db.all<{ id: number; position: number }>(
      `SELECT c.id, c.speed_dial_position AS position FROM contacts c JOIN directories d ON d.id = c.directory_id
        WHERE c.speed_dial_position IS NOT NULL AND ${directoryId === undefined ? "d.kind = 'speed-dial'" : 'd.id = ?'}
        ORDER BY c.speed_dial_position`,
      directoryId === undefined ? [] : [directoryId],
    );
    const contacts = await this.hydrate(this.db, rows.map((r) => r.id));
    return rows.map((r, i) => ({ position: r.position, contact: contacts[i]! }));
  }

  async delete(id: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM contacts_fts WHERE rowid = ?', [id]);
      return (await tx.run('DELETE FROM contacts WHERE id = ?', [id])).changes > 0;
    });
  }

  /**
   * Inserts or updates many contacts inside the caller's transaction. With `dedupe`, a contact with the same
   * source id, or the same name and a shared number or e-mail, as one already in the directory (or earlier in
   * the batch) is updated instead of duplicated. Rows are written in multi-row batches (INSERT … ON CONFLICT DO
   * UPDATE): an import of 50,000 rows is a few hundred statements, not a few hundred thousand.
   */
  async upsertMany(
    tx: SqlRunner,
    directoryId: number,
    inputs: readonly ContactInput[],
    opts: UpsertOptions,
  ): Promise<UpsertReport> {
    const now = Date.now();
    const bySource = new Map<string, number>();
    const byKey = new Map<string, number>();
    const favorites = new Set<number>();
    // The hash of the input each existing contact was last written from (content_hash): a re-imported contact whose
    // input hashes the same would be written back identical (row, phones with their forms, e-mails, index entry), so
    // it is not written, nor are its numbers parsed again. NULL (written before migration 0007) matches nothing.
    const stored = new Map<number, { hash: string | null; sourceId: string | null; favorite: number }>();
    if (opts.dedupe) {
      // Only what the identity keys need besides: the digits of each phone and the addresses, space-separated (digits
      // have no blank; a blank inside an address splits it, as the keys were always read).
      const rows = await tx.all<{ id: number; source_id: string | null; name_key: string; favorite: number; hash: string | null; pd: string | null; ea: string | null }>(
        `SELECT c.id, c.source_id, c.name_key, c.favorite, c.content_hash AS hash,
           (SELECT group_concat(p.digits, ' ') FROM phones p WHERE p.contact_id = c.id) AS pd,
           (SELECT group_concat(m.address, ' ') FROM emails m WHERE m.contact_id = c.id) AS ea
         FROM contacts c WHERE c.directory_id = ?`,
        [directoryId],
      );
      for (const r of rows) {
        if (r.source_id) bySource.set(r.source_id, r.id);
        if (r.favorite) favorites.add(r.id);
        // SQLite's lower() (as the keys were read before): ASCII letters only.
        const keys = identityKeys(r.name_key, r.pd ? r.pd.split(' ') : [], r.ea ? lowerAscii(r.ea).split(' ') : []);
        for (const k of keys) byKey.set(k, r.id);
        stored.set(r.id, { hash: r.hash, sourceId: r.source_id, favorite: r.favorite });
      }
    }
    const deferred = inputs.length >= BULK_ROWS ? await this.#dropDeferredIndexes(tx, inputs.length) : [];
    try {
      const report = await this.#upsertRows(tx, directoryId, inputs, opts, now, { bySource, byKey, favorites, stored });
      for (const sql of deferred) await tx.exec(sql);
      return report;
    } catch (err) {
      // The caller's transaction rolls back and brings them back; rebuilt anyway for a caller that carries on after a
      // failed batch (best effort: the original error is what matters).
      for (const sql of deferred) await tx.exec(sql).catch(() => undefined);
      throw err;
    }
  }

  /**
   * On a bulk write into tables holding few rows (a first import), drops DEFERRED_INDEXES and returns the statements
   * that create them again, as the migrations wrote them (read from sqlite_master). Inside the caller's transaction:
   * a rollback restores them, and the read connection never sees the tables without them (WAL).
   */
  async #dropDeferredIndexes(tx: SqlRunner, rows: number): Promise<string[]> {
    const existing = await tx.get<{ n: number }>('SELECT count(*) AS n FROM contacts');
    if ((existing?.n ?? 0) > rows * BULK_EXISTING_RATIO) return [];
    const indexes = await tx.all<{ name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name IN (${DEFERRED_INDEXES.map(() => '?').join(',')})`,
      DEFERRED_INDEXES,
    );
    for (const ix of indexes) await tx.exec(`DROP INDEX "${ix.name}"`);
    return indexes.map((ix) => ix.sql);
  }

  async #upsertRows(
    tx: SqlRunner,
    directoryId: number,
    inputs: readonly ContactInput[],
    opts: UpsertOptions,
    now: number,
    known: {
      bySource: Map<string, number>;
      byKey: Map<string, number>;
      favorites: Set<number>;
      stored: ReadonlyMap<number, { hash: string | null; sourceId: string | null; favorite: number }>;
    },
  ): Promise<UpsertReport> {
    const { bySource, byKey, favorites, stored } = known;
    // The memos of folded words and parsed numbers live as long as this write: a directory is not kept in memory.
    const preparer = new ContactPreparer(this.options.defaultCountry);
    const ready = opts.prepared?.country === preparer.country ? opts.prepared.contacts : undefined;
    /** Ids written (or about to be) by this call: a later row for the same contact is always written. */
    const touched = new Set<number>();
    const maxRow = await tx.get<{ m: number | null }>('SELECT max(id) AS m FROM contacts');
    let nextId = (maxRow?.m ?? 0) + 1;
    const ids: number[] = [];
    const pending = new Map<number, Prepared>();
    const fresh = new Set<number>();
    const updatedIds = new Set<number>();
    const written = new Set<number>();
    const ftsLater = new Map<number, SqlValue[]>();
    let done = 0;
    const flush = async (): Promise<void> => {
      if (pending.size === 0) return;
      const batch = [...pending.entries()];
      pending.clear();
      // A "fresh" id already written by an earlier batch (a duplicate later in the same file) exists too.
      await this.#writeBatch(tx, directoryId, batch, now, batch.some(([id]) => !fresh.has(id) || written.has(id)), ftsLater);
      for (const [id] of batch) written.add(id);
      // The statements are synchronous (better-sqlite3): between batches the thread's loop turns, so the storage
      // worker answers searches and caller lookups on its read connection, and reads a cancel, while an import runs.
      if (inputs.length > BATCH) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (let i = 0; i < inputs.length; i++) {
      const prepared = ready?.[i] ?? preparer.prepare(inputs[i]!);
      const { n, digits } = prepared;
      const keys = identityKeys(n.nameKey, digits, n.emails);
      let id = opts.dedupe && n.sourceId ? bySource.get(n.sourceId) : undefined;
      if (opts.dedupe) for (let k = 0; id === undefined && k < keys.length; k++) id = byKey.get(keys[k]!);
      if (id === undefined) {
        id = nextId++;
        fresh.add(id);
      } else if (!fresh.has(id)) {
        updatedIds.add(id);
      }
      // Re-imports never clear a favorite: the receptionist set it, the source file doesn't know about it.
      const favorite = n.favorite || favorites.has(id) || pending.get(id)?.n.favorite === true;
      if (favorite) favorites.add(id);
      // A row without a source id keeps the one an earlier row of this batch gave the contact (written one by one,
      // the earlier row's was stored and `coalesce` kept it; replacing the pending row must not drop it).
      const sourceId = n.sourceId ?? pending.get(id)?.n.sourceId ?? null;
      const nf = favorite === n.favorite && sourceId === n.sourceId ? n : { ...n, favorite, sourceId };
      const before = touched.has(id) ? undefined : stored.get(id);
      const unchanged = before !== undefined && before.favorite === (favorite ? 1 : 0) &&
        (n.sourceId === null || n.sourceId === before.sourceId) && n.hash === before.hash;
      if (!unchanged) {
        if (before !== undefined) touched.add(id); // (only stored contacts are looked up in it)
        const forms = prepared.forms ?? preparer.forms(n, digits);
        pending.set(id, { n: nf, phones: n.phones.map((p, k) => ({ type: p.type, forms: forms[k]! })), fts: prepared.fts ?? preparer.ftsTexts(n) });
      }
      if (n.sourceId) bySource.set(n.sourceId, id);
      for (const k of keys) byKey.set(k, id);
      ids.push(id);
      if (pending.size >= BATCH) await flush();
      done++;
      if (opts.onProgress && (done % 1000 === 0 || done === inputs.length)) opts.onProgress(done, inputs.length);
    }
    await flush();
    await this.#insertFtsRows(tx, ftsLater, inputs.length > BATCH);
    return { inserted: fresh.size, updated: updatedIds.size, ids };
  }

  /**
   * The index entries of a whole upsertMany, written after its rows, in rowid order, FTS_CHUNK contacts per statement
   * (one JSON array bound, read by json_each). FTS5 keeps new entries in memory and writes them out as a new segment
   * when a statement with a statement journal starts (its xSavepoint flushes), which every multi-row INSERT is:
   * interleaved with the batches of contacts, phones and e-mails, that made one small segment per 400 contacts, merged
   * again and again (automerge). A 50,000-row first import: ~0.2 s less SQLite time. Same rows, bytes and tokens
   * (tests/unit/contact-store-write.test.ts compares every row with the previous implementation).
   */
  async #insertFtsRows(tx: SqlRunner, rows: ReadonlyMap<number, SqlValue[]>, yieldBetween: boolean): Promise<void> {
    const ids = [...rows.keys()].sort((a, b) => a - b);
    for (let i = 0; i < ids.length; i += FTS_CHUNK) {
      const chunk = ids.slice(i, i + FTS_CHUNK).map((id) => [id, ...rows.get(id)!]);
      const json = JSON.stringify(chunk);
      await tx.run(
        `INSERT INTO contacts_fts (rowid, name, org, flags)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) ORDER BY key`,
        [json],
      );
      // As between write batches: the worker's loop turns (searches on the read connection, a cancel).
      if (yieldBetween && i + FTS_CHUNK < ids.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * `mayExist` false: every id is new, so there are no old phones/e-mails/index rows to delete first. With `ftsLater`,
   * the rows' new index entries go there (by id) instead of into contacts_fts: see #insertFtsRows.
   */
  async #writeBatch(
    tx: SqlRunner,
    directoryId: number,
    rows: readonly [number, Prepared][],
    now: number,
    mayExist = true,
    ftsLater?: Map<number, SqlValue[]>,
  ): Promise<void> {
    const cVals: SqlValue[] = [];
    const fVals: SqlValue[] = [];
    // Flat: one value list per table, cut into statements by insertRows (no array per phone or e-mail).
    const pVals: SqlValue[] = [];
    const eVals: SqlValue[] = [];
    for (const [id, { n, phones, fts }] of rows) {
      cVals.push(id, directoryId, n.sourceId, n.name, n.firstName, n.lastName, n.company, n.department, n.title,
        n.notes, n.favorite ? 1 : 0, n.nameKey, n.hash, now, now);
      const ftsValues = [fts[0], fts[1], n.favorite ? 'fav' : ''];
      if (ftsLater) ftsLater.set(id, ftsValues);
      else fVals.push(id, ...ftsValues);
      for (const p of phones) pVals.push(id, p.type, p.forms.raw, p.forms.e164, p.forms.digits, p.forms.nationalDigits, p.forms.digitsRev);
      for (const e of n.emails) eVals.push(id, e);
    }
    const idList = rows.map(([id]) => id);
    const inIds = `(${idList.map(() => '?').join(',')})`;
    await tx.run(
      `INSERT INTO contacts (id, directory_id, source_id, name, first_name, last_name, company, department, title,
         notes, favorite, name_key, content_hash, created_at, updated_at) VALUES ${placeholders(rows.length, 15)}
       ON CONFLICT(id) DO UPDATE SET source_id = coalesce(excluded.source_id, source_id), name = excluded.name,
         first_name = excluded.first_name, last_name = excluded.last_name, company = excluded.company,
         department = excluded.department, title = excluded.title, notes = excluded.notes,
         favorite = excluded.favorite, name_key = excluded.name_key, content_hash = excluded.content_hash,
         updated_at = excluded.updated_at`,
      cVals,
    );
    if (mayExist) {
      await tx.run(`DELETE FROM phones WHERE contact_id IN ${inIds}`, idList);
      await tx.run(`DELETE FROM emails WHERE contact_id IN ${inIds}`, idList);
      await tx.run(`DELETE FROM contacts_fts WHERE rowid IN ${inIds}`, idList);
    }
    if (!ftsLater) await tx.run(`INSERT INTO contacts_fts (rowid, name, org, flags) VALUES ${placeholders(rows.length, 4)}`, fVals);
    await insertRows(tx, 'phones (contact_id, type, raw, e164, digits, national_digits, digits_rev)', 7, pVals);
    await insertRows(tx, 'emails (contact_id, address)', 2, eVals);
  }

  async #rewrite(tx: SqlRunner, id: number, prepared: Prepared, now: number): Promise<void> {
    const fav = await tx.get<{ favorite: number }>('SELECT favorite FROM contacts WHERE id = ?', [id]);
    await this.#writeBatch(tx, (await tx.get<{ d: number }>('SELECT directory_id AS d FROM contacts WHERE id = ?', [id]))!.d,
      [[id, { ...prepared, n: { ...prepared.n, favorite: prepared.n.favorite || fav?.favorite === 1 } }]], now);
  }

  /** Full contacts for ids, in the order given (missing ids are dropped). */
  async hydrate(db: SqlRunner, ids: readonly number[]): Promise<Contact[]> {
    return (await this.#hydrate(db, ids, false)).map((x) => x.contact);
  }

  /** As hydrate, each with its directory, in the same statement (search results show both). */
  async hydrateWithDirectory(db: SqlRunner, ids: readonly number[]): Promise<{ contact: Contact; directory: Directory }[]> {
    return (await this.#hydrate(db, ids, true)) as { contact: Contact; directory: Directory }[];
  }

  async #hydrate(db: SqlRunner, ids: readonly number[], withDirectory: boolean): Promise<{ contact: Contact; directory?: Directory }[]> {
    if (ids.length === 0) return [];
    const out: { contact: Contact; directory?: Directory }[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const q = chunk.map(() => '?').join(',');
      // One statement (each costs a step through the driver; search hydrates on every keystroke): the phones
      // and e-mails come as JSON arrays in id order, as separate queries ordered by id gave them.
      const rows = await db.all<ContactRow & { ph: string; em: string; d_kind?: DirectoryKind; d_name?: string; d_priority?: number }>(
        `SELECT c.*,
           (SELECT json_group_array(json_array(p.type, p.raw, p.e164) ORDER BY p.id) FROM phones p WHERE p.contact_id = c.id) AS ph,
           (SELECT json_group_array(e.address ORDER BY e.id) FROM emails e WHERE e.contact_id = c.id) AS em
           ${withDirectory ? ', d.kind AS d_kind, d.name AS d_name, d.priority AS d_priority' : ''}
         FROM contacts c ${withDirectory ? 'JOIN directories d ON d.id = c.directory_id' : ''} WHERE c.id IN (${q})`,
        chunk,
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of chunk) {
        const r = byId.get(id);
        if (!r) continue;
        const contact = toContact(
          r,
          (JSON.parse(r.ph) as [PhoneType, string, string | null][]).map(([type, raw, e164]): Phone => ({ type, number: raw, e164 })),
          JSON.parse(r.em) as string[],
        );
        out.push(withDirectory ? { contact, directory: { id: r.directory_id, kind: r.d_kind!, name: r.d_name!, priority: r.d_priority! } } : { contact });
      }
    }
    return out;
  }
}

/** A contact from its row, its phones and its e-mails (each in id order). */
function toContact(r: ContactRow, phones: Phone[], emails: string[]): Contact {
  return {
    id: r.id,
    directoryId: r.directory_id,
    sourceId: r.source_id,
    name: r.name,
    firstName: r.first_name,
    lastName: r.last_name,
    company: r.company,
    department: r.department,
    title: r.title,
    notes: r.notes,
    favorite: r.favorite === 1,
    phones,
    emails,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const placeholderCache = new Map<string, string>();

function placeholders(rows: number, cols: number): string {
  const key = `${rows}x${cols}`;
  let s = placeholderCache.get(key);
  if (s === undefined) {
    const one = `(${Array.from({ length: cols }, () => '?').join(',')})`;
    s = Array.from({ length: rows }, () => one).join(',');
    if (placeholderCache.size >= 100) placeholderCache.clear();
    placeholderCache.set(key, s);
  }
  return s;
}

/**
 * Rows per multi-row INSERT of phones and e-mails: a batch of contacts has a varying number of them, and a statement
 * per count would be compiled anew for almost every batch (each is a different SQL text). In these few sizes each
 * statement is compiled once and then reused from the connection's statement cache.
 */
const CHUNKS = [BATCH, 256, 128, 64, 32, 16, 8, 4, 2, 1] as const;

/** Inserts rows given as one flat list of values, `cols` per row. */
async function insertRows(tx: SqlRunner, target: string, cols: number, values: readonly SqlValue[]): Promise<void> {
  const rows = values.length / cols;
  let i = 0;
  for (const size of CHUNKS) {
    for (; rows - i >= size; i += size) {
      await tx.run(`INSERT INTO ${target} VALUES ${placeholders(size, cols)}`, values.slice(i * cols, (i + size) * cols));
    }
  }
}
