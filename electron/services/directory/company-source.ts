/**
 * Seam for the company directory (LDAP via ldapts comes in a later step). A source yields our own ContactInput
 * (LDAP entries are mapped inside the adapter, never stored raw); the directory service syncs them into the
 * 'company' directory with `sourceId` = a stable entry id (entryUUID or DN), so re-syncs update in place.
 */
import type { ContactInput } from '../../storage/types';

export interface CompanyDirectorySourceOptions {
  /** Stop early when the UI cancels a sync. */
  readonly signal?: AbortSignal;
}

export interface CompanyDirectorySource {
  /** Human-readable name for settings and the directory list ("LDAP ldap://127.0.0.1:389"). */
  readonly label: string;
  /** Every entry, paged by the source itself. Entries must carry a `sourceId`. */
  fetchAll(options?: CompanyDirectorySourceOptions): AsyncIterable<ContactInput>;
  /** Live lookup for numbers not yet synced (optional: sources that can search server-side). */
  lookupNumber?(e164OrDigits: string, options?: CompanyDirectorySourceOptions): Promise<ContactInput | undefined>;
  close(): Promise<void>;
}
