/**
 * The directory service: the one object main/web-host wire to contract commands. Each method takes and returns
 * plain data (no sqlite rows, no Buffers across IPC except file paths read here in main), and expected failures
 * come back as `{ ok: false, error: { code, message } }` (STYLE.md §4).
 */
import * as fs from 'node:fs/promises';
import type { CountryCode } from 'libphonenumber-js';
import { contactExtension } from '../../contract/contact-extension';
import { ContactPreparer, type PreparedContact } from '../../storage/contact-prepare';
import { ContactStore, type ContactPage } from '../../storage/contact-store';
import { Database, StorageError } from '../../storage/db';
import { prepareDatabaseErasure, scrubDatabase, type PreparedDatabaseErasure } from '../../storage/erase';
import { HistoryStore, type CallDetails, type HistoryEntry, type HistoryEntryInput, type HistoryQuery } from '../../storage/history-store';
import { openDatabase, type SetAside } from '../../storage/open-database';
import type { Contact, ContactInput, Directory, DirectoryKind } from '../../storage/types';
import type { CompanyDirectorySource } from './company-source';
import {
  exportContactsCsv,
  ImportError,
  importContacts,
  importParsed,
  parseContactsFileAsync,
  previewImport,
  previewOf,
  type ExportOptions,
  type ImportOptions,
  type ImportPreview,
  type ImportReport,
  type ParsedFile,
  type ProgressCallback,
} from './import';
import { fileTooLarge, LIMITS } from './import/errors';
import { DirectorySearch, type SearchHit, type SearchOptions } from './search';

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface DirectoryServiceOptions {
  /** Database file; `:memory:` in tests. */
  readonly dbPath: string;
  /** A function when it may change after opening (the console: the saved settings' country arrives later). */
  readonly defaultCountry: CountryCode | (() => CountryCode);
  /**
   * A damaged database file, or one a newer version wrote, is moved aside and a fresh one created (the console:
   * `setAside` says where it went). Without it such a file is refused (the CLI must not swap databases).
   */
  readonly recover?: boolean;
}

/** Below this many entries in the local copy, any non-empty refresh is believed (a tiny test directory). */
export const COMPANY_SHRINK_MIN_CACHED = 20;

/**
 * A refresh of the company directory is not applied when it brings nothing while the copy has entries, or less than
 * `minRatio` of a copy of at least COMPANY_SHRINK_MIN_CACHED entries: an LDAP server that answers "success" with an
 * empty or truncated result (wrong base after a migration, a replica being rebuilt, an ACL change) must not wipe the
 * offline directory. `minRatio` 0 turns the check off.
 */
export function companyShrinkRefused(found: number, cached: number, minRatio: number): boolean {
  if (minRatio <= 0 || cached === 0) return false;
  if (found === 0) return true;
  return cached >= COMPANY_SHRINK_MIN_CACHED && found < cached * minRatio;
}

/** A company refresh that would have emptied or gutted the local copy: the copy was kept. */
export class CompanyShrinkError extends StorageError {
  constructor(
    readonly found: number,
    readonly cached: number,
  ) {
    super(
      `The company directory answered with ${found} ${found === 1 ? 'entry' : 'entries'} instead of about ${cached}: the local copy was kept. If the directory really shrank, the administrator can force the refresh.`,
      'company-shrunk',
    );
  }
}

/** How far a company refresh is: entries fetched so far (the total is unknown until the last page), then written. */
export type CompanySyncProgress =
  | { readonly phase: 'fetch'; readonly done: number }
  | { readonly phase: 'write'; readonly done: number; readonly total: number };

/** Entries fetched between two `fetch` progress reports (one LDAP page). */
export const COMPANY_FETCH_PROGRESS_EVERY = 500;

export interface CompanySyncOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CompanySyncProgress) => void;
  /** See companyShrinkRefused (default 0.5). */
  readonly minRatio?: number;
  /** Apply the result whatever its size (the administrator knows the directory shrank). */
  readonly force?: boolean;
}

