/**
 * Schema migrations: an append-only list; `PRAGMA user_version` records how many have run.
 * Each migration runs in its own transaction together with the version bump, so a failure leaves the database
 * exactly as it was before that migration.
 */
import type { Database, SqlRunner } from './db';
import { StorageError } from './db';
import { migrations as allMigrations, type NamedMigration } from './migrations';

export type { Migration, NamedMigration } from './migrations';

/** The database was written by a newer version of the app; opening it could corrupt data the old code can't see. */
export class SchemaTooNewError extends StorageError {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `This contacts database was created by a newer version of Receptionist Console (schema ${found}; this version knows up to ${supported}). Update the application or choose another database file.`,
      'schema-too-new',
    );
  }
}

export async function schemaVersion(db: SqlRunner): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  return row?.user_version ?? 0;
}

/** Brings `db` up to the newest schema; returns the versions applied. */
export async function migrate(db: Database, list: readonly NamedMigration[] = allMigrations): Promise<number[]> {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration list out of order at ${m.name}`);
  });
  const current = await schemaVersion(db);
  if (current > list.length) throw new SchemaTooNewError(current, list.length);
  const applied: number[] = [];
  for (const m of list.slice(current)) {
    await db.transaction(async (tx) => {
      await m.up(tx);
      // user_version lives in the file header, which is written inside the same transaction.
      await tx.exec(`PRAGMA user_version = ${m.version}`);
    });
    applied.push(m.version);
  }
  return applied;
}
