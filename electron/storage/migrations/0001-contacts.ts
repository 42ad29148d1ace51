import type { SqlRunner } from '../db';

/**
 * Directories, contacts, their phones and e-mails, and the search index.
 * The FTS columns hold text already folded in JS (lower case, no diacritics) so indexing and querying agree
 * whatever the tokenizer does. Phones keep raw, E.164 and digit forms; only E.164, national digits and reversed
 * digits (suffix lookups of internal extensions) are indexed — raw digits equal one of those for any number
 * typed nationally or internationally, and every index costs import time.
 */
export async function up0001Contacts(db: SqlRunner): Promise<void> {
  await db.exec(`
    CREATE TABLE directories (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('personal','company','outlook','speed-dial','custom')),
      name TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 50,
      created_at INTEGER NOT NULL,
      UNIQUE (kind, name)
    );
    INSERT INTO directories (id, kind, name, priority, created_at) VALUES
      (1, 'personal', 'Personal', 10, 0),
      (2, 'company', 'Company', 20, 0),
      (3, 'outlook', 'Outlook', 30, 0),
      (4, 'speed-dial', 'Speed dial', 5, 0);

    CREATE TABLE contacts (
      id INTEGER PRIMARY KEY,
      directory_id INTEGER NOT NULL REFERENCES directories(id) ON DELETE CASCADE,
      source_id TEXT,
      name TEXT NOT NULL,
      first_name TEXT NOT NULL DEFAULT '',
      last_name TEXT NOT NULL DEFAULT '',
      company TEXT NOT NULL DEFAULT '',
      department TEXT NOT NULL DEFAULT '',
      title TEXT NOT NULL DEFAULT '',
      notes TEXT NOT NULL DEFAULT '',
      favorite INTEGER NOT NULL DEFAULT 0,
      speed_dial_position INTEGER,
      name_key TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX contacts_source ON contacts(directory_id, source_id) WHERE source_id IS NOT NULL;
    CREATE INDEX contacts_name_key ON contacts(directory_id, name_key);
    CREATE INDEX contacts_favorite ON contacts(favorite) WHERE favorite = 1;

    CREATE TABLE phones (
      id INTEGER PRIMARY KEY,
      contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      type TEXT NOT NULL,
      raw TEXT NOT NULL,
      e164 TEXT,
      digits TEXT NOT NULL,
      national_digits TEXT NOT NULL,
      digits_rev TEXT NOT NULL
    );
    CREATE INDEX phones_contact ON phones(contact_id);
    CREATE INDEX phones_e164 ON phones(e164);
    CREATE INDEX phones_national ON phones(national_digits);
    CREATE INDEX phones_rev ON phones(digits_rev);

    CREATE TABLE emails (
      id INTEGER PRIMARY KEY,
      contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      address TEXT NOT NULL
    );
    CREATE INDEX emails_contact ON emails(contact_id);

    -- rowid = contacts.id. 'flags' holds marker tokens (e.g. favorite) so "favorites first" is an index
    -- intersection, not a scan of every prefix match.
    CREATE VIRTUAL TABLE contacts_fts USING fts5(
      name, org, flags,
      tokenize = 'unicode61 remove_diacritics 2',
      prefix = '1 2 3'
    );
  `);
}
