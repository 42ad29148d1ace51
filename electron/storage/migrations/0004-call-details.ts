import type { SqlRunner } from '../db';

/**
 * The history detail window: each call's timeline of events and its call-quality samples, as JSON arrays written
 * once when the call ends (and topped up by samples that arrive just after). A table of its own so listing the
 * history never reads them; deleted with their history row.
 */
export async function up0004CallDetails(db: SqlRunner): Promise<void> {
  await db.exec(`
    CREATE TABLE call_details (
      history_id INTEGER PRIMARY KEY REFERENCES call_history(id) ON DELETE CASCADE,
      timeline TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(timeline) AND json_type(timeline) = 'array'),
      quality TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(quality) AND json_type(quality) = 'array')
    );
  `);
}