const companySyncCancelled = (): StorageError => new StorageError('The company directory refresh was cancelled: the local copy was kept', 'aborted');

/**
 * Every entry of a company source, progress reported per page; a cancel (between pages) keeps nothing. Runs where
 * the source's network reads and decoding should run: in the storage worker for the console (issue 14).
 */
export async function fetchCompany(source: CompanyDirectorySource, options: Pick<CompanySyncOptions, 'signal' | 'onProgress'> = {}): Promise<ContactInput[]> {
  const { signal, onProgress } = options;
  const entries: ContactInput[] = [];
  for await (const e of source.fetchAll(signal ? { signal } : {})) {
    entries.push(e);
    if (entries.length % COMPANY_FETCH_PROGRESS_EVERY === 0) {
      if (signal?.aborted) break;
      onProgress?.({ phase: 'fetch', done: entries.length });
    }
  }
  // Reported before the last check: a listener that cancels on it is obeyed before anything is written.
  if (!signal?.aborted && (entries.length === 0 || entries.length % COMPANY_FETCH_PROGRESS_EVERY !== 0)) onProgress?.({ phase: 'fetch', done: entries.length });
  if (signal?.aborted) throw companySyncCancelled();
  return entries;
}

async function guard<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ImportError || err instanceof StorageError) return { ok: false, error: { code: err.code, message: err.message } };
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string' && e.syscall) {
      return { ok: false, error: { code: 'unreadable', message: `Cannot read the file: ${e.message}` } };
    }
    throw err; // a bug, not an expected failure
  }
}

/**
 * A file to import, read no further than the importer's size cap: a multi-gigabyte file is refused from its size
 * (fs.readFile would throw a RangeError past 2 GiB, or fill the memory), and a pipe or device is read in pieces.
 */
