/**
 * The contact store as it was before issue 14 item 7 (skip unchanged rows, phone-forms memo), kept verbatim as the
 * reference the unit test compares the stored rows against. Not used by the product.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Database, SqlRunner, SqlValue } from '../../../electron/storage/db';
import { phoneForms, type PhoneForms } from '../../../electron/storage/phone';
import { fold } from '../../../electron/storage/text';
import type { Contact, ContactInput, Directory, DirectoryKind, Phone, PhoneType } from '../../../electron/storage/types';

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

interface Normalized {
  readonly sourceId: string | null;
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly department: string;
  readonly title: string;
  readonly notes: string;
  readonly favorite: boolean;
  readonly phones: readonly { type: PhoneType; number: string }[];
  readonly emails: readonly string[];
  readonly nameKey: string;
}

const clean = (s: string | undefined | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

export function displayName(c: ContactInput): string {
  const explicit = clean(c.name);
  if (explicit) return explicit;
  const person = clean(`${c.firstName ?? ''} ${c.lastName ?? ''}`);
  if (person) return person;
  return clean(c.company) || clean(c.emails?.[0]) || clean(c.phones?.[0]?.number);
}

function normalize(c: ContactInput): Normalized {
  const name = displayName(c);
  return {
    sourceId: c.sourceId ? c.sourceId : null,
    name,
    firstName: clean(c.firstName),
    lastName: clean(c.lastName),
    company: clean(c.company),
    department: clean(c.department),
    title: clean(c.title),
    notes: (c.notes ?? '').trim(),
    favorite: c.favorite === true,
    phones: (c.phones ?? []).map((p) => ({ type: p.type, number: p.number.trim() })).filter((p) => p.number !== ''),
    emails: (c.emails ?? []).map((e) => e.trim()).filter((e) => e !== ''),
    nameKey: fold(name),
  };
}

/** The keys under which a contact counts as "the same" on re-import (same name + any shared number/e-mail). */
function identityKeys(nameKey: string, digits: readonly string[], emails: readonly string[]): string[] {
  const keys = digits.filter((d) => d !== '').map((d) => `${nameKey}|#${d}`);
  for (const e of emails) keys.push(`${nameKey}|@${e.toLowerCase()}`);
  if (keys.length === 0) keys.push(`${nameKey}|`);
  return keys;
}

const BATCH = 400;

interface Prepared {
  readonly n: Normalized;
  readonly phones: readonly { type: PhoneType; forms: PhoneForms }[];
}

export class ReferenceContactStore {
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

  /** Contacts of one directory in name order (paging for the contacts pane and for export). */
  async list(directoryId: number, page: { limit?: number; offset?: number } = {}): Promise<Contact[]> {
    const rows = await this.db.all<{ id: number }>(
      'SELECT id FROM contacts WHERE directory_id = ? ORDER BY name_key, id LIMIT ? OFFSET ?',
      [directoryId, page.limit ?? -1, page.offset ?? 0],
    );
    return this.hydrate(this.db, rows.map((r) => r.id));
  }

  async create(directoryId: number, input: ContactInput): Promise<Contact> {
    const report = await this.db.transaction((tx) => this.upsertMany(tx, directoryId, [input], { dedupe: false }));
    return (await this.get(report.ids[0]!))!;
  }

