/**
 * Seam for the company directory (LDAP via ldapts comes in a later step). A source yields our own ContactInput
 * (LDAP entries are mapped inside the adapter, never stored raw); the directory service syncs them into the
 * 'company' directory with `sourceId` = a stable entry id (entryUUID or DN), so re-syncs update in place.
 */
import type { ContactInput } from '../../storage/types';
import type { LdapConfig } from './directory-config';

/**
 * Issue 14: plain data (structured-clonable) from which the storage worker builds the same source in its own thread,
 * so a full sync's network reads, decoding and mapping run there, not on the console's main loop.
 */
export type CompanySourceSpec = { readonly kind: 'ldap'; readonly config: LdapConfig };

export interface CompanyDirectorySourceOptions {
  /** Stop early when the UI cancels a sync. */
  readonly signal?: AbortSignal;
}

export interface CompanyDirectorySource {
  /** Human-readable name for settings and the directory list ("LDAP ldap://127.0.0.1:389"). */
  readonly label: string;
  /** Set when the storage worker can rebuild this source and sync it itself; otherwise the caller's thread fetches. */
  readonly workerSpec?: CompanySourceSpec;
  /** Every entry, paged by the source itself. Entries must carry a `sourceId`. */
  fetchAll(options?: CompanyDirectorySourceOptions): AsyncIterable<ContactInput>;
  /** Live lookup for numbers not yet synced (optional: sources that can search server-side). */
  lookupNumber?(e164OrDigits: string, options?: CompanyDirectorySourceOptions): Promise<ContactInput | undefined>;
  close(): Promise<void>;
}