async function readImportFile(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.isFile() && st.size > LIMITS.maxFileBytes) throw fileTooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const piece = Buffer.allocUnsafe(1024 * 1024);
      const { bytesRead } = await handle.read(piece, 0, piece.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      total += bytesRead;
      if (total > LIMITS.maxFileBytes) throw fileTooLarge();
      chunks.push(piece.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

export class DirectoryService {
  private constructor(
    readonly db: Database,
    readonly contacts: ContactStore,
    readonly history: HistoryStore,
    readonly searcher: DirectorySearch,
    /** The unusable file that was moved aside at open (only with `recover`). */
    readonly setAside?: SetAside,
  ) {}

  /** Opens the database, checks and migrates it (refusing a damaged one or one from a newer app, unless `recover`), and builds the stores. */
  static async open(options: DirectoryServiceOptions): Promise<DirectoryService> {
    const { db, setAside } = await openDatabase(options.dbPath, { recover: options.recover === true });
    const given = options.defaultCountry;
    const country = typeof given === 'function' ? given : () => given;
    // The stores read the country at each write, so a later one applies to what is written from then on.
    const countryOption = {
      get defaultCountry(): CountryCode {
        return country();
      },
    };
    const contacts = new ContactStore(db, countryOption);
    return new DirectoryService(db, contacts, new HistoryStore(db, countryOption), new DirectorySearch(contacts, country), setAside);
  }

  /**
   * A second, read-only connection to a database another DirectoryService opened (and migrated): the storage worker
   * answers searches, caller lookups and history queries on it while an import holds the writer (WAL).
   */
  static async openReader(dbPath: string, defaultCountry: () => CountryCode): Promise<DirectoryService> {
    const db = await Database.open(dbPath, { readonly: true });
    const countryOption = {
      get defaultCountry(): CountryCode {
        return defaultCountry();
      },
    };
    const contacts = new ContactStore(db, countryOption);
    return new DirectoryService(db, contacts, new HistoryStore(db, countryOption), new DirectorySearch(contacts, defaultCountry));
  }

  // directory.search
  search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    return this.searcher.search(query, options);
  }
  // directory.lookup (call service: incoming/outgoing caller name)
  lookupNumber(raw: string): Promise<(Contact & { directory: Directory }) | undefined> {
    return this.searcher.lookupNumber(raw);
  }
  // directory.list
  listDirectories(): Promise<Directory[]> {
    return this.contacts.directories();
  }
  ensureDirectory(kind: DirectoryKind, name: string): Promise<Directory> {
    return this.contacts.ensureDirectory(kind, name);
  }
  // contacts.list / get / create / update / delete / favorite
  listContacts(directoryId: number, page?: ContactPage): Promise<Contact[]> {
    return this.contacts.list(directoryId, page);
  }
  getContact(id: number): Promise<Contact | undefined> {
    return this.contacts.get(id);
  }
  createContact(directoryId: number, input: ContactInput): Promise<Contact> {
    return this.contacts.create(directoryId, input);
  }
  updateContact(id: number, input: ContactInput): Promise<Contact | undefined> {
    return this.contacts.update(id, input);
  }
  deleteContact(id: number): Promise<boolean> {
    return this.contacts.delete(id);
  }
  setFavorite(id: number, favorite: boolean): Promise<void> {
    return this.contacts.setFavorite(id, favorite);
  }

  // contacts.importPreview
  previewImportFile(file: string, limit = 20): Promise<Result<ImportPreview>> {
    return guard(async () => previewImport(await readImportFile(file), limit));
  }
  // contacts.import (progress → a `contacts.importProgress` event; an aborted `signal` → error `cancelled`, nothing written)
  importFile(file: string, directoryId: number, opts: { dryRun?: boolean; onProgress?: ProgressCallback; signal?: AbortSignal } = {}): Promise<Result<ImportReport>> {
    return guard(async () => importContacts(this.contacts, directoryId, await readImportFile(file), opts));
  }
  // contacts.export
  exportFile(file: string, directoryId: number): Promise<Result<{ count: number }>> {
    return guard(async () => {
      await fs.writeFile(file, await exportContactsCsv(this.contacts, directoryId));
      return { count: await this.contacts.count(directoryId) };
    });
  }

  /**
   * Replaces the company directory with what the source yields (one transaction; entries keep their ids). A
   * cancelled fetch, or a result that would empty or gut the copy (companyShrinkRefused), changes nothing.
   */
  async syncCompany(source: CompanyDirectorySource, options: CompanySyncOptions = {}): Promise<{ inserted: number; updated: number; removed: number }> {
    const entries = await fetchCompany(source, options);
    return this.replaceCompany(entries, options);
  }

  /**
   * The write half of syncCompany: the fetched entries replace the copy (one transaction, written in batches). A
   * `signal` aborted between batches rolls it back (StorageError `aborted`).
   */
  async replaceCompany(
    entries: readonly ContactInput[],
    options: Pick<CompanySyncOptions, 'minRatio' | 'force' | 'signal' | 'onProgress'> = {},
  ): Promise<{ inserted: number; updated: number; removed: number }> {
    const { signal, onProgress } = options;
    const dir = await this.contacts.ensureDirectory('company', 'Company');
    return this.db.transaction(async (tx) => {
      const cached = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM contacts WHERE directory_id = ?', [dir.id]))?.n ?? 0;
      if (!options.force && companyShrinkRefused(entries.length, cached, options.minRatio ?? 0.5)) throw new CompanyShrinkError(entries.length, cached);
      const r = await this.contacts.upsertMany(tx, dir.id, entries, {
        dedupe: true,
        ...((signal || onProgress) && {
          onProgress: (done: number, total: number) => {
            if (signal?.aborted) throw companySyncCancelled();
            onProgress?.({ phase: 'write', done, total });
          },
        }),
      });
      if (signal?.aborted) throw companySyncCancelled();
      const keep = new Set(r.ids);
      const existing = await tx.all<{ id: number }>('SELECT id FROM contacts WHERE directory_id = ?', [dir.id]);
      const gone = existing.map((x) => x.id).filter((id) => !keep.has(id));
      for (const id of gone) {
        await tx.run('DELETE FROM contacts_fts WHERE rowid = ?', [id]);
        await tx.run('DELETE FROM contacts WHERE id = ?', [id]);
      }
      return { inserted: r.inserted, updated: r.updated, removed: gone.length };
    });
  }

  // history.add (call service) / history.query / history.delete / history.export
  addHistory(entry: HistoryEntryInput): Promise<number> {
    return this.history.add(entry);
  }
  queryHistory(q: HistoryQuery): Promise<HistoryEntry[]> {
    return this.history.query(q);
  }
  deleteHistory(target: Parameters<HistoryStore['delete']>[0]): Promise<number> {
    return this.history.delete(target);
  }
  /** Every matching call (or the newest `q.limit`), with progress and a cancel signal: HistoryStore.exportCsv. */
  exportHistoryCsv(q?: HistoryQuery, opts: ExportOptions = {}): Promise<string> {
    return this.history.exportCsv(q, opts);
  }

  // ───── The rest of what the contacts service (contacts-service.ts) needs: one call each, so through the storage
  // worker (worker/directory-client.ts) every operation is one message round trip.

  countContacts(directoryId?: number): Promise<number> {
    return this.contacts.count(directoryId);
  }
  getDirectory(id: number): Promise<Directory | undefined> {
    return this.contacts.directory(id);
  }
  speedDials(directoryId?: number): Promise<{ position: number; contact: Contact }[]> {
    return this.contacts.speedDials(directoryId);
  }
  setSpeedDialPosition(id: number, position: number | null): Promise<void> {
    return this.contacts.setSpeedDialPosition(id, position);
  }
  hydrate(ids: readonly number[]): Promise<Contact[]> {
    return this.contacts.hydrate(this.db, ids);
  }
  /** The favorites (the mirror of the favorites list) in name order. */
  listFavorites(page: { limit: number; afterId?: number }): Promise<Contact[]> {
    return this.contacts.favorites(page);
  }
  getHistory(id: number): Promise<HistoryEntry | undefined> {
    return this.history.get(id);
  }
  saveHistoryDetails(historyId: number, details: CallDetails): Promise<void> {
    return this.history.saveDetails(historyId, details);
  }
  historyDetails(historyId: number): Promise<CallDetails> {
    return this.history.details(historyId);
  }
  /**
   * An uploaded file's preview (contacts.importPreview), parsed here — in the console, on the storage worker, not on
   * the loop that carries SIP. The parse is kept for the commit that usually follows (importBuffer with the same
   * bytes), so the confirmation writes at once instead of parsing the file again; and while the receptionist reads the
   * preview, its contacts are prepared for the write (normalized, numbers parsed, index texts folded: about 40 % of a
   * large import's time), in small batches that leave this thread free for searches. `skipped` lists at most the
   * first PREVIEW_SKIPPED rows; `total - valid` counts them all.
   */
  async previewImportBuffer(data: Uint8Array, limit = 20): Promise<ImportPreview> {
    const buf = asBuffer(data);
    this.#forgetPreview();
    const parsed = await parseContactsFileAsync(buf);
    const timer = setTimeout(() => this.#forgetPreview(), PREVIEW_KEPT_MS);
    timer.unref?.();
    const kept: KeptPreview = { data: buf, parsed, timer, prepared: { country: this.contacts.options.defaultCountry, contacts: [] } };
    this.#previewed = kept;
    void this.#prepareAhead(kept);
    const preview = previewOf(parsed, limit);
    return { ...preview, skipped: preview.skipped.slice(0, PREVIEW_SKIPPED) };
  }

  /**
   * An uploaded file imported (contacts.importCommit): throws ImportError/StorageError as importContacts does. The
   * file previewed last, byte for byte the same, is not parsed again.
   */
  importBuffer(data: Uint8Array, directoryId: number, opts: ImportOptions = {}): Promise<ImportReport> {
    const buf = asBuffer(data);
    const kept = this.#previewed;
    this.#forgetPreview();
    if (kept?.data.equals(buf)) return importParsed(this.contacts, directoryId, kept.parsed, opts, kept.prepared);
    return importContacts(this.contacts, directoryId, buf, opts);
  }

  #previewed: KeptPreview | undefined;

  /**
   * Prepares the kept preview's contacts in order, until all are (at most PREPARE_AHEAD_MAX), or the preview is
   * committed or forgotten.
   */
  async #prepareAhead(kept: KeptPreview): Promise<void> {
    const preparer = new ContactPreparer(kept.prepared.country);
    // A contact whose content hash is already stored is most likely unchanged (a directory exported again): the write
    // will skip it, so its numbers are not parsed ahead (the write parses them if it writes it after all).
    const known = new Set(await this.contacts.contentHashes().catch(() => []));
    const { contacts } = kept.parsed;
    const out = kept.prepared.contacts;
    const last = Math.min(contacts.length, PREPARE_AHEAD_MAX);
    while (out.length < last) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#previewed !== kept) return;
      const end = Math.min(last, out.length + PREPARE_AHEAD_BATCH);
      while (out.length < end) {
        const p = preparer.prepare(contacts[out.length]!.contact);
        out.push(known.has(p.n.hash) ? p : preparer.ahead(p));
      }
    }
  }

  #forgetPreview(): void {
    if (this.#previewed) clearTimeout(this.#previewed.timer);
    this.#previewed = undefined;
  }
  /** With progress (contacts written of the directory's) and a cancel signal: see import/index.ts exportContactsCsv. */
  exportContactsCsv(directoryId: number, opts: ExportOptions = {}): Promise<Buffer> {
    return exportContactsCsv(this.contacts, directoryId, opts);
  }
  /**
   * Contacts starred by a version before issue 13 (migration 0005 moved the stars to `starred_handover`), for the
   * favorites list to take over; clearStarred() once it has.
   */
  async takeStarred(): Promise<{ ids: number[]; contacts: Contact[] }> {
    const rows = await this.db.all<{ id: number }>(
      'SELECT h.contact_id AS id FROM starred_handover h JOIN contacts c ON c.id = h.contact_id ORDER BY c.name_key, c.id LIMIT 1000',
      [],
    );
    const ids = rows.map((r) => r.id);
    return { ids, contacts: await this.contacts.hydrate(this.db, ids) };
  }
  async clearStarred(ids: readonly number[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        await tx.run(`DELETE FROM starred_handover WHERE contact_id IN (${chunk.map(() => '?').join(',')})`, chunk);
      }
    });
  }

  /**
   * One transaction: `contacts.favorite` and the FTS `fav` flag set on the contacts whose extension (contact-extension.ts)
   * is in `extensions`, cleared on every other. Only the candidates are read — contacts flagged now and contacts with a
   * phone equal to a favorite (indexed national digits; the raw form for dial strings with letters or `*#`) — and only
   * the rows that differ are written. Returns how many changed.
   */
  mirrorFavorites(extensionList: readonly string[]): Promise<number> {
    const extensions = new Set(extensionList);
    return this.db.transaction(async (tx) => {
      const ids = new Set<number>();
      for (const r of await tx.all<{ id: number }>('SELECT id FROM contacts WHERE favorite = 1', [])) ids.add(r.id);
      const list = [...extensions].filter((e) => e !== '');
      for (let i = 0; i < list.length; i += 400) {
        const chunk = list.slice(i, i + 400);
        const digits = chunk.filter((e) => /^\d+$/.test(e));
        const other = chunk.filter((e) => !/^\d+$/.test(e));
        const where = [
          ...(digits.length ? [`national_digits IN (${digits.map(() => '?').join(',')})`] : []),
          ...(other.length ? [`raw IN (${other.map(() => '?').join(',')})`] : []),
        ];
        const rows = await tx.all<{ id: number }>(`SELECT DISTINCT contact_id AS id FROM phones WHERE ${where.join(' OR ')}`, [...digits, ...other]);
        for (const r of rows) ids.add(r.id);
      }
      let changed = 0;
      for (const c of await this.contacts.hydrate(tx, [...ids])) {
        const ext = contactExtension(c);
        const want = ext !== undefined && extensions.has(ext);
        if (want === c.favorite) continue;
        await tx.run('UPDATE contacts SET favorite = ? WHERE id = ?', [want ? 1 : 0, c.id]);
        await tx.run('UPDATE contacts_fts SET flags = ? WHERE rowid = ?', [want ? 'fav' : '', c.id]);
        changed++;
      }
      return changed;
    });
  }

  /** "Delete all data": every row deleted inside a transaction held open until commit() or rollback() (erase.ts). */
  prepareErasure(): Promise<PreparedDatabaseErasure> {
    return prepareDatabaseErasure(this.db);
  }
  /** After the erasure: freed pages rewritten, the WAL emptied (best effort). */
  scrub(): Promise<void> {
    return scrubDatabase(this.db);
  }
  /** The SQLite library actually linked (About). */
  async sqliteVersion(): Promise<string | undefined> {
    return (await this.db.get<{ v: string }>('SELECT sqlite_version() AS v'))?.v;
  }

  close(): Promise<void> {
    this.#forgetPreview();
    return this.db.close();
  }
}