  /** Replaces every field of a contact (phones and e-mails included). */
  async update(id: number, input: ContactInput): Promise<Contact | undefined> {
    const n = normalize(input);
    await this.db.transaction(async (tx) => {
      const existing = await tx.get('SELECT id FROM contacts WHERE id = ?', [id]);
      if (!existing) return;
      await this.#rewrite(tx, id, n, Date.now());
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
    opts: { dedupe: boolean; onProgress?: UpsertProgress },
  ): Promise<UpsertReport> {
    const now = Date.now();
    const bySource = new Map<string, number>();
    const byKey = new Map<string, number>();
    const favorites = new Set<number>();
    if (opts.dedupe) {
      const rows = await tx.all<{ id: number; source_id: string | null; name_key: string; favorite: number; d: string | null; e: string | null }>(
        `SELECT c.id, c.source_id, c.name_key, c.favorite,
                (SELECT group_concat(digits, ' ') FROM phones WHERE contact_id = c.id) AS d,
                (SELECT group_concat(lower(address), ' ') FROM emails WHERE contact_id = c.id) AS e
           FROM contacts c WHERE c.directory_id = ?`,
        [directoryId],
      );
      for (const r of rows) {
        if (r.source_id) bySource.set(r.source_id, r.id);
        if (r.favorite) favorites.add(r.id);
        const keys = identityKeys(r.name_key, r.d ? r.d.split(' ') : [], r.e ? r.e.split(' ') : []);
        for (const k of keys) byKey.set(k, r.id);
      }
    }
    const maxRow = await tx.get<{ m: number | null }>('SELECT max(id) AS m FROM contacts');
    let nextId = (maxRow?.m ?? 0) + 1;
    const ids: number[] = [];
    const pending = new Map<number, Prepared>();
    const fresh = new Set<number>();
    const updatedIds = new Set<number>();
    const written = new Set<number>();
    let done = 0;
    const flush = async (): Promise<void> => {
      if (pending.size === 0) return;
      const batch = [...pending.entries()];
      pending.clear();
      // A "fresh" id already written by an earlier batch (a duplicate later in the same file) exists too.
      await this.#writeBatch(tx, directoryId, batch, now, batch.some(([id]) => !fresh.has(id) || written.has(id)));
      for (const [id] of batch) written.add(id);
      // The statements are synchronous (better-sqlite3): between batches the thread's loop turns, so the storage
      // worker answers searches and caller lookups on its read connection, and reads a cancel, while an import runs.
      if (inputs.length > BATCH) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (const input of inputs) {
      const n = normalize(input);
      const forms = n.phones.map((p) => ({ type: p.type, forms: phoneForms(p.number, this.options.defaultCountry) }));
      const keys = identityKeys(n.nameKey, forms.map((f) => f.forms.digits), n.emails);
      let id = opts.dedupe
        ? ((n.sourceId ? bySource.get(n.sourceId) : undefined) ?? keys.map((k) => byKey.get(k)).find((x) => x !== undefined))
        : undefined;
      if (id === undefined) {
        id = nextId++;
        fresh.add(id);
      } else if (!fresh.has(id)) {
        updatedIds.add(id);
      }
      // Re-imports never clear a favorite: the receptionist set it, the source file doesn't know about it.
      const favorite = n.favorite || favorites.has(id) || pending.get(id)?.n.favorite === true;
      if (favorite) favorites.add(id);
      // (Fixed here as in ContactStore: a second row of the contact in the same batch without a source id no longer
      // drops the first row's, which made the stored source id depend on where the batches were cut.)
      const sourceId = n.sourceId ?? pending.get(id)?.n.sourceId ?? null;
      pending.set(id, { n: { ...n, favorite, sourceId }, phones: forms });
      if (n.sourceId) bySource.set(n.sourceId, id);
      for (const k of keys) byKey.set(k, id);
      ids.push(id);
      if (pending.size >= BATCH) await flush();
      done++;
      if (opts.onProgress && (done % 1000 === 0 || done === inputs.length)) opts.onProgress(done, inputs.length);
    }
    await flush();
    return { inserted: fresh.size, updated: updatedIds.size, ids };
  }

  /** `mayExist` false: every id is new, so there are no old phones/e-mails/index rows to delete first. */
  async #writeBatch(tx: SqlRunner, directoryId: number, rows: readonly [number, Prepared][], now: number, mayExist = true): Promise<void> {
    const cVals: SqlValue[] = [];
    const fVals: SqlValue[] = [];
    const pRows: SqlValue[][] = [];
    const eRows: SqlValue[][] = [];
    for (const [id, { n, phones }] of rows) {
      cVals.push(id, directoryId, n.sourceId, n.name, n.firstName, n.lastName, n.company, n.department, n.title,
        n.notes, n.favorite ? 1 : 0, n.nameKey, now, now);
      fVals.push(id, ...this.#ftsValues(n));
      for (const p of phones) pRows.push([id, p.type, p.forms.raw, p.forms.e164, p.forms.digits, p.forms.nationalDigits, p.forms.digitsRev]);
      for (const e of n.emails) eRows.push([id, e]);
    }
    const idList = rows.map(([id]) => id);
    const inIds = `(${idList.map(() => '?').join(',')})`;
    await tx.run(
      `INSERT INTO contacts (id, directory_id, source_id, name, first_name, last_name, company, department, title,
         notes, favorite, name_key, created_at, updated_at) VALUES ${placeholders(rows.length, 14)}
       ON CONFLICT(id) DO UPDATE SET source_id = coalesce(excluded.source_id, source_id), name = excluded.name,
         first_name = excluded.first_name, last_name = excluded.last_name, company = excluded.company,
         department = excluded.department, title = excluded.title, notes = excluded.notes,
         favorite = excluded.favorite, name_key = excluded.name_key, updated_at = excluded.updated_at`,
      cVals,
    );
    if (mayExist) {
      await tx.run(`DELETE FROM phones WHERE contact_id IN ${inIds}`, idList);
      await tx.run(`DELETE FROM emails WHERE contact_id IN ${inIds}`, idList);
      await tx.run(`DELETE FROM contacts_fts WHERE rowid IN ${inIds}`, idList);
    }
    await tx.run(`INSERT INTO contacts_fts (rowid, name, org, flags) VALUES ${placeholders(rows.length, 4)}`, fVals);
    await insertRows(tx, 'phones (contact_id, type, raw, e164, digits, national_digits, digits_rev)', 7, pRows);
    await insertRows(tx, 'emails (contact_id, address)', 2, eRows);
  }

  async #rewrite(tx: SqlRunner, id: number, n: Normalized, now: number): Promise<void> {
    const fav = await tx.get<{ favorite: number }>('SELECT favorite FROM contacts WHERE id = ?', [id]);
    const phones = n.phones.map((p) => ({ type: p.type, forms: phoneForms(p.number, this.options.defaultCountry) }));
    await this.#writeBatch(tx, (await tx.get<{ d: number }>('SELECT directory_id AS d FROM contacts WHERE id = ?', [id]))!.d,
      [[id, { n: { ...n, favorite: n.favorite || fav?.favorite === 1 }, phones }]], now);
  }

  #ftsValues(n: Pick<Normalized, 'name' | 'firstName' | 'lastName' | 'company' | 'department' | 'favorite'>): SqlValue[] {
    // Folded in JS so that "helene" finds "Hélène" whatever the tokenizer's own diacritics table says.
    return [fold(`${n.name} ${n.firstName} ${n.lastName}`), fold(`${n.company} ${n.department}`), n.favorite ? 'fav' : ''];
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
        const contact: Contact = {
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
          phones: (JSON.parse(r.ph) as [PhoneType, string, string | null][]).map(([type, raw, e164]): Phone => ({ type, number: raw, e164 })),
          emails: JSON.parse(r.em) as string[],
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        };
        out.push(withDirectory ? { contact, directory: { id: r.directory_id, kind: r.d_kind!, name: r.d_name!, priority: r.d_priority! } } : { contact });
      }
    }
    return out;
  }
}

function placeholders(rows: number, cols: number): string {
  const one = `(${Array.from({ length: cols }, () => '?').join(',')})`;
  return Array.from({ length: rows }, () => one).join(',');
}

async function insertRows(tx: SqlRunner, target: string, cols: number, rows: readonly SqlValue[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    await tx.run(`INSERT INTO ${target} VALUES ${placeholders(chunk.length, cols)}`, chunk.flat());
  }
}
