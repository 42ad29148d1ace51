/** The append-only migration list. Never edit or reorder a shipped entry; add a new file instead. */
import type { SqlRunner } from '../db';
import { up0001Contacts } from './0001-contacts';
import { up0002CallHistory } from './0002-call-history';
import { up0003CallHistoryTimes } from './0003-call-history-times';
import { up0004CallDetails } from './0004-call-details';
import { up0005StarredHandover } from './0005-starred-handover';
import { up0006SearchIndexes } from './0006-search-indexes';
import { up0007ContactContentHash } from './0007-contact-content-hash';

/** A pure schema step; the runner wraps it in a transaction together with the version bump. */
export type Migration = (db: SqlRunner) => Promise<void>;
export interface NamedMigration {
  readonly version: number;
  readonly name: string;
  readonly up: Migration;
}

export const migrations: readonly NamedMigration[] = [
  { version: 1, name: '0001-contacts', up: up0001Contacts },
  { version: 2, name: '0002-call-history', up: up0002CallHistory },
  { version: 3, name: '0003-call-history-times', up: up0003CallHistoryTimes },
  { version: 4, name: '0004-call-details', up: up0004CallDetails },
  { version: 5, name: '0005-starred-handover', up: up0005StarredHandover },
  { version: 6, name: '0006-search-indexes', up: up0006SearchIndexes },
  { version: 7, name: '0007-contact-content-hash', up: up0007ContactContentHash },
];
