/**
 * The directory service: the one object main/web-host wire to contract commands. Each method takes and returns
 * plain data (no sqlite rows, no Buffers across IPC except file paths read here in main), and expected failures
 * come back as `{ ok: false, error: { code, message } }` (STYLE.md §4).
 */
import * as fs from 'node:fs/promises';
import type { CountryCode } from 'libphonenumber-js';
import { ContactStore } from '../../storage/contact-store';
import { Database, StorageError } from '../../storage/db';
import { HistoryStore, type HistoryEntry, type HistoryEntryInput, type HistoryQuery } from '../../storage/history-store';
import { migrate } from '../../storage/migrate';
import type { Contact, ContactInput, Directory, DirectoryKind } from '../../storage/types';
import type { CompanyDirectorySource } from './company-source';
import {
  exportContactsCsv,
  ImportError,
  importContacts,
  previewImport,
  type ImportPreview,
  type ImportReport,
  type ProgressCallback,
} from './import';
import { DirectorySearch, type SearchHit, type SearchOptions } from './search';

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface DirectoryServiceOptions {
  /** Database file; `:memory:` in tests. */
  readonly dbPath: string;
  readonly defaultCountry: CountryCode;
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

export class DirectoryService {
  private constructor(
    readonly db: Database,
    readonly contacts: ContactStore,
    readonly history: HistoryStore,
    readonly searcher: DirectorySearch,
  ) {}

  /** Opens the database, migrates it (refusing one from a newer app), and builds the stores. */
  static async open(options: DirectoryServiceOptions): Promise<DirectoryService> {
    const db = await Database.open(options.dbPath);
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    const contacts = new ContactStore(db, { defaultCountry: options.defaultCountry });
    return new DirectoryService(db, contacts, new HistoryStore(db, { defaultCountry: options.defaultCountry }), new DirectorySearch(contacts, options.defaultCountry));
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
  listContacts(directoryId: number, page?: { limit?: number; offset?: number }): Promise<Contact[]> {
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
    return guard(async () => previewImport(await fs.readFile(file), limit));
  }
  // contacts.import (progress → a `contacts.importProgress` event)
  importFile(file: string, directoryId: number, opts: { dryRun?: boolean; onProgress?: ProgressCallback } = {}): Promise<Result<ImportReport>> {
    return guard(async () => importContacts(this.contacts, directoryId, await fs.readFile(file), opts));
  }
  // contacts.export
  exportFile(file: string, directoryId: number): Promise<Result<{ count: number }>> {
    return guard(async () => {
      await fs.writeFile(file, await exportContactsCsv(this.contacts, directoryId));
      return { count: await this.contacts.count(directoryId) };
    });
  }

  /** Replaces the company directory with what the source yields (one transaction; entries keep their ids). */
  async syncCompany(source: CompanyDirectorySource, signal?: AbortSignal): Promise<{ inserted: number; updated: number; removed: number }> {
    const entries: ContactInput[] = [];
    for await (const e of source.fetchAll(signal ? { signal } : {})) entries.push(e);
    const dir = await this.contacts.ensureDirectory('company', 'Company');
    return this.db.transaction(async (tx) => {
      const r = await this.contacts.upsertMany(tx, dir.id, entries, { dedupe: true });
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
  exportHistoryCsv(q?: HistoryQuery): Promise<string> {
    return this.history.exportCsv(q);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
