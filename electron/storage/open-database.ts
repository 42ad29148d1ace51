/**
 * Opening the contacts database for the console: checked (PRAGMA quick_check) and migrated. With `recover`, a file
 * that is damaged, or that a newer version of the app wrote, is never used and never deleted: it is moved aside
 * (`contacts.sqlite.broken-<time>` / `contacts.sqlite.newer-<time>`, with its -wal/-shm files) and a fresh database
 * is created in its place, so contacts, caller lookup and history keep working. The caller tells the receptionist.
 */
import { existsSync, renameSync } from 'node:fs';
import { Database, isCorruption, StorageError } from './db';
import { migrate, SchemaTooNewError } from './migrate';
import { migrations as allMigrations, type NamedMigration } from './migrations';

export interface SetAside {
  readonly reason: 'damaged' | 'newer';
  /** Where the unusable file is now. */
  readonly keptIn: string;
  /** What was wrong, for the log and the message ("file is not a database", "schema 9; this version knows up to 4"). */
  readonly detail: string;
}

export interface OpenedDatabase {
  readonly db: Database;
  readonly setAside?: SetAside;
}

export interface OpenDatabaseOptions {
  /** Move a damaged or too-new file aside and start a fresh one (the console); without it, such a file is refused. */
  readonly recover?: boolean;
  readonly migrations?: readonly NamedMigration[];
  readonly now?: () => Date;
}

const inMemory = (path: string) => path === ':memory:' || path === '' || path.startsWith('file::memory:');

/** Opens, checks the file's pages and migrates; any failure closes the connection. */
async function openChecked(path: string, list: readonly NamedMigration[]): Promise<Database> {
  const db = await Database.open(path);
  try {
    if (!inMemory(path)) {
      const rows = await db.all<{ quick_check: string }>('PRAGMA quick_check(5)');
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length > 0) throw new StorageError(`The database file is damaged: ${problems.join('; ').slice(0, 200)}`, 'corrupt');
    }
    await migrate(db, list);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** Moves `path` (and its -wal/-shm/-journal files) to `<path>.<tag>-<time>`; returns the new path. */
export function moveAside(path: string, tag: 'broken' | 'newer', now: Date = new Date()): string {
  let aside = `${path}.${tag}-${stamp(now)}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.${tag}-${stamp(now)}-${n}`;
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    // The write-ahead log holds the newest committed changes: it travels with its database.
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}

function detailOf(err: unknown): string {
  if (err instanceof SchemaTooNewError) return `schema ${err.found}; this version knows up to ${err.supported}`;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^SQLITE_[A-Z_]+: /, '').replace(/^The database file is damaged: /, '').slice(0, 200);
}

export async function openDatabase(path: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const list = options.migrations ?? allMigrations;
  try {
    return { db: await openChecked(path, list) };
  } catch (err) {
    const reason = err instanceof SchemaTooNewError ? 'newer' : isCorruption(err) ? 'damaged' : undefined;
    if (!options.recover || reason === undefined || inMemory(path)) throw err;
    let keptIn: string;
    try {
      keptIn = moveAside(path, reason === 'newer' ? 'newer' : 'broken', options.now?.() ?? new Date());
    } catch (moveErr) {
      throw new StorageError(
        `The database ${path} cannot be used (${detailOf(err)}) and cannot be moved aside: ${(moveErr as Error).message}`,
        'cannot-set-aside',
        err,
      );
    }
    return { db: await openChecked(path, list), setAside: { reason, keptIn, detail: detailOf(err) } };
  }
}