/** How long a previewed file's parse waits for its commit (then the commit parses again): a parse of a large file is held in memory, so not for ever. */
const PREVIEW_KEPT_MS = 10 * 60_000;
/** Contacts prepared ahead between two turns of the worker's loop (a few milliseconds: a search waits no longer). */
const PREPARE_AHEAD_BATCH = 100;
/**
 * Contacts of one preview prepared ahead at most: they cost memory until the commit (~2 KB each in the process's
 * footprint); the commit prepares the rest of a larger file itself.
 */
export const PREPARE_AHEAD_MAX = 50_000;

interface KeptPreview {
  readonly data: Buffer;
  readonly parsed: ParsedFile;
  readonly timer: ReturnType<typeof setTimeout>;
  /** The parsed contacts prepared so far, in order (for the default country of the preview). */
  readonly prepared: { readonly country: CountryCode; readonly contacts: PreparedContact[] };
}
/** Skipped rows a preview lists (the dialog shows the first ones; a file of garbage would otherwise send them all). */
export const PREVIEW_SKIPPED = 200;

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/**
 * What the console uses of the directory service: the same methods in process (DirectoryService: the CLI, unit tests)
 * or through the storage worker that owns the database (DirectoryClient: both hosts of the console).
 */
export type DirectoryApi = Pick<
  DirectoryService,
  | 'setAside' | 'search' | 'lookupNumber' | 'listDirectories' | 'ensureDirectory' | 'listContacts' | 'getContact' | 'createContact'
  | 'updateContact' | 'deleteContact' | 'setFavorite' | 'previewImportFile' | 'importFile' | 'exportFile' | 'syncCompany' | 'replaceCompany'
  | 'previewImportBuffer' | 'addHistory' | 'queryHistory' | 'deleteHistory' | 'exportHistoryCsv' | 'countContacts' | 'getDirectory' | 'speedDials'
  | 'setSpeedDialPosition' | 'hydrate' | 'listFavorites' | 'getHistory' | 'saveHistoryDetails' | 'historyDetails' | 'importBuffer'
  | 'exportContactsCsv' | 'takeStarred' | 'clearStarred' | 'mirrorFavorites' | 'prepareErasure' | 'scrub' | 'sqliteVersion' | 'close'
>;
