import type { SqlRunner } from '../db';

/** Call history (number digit forms and folded name kept for accent- and format-blind filtering); rows are written by the call service when a call ends. Times in ms since the epoch. */
export async function up0002CallHistory(db: SqlRunner): Promise<void> {
  await db.exec(`
    CREATE TABLE call_history (
      id INTEGER PRIMARY KEY,
      direction TEXT NOT NULL CHECK (direction IN ('incoming','outgoing')),
      type TEXT NOT NULL CHECK (type IN ('missed','received','placed','rejected','transferred','picked-up')),
      remote_number TEXT NOT NULL,
      remote_digits TEXT NOT NULL,
      remote_national TEXT NOT NULL DEFAULT '',
      remote_name TEXT NOT NULL DEFAULT '',
      remote_name_folded TEXT NOT NULL DEFAULT '',
      started_at INTEGER NOT NULL,
      ring_ms INTEGER NOT NULL DEFAULT 0,
      talk_ms INTEGER NOT NULL DEFAULT 0,
      line INTEGER,
      transfer_target TEXT,
      account TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX call_history_started ON call_history(started_at DESC);
    CREATE INDEX call_history_type ON call_history(type, started_at DESC);
    CREATE INDEX call_history_digits ON call_history(remote_digits);
  `);
}
