import type { SqlRunner } from '../db';

/**
 * One notion of favorite (issue 13 item 2): the monitored favorites kept in the settings are the only favorites;
 * `contacts.favorite` and the FTS `fav` flag become a mirror of that list (search ranks favorites first with them).
 * Contacts starred by an earlier version are moved, once, to `starred_handover`, which the presence service takes
 * into the favorites list (contacts-service.ts `takeStarredContacts`) and empties. Nothing ever adds to this table
 * again, so a favorite the receptionist removes later can never come back from an old star, whatever the mirror
 * wrote to `contacts.favorite` and however the app was stopped.
 */
export async function up0005StarredHandover(db: SqlRunner): Promise<void> {
  await db.exec(`
    CREATE TABLE starred_handover (
      contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE
    );
    INSERT INTO starred_handover (contact_id) SELECT id FROM contacts WHERE favorite = 1;
    UPDATE contacts_fts SET flags = '' WHERE rowid IN (SELECT contact_id FROM starred_handover);
    UPDATE contacts SET favorite = 0 WHERE favorite = 1;
  `);
}
