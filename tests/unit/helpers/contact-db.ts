/** An in-memory contacts database for directory and import tests, and a dump to prove an import changed nothing. */
import { ContactStore } from '../../../electron/storage/contact-store';
import { Database } from '../../../electron/storage/db';
import { migrate } from '../../../electron/storage/migrate';
import type { DirectoryKind } from '../../../electron/storage/types';

/** A migrated in-memory database, its store (French numbers) and the id of one directory to write into. */
export async function freshContactStore(kind: DirectoryKind, name: string): Promise<{ db: Database; store: ContactStore; dir: number }> {
  const db = await Database.open(':memory:');
  await migrate(db);
  const store = new ContactStore(db, { defaultCountry: 'FR' });
  return { db, store, dir: (await store.ensureDirectory(kind, name)).id };
}

/** Everything the user could see, to prove "unchanged" after a failed or cancelled import. */
export async function dumpContacts(db: Database): Promise<unknown> {
  return {
    contacts: await db.all('SELECT * FROM contacts ORDER BY id'),
    phones: await db.all('SELECT * FROM phones ORDER BY id'),
    emails: await db.all('SELECT * FROM emails ORDER BY id'),
    fts: await db.all('SELECT rowid, * FROM contacts_fts ORDER BY rowid'),
  };
}
