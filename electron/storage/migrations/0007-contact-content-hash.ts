import type { SqlRunner } from '../db';

/**
 * Re-import speed (issue 14): each contact keeps a hash of the normalized input it was last written from
 * (contact-store.ts `contentHash`: fields, raw numbers, e-mails, the default country and the versions of the code
 * that derives phone forms and folded names from them). A re-import compares hashes: a row whose input is unchanged
 * is neither parsed again (libphonenumber) nor read back as a whole. Rows written before this migration have NULL,
 * which matches no hash: the next import writes them once, with their hash.
 */
export async function up0007ContactContentHash(db: SqlRunner): Promise<void> {
  // A file whose user_version was set back by hand or by a test has the column already, maybe with hashes that code
  // unaware of it did not keep up to date: they are cleared (each such row is written once more by the next import).
  const columns = await db.all<{ name: string }>('PRAGMA table_info(contacts)');
  if (columns.some((c) => c.name === 'content_hash')) await db.exec('UPDATE contacts SET content_hash = NULL');
  else await db.exec('ALTER TABLE contacts ADD COLUMN content_hash TEXT');
}
