/**
 * Emptying the contacts database for "Delete all data" (electron/services/data-erasure.ts): every row the
 * receptionist's use put there goes, inside one transaction that stays open until the other parts are ready, so a
 * failure anywhere puts everything back. The built-in directories the first migration creates stay (a new database
 * has them too). Every table of the schema is listed here as cleared or kept: a unit test fails when a migration
 * adds a table this file does not know about.
 */
import type { Database, SqlRunner } from './db';

/** Emptied, in this order (children before parents; the FTS index with its rows). */
export const ERASED_TABLES = ['call_details', 'call_history', 'call_history_fts', 'starred_handover', 'emails', 'phones', 'contacts_fts', 'contacts', 'directories'] as const;
/** Kept: none of these hold the receptionist's data. */
export const KEPT_TABLES: readonly string[] = [];
/** The directories migration 0001 creates: a fresh database has them, so they stay (emptied). */
const BUILT_IN_DIRECTORY_IDS = [1, 2, 3, 4] as const;

async function clear(tx: SqlRunner): Promise<void> {
  for (const table of ERASED_TABLES) {
    if (table === 'directories') await tx.run(`DELETE FROM directories WHERE id NOT IN (${BUILT_IN_DIRECTORY_IDS.join(',')})`);
    else await tx.run(`DELETE FROM ${table}`);
  }
  // Ids start again from 1, as in a new database (AUTOINCREMENT tables only; absent otherwise).
  const seq = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_sequence'");
  if (seq?.n) await tx.run('DELETE FROM sqlite_sequence');
}

export interface PreparedDatabaseErasure {
  /** COMMIT: the rows are gone. */
  commit(): Promise<void>;
  /** ROLLBACK: everything is as before. */
  rollback(): Promise<void>;
}

class Rollback extends Error {}

/**
 * Deletes every row inside a transaction and holds it open (the database lock with it: nothing else writes
 * meanwhile) until commit() or rollback(). Resolves once the deletes are done; rejects (rolled back) if they fail.
 */
export function prepareDatabaseErasure(db: Database): Promise<PreparedDatabaseErasure> {
  return new Promise((resolvePrepared, rejectPrepared) => {
    let decide!: (commit: boolean) => void;
    const decision = new Promise<boolean>((r) => (decide = r));
    let prepared = false;
    const done = db.transaction(async (tx) => {
      await clear(tx);
      prepared = true;
      resolvePrepared({
        commit: async () => {
          decide(true);
          await done;
        },
        rollback: async () => {
          decide(false);
          await done.catch((e: unknown) => {
            if (!(e instanceof Rollback)) throw e;
          });
        },
      });
      if (!(await decision)) throw new Rollback('rolled back');
    });
    done.catch((e: unknown) => {
      if (!prepared) rejectPrepared(e);
    });
  });
}

/**
 * After the erasure: freed pages still hold the deleted text until they are reused. VACUUM rewrites the file without
 * them and the WAL is emptied. Best effort (a big file, a busy disk): the rows are already gone either way.
 */
export async function scrubDatabase(db: Database): Promise<void> {
  if (db.path === ':memory:') return;
  await db.exec('VACUUM');
  await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
}
