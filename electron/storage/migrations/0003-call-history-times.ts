import type { SqlRunner } from '../db';

/**
 * Call history: when the call was answered and ended, and why it ended (transferred, deflected, replaced,
 * remote-hangup…), as the call service saw them. Nullable: rows written before this migration don't know them.
 */
export async function up0003CallHistoryTimes(db: SqlRunner): Promise<void> {
  await db.exec(`
    ALTER TABLE call_history ADD COLUMN answered_at INTEGER;
    ALTER TABLE call_history ADD COLUMN ended_at INTEGER;
    ALTER TABLE call_history ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
  `);
}
