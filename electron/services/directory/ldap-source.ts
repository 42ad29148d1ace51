/**
 * Company directory from LDAP (ldapts): the adapter maps entries to our ContactInput here and nowhere else
 * (STYLE.md §7). Supports ldap://, ldaps:// and StartTLS, a bind DN, paged searches, and a live search whose
 * user-typed text is escaped per RFC 4515 §3 so `*)(` is a value, never filter syntax.
 *
 * Issue 14: ldapts is loaded on first use, not with this module. In the console a full sync runs in the storage
 * worker (`workerSpec` → worker/directory-worker.ts builds this source there), so the main process constructs the
 * source and names its failures but never loads ldapts nor decodes an entry on its loop.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Client, Entry } from 'ldapts';
import type { ContactInput, PhoneInput } from '../../storage/types';
import type { CompanyDirectorySource, CompanyDirectorySourceOptions, CompanySourceSpec } from './company-source';
import type { LdapConfig } from './directory-config';
import { classifyLdapFailure, LdapError } from './ldap-failure';

export { classifyLdapFailure, LdapError, type LdapFailureReason } from './ldap-failure';

/** The page size of a full sync: also how often it reports progress and reads a cancel. */
export const LDAP_PAGE_SIZE = 500;

/** RFC 4515 §3: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00` inside an assertion value. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const first = (v: Entry[string] | undefined): string => {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? '' : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const all = (v: Entry[string] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).filter((s) => s !== '');

export class LdapCompanySource implements CompanyDirectorySource {
  readonly label: string;
  readonly workerSpec: CompanySourceSpec;
  constructor(readonly config: LdapConfig) {
    this.label = `LDAP ${config.url}`;
    this.workerSpec = { kind: 'ldap', config };
  }

  #tls(): ConnectionOptions {
    const host = new URL(this.config.url).hostname;
    return {
      servername: host,
      rejectUnauthorized: this.config.tlsVerify,
      ...(this.config.caFile && { ca: readFileSync(this.config.caFile) }),
    };
  }

  /** Connected, upgraded and bound; every failure (here and later) is told through #failure. */
  async #connect(): Promise<Client> {
    const { Client } = await import('ldapts');
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      ...(this.config.url.startsWith('ldaps:') && { tlsOptions: this.#tls() }),
    });
    try {
      if (this.config.startTLS) await client.startTLS(this.#tls());
      if (this.config.bindDN) await client.bind(this.config.bindDN, this.config.bindPassword ?? '');
      return client;
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw this.#failure(e);
    }
  }

  #failure(e: unknown): LdapError {
    if (e instanceof LdapError) return e;
    const { reason, text } = classifyLdapFailure(e);
    return new LdapError(`The company directory (${this.config.url}) could not be read: ${text}`, reason);
  }

  async #withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await fn(client);
    } catch (e) {
      throw this.#failure(e);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  #attributes(): string[] {
    const a = this.config.attributes;
    return [...new Set([a.id, a.name, a.firstName, a.lastName, a.company, a.department, a.title, a.work, a.mobile, a.home, a.email, ...(a.extension ? [a.extension] : [])])];
  }

  /** Our DTO from an LDAP entry; the stable id is entryUUID (or the DN when the server has none). */
  toContact(e: Entry): ContactInput {
    const a = this.config.attributes;
    const phones: PhoneInput[] = [
      ...all(e[a.work]).map((number) => ({ type: 'work' as const, number })),
      ...all(e[a.mobile]).map((number) => ({ type: 'mobile' as const, number })),
      ...all(e[a.home]).map((number) => ({ type: 'home' as const, number })),
      ...(a.extension ? all(e[a.extension]).map((number) => ({ type: 'extension' as const, number })) : []),
    ];
    return {
      sourceId: first(e[a.id]) || e.dn,
      name: first(e[a.name]),
      firstName: first(e[a.firstName]),
      lastName: first(e[a.lastName]),
      company: first(e[a.company]),
      department: first(e[a.department]),
      title: first(e[a.title]),
      phones,
      emails: all(e[a.email]),
    };
  }

  /** Page by page: each page is decoded and yielded before the next is asked for; a cancel is read between pages. */
  async *fetchAll(options: CompanyDirectorySourceOptions = {}): AsyncIterable<ContactInput> {
    const client = await this.#connect();
    try {
      const pages = client.searchPaginated(this.config.base, {
        scope: this.config.scope,
        filter: this.config.filter,
        attributes: this.#attributes(),
        sizeLimit: this.config.sizeLimit,
        paged: { pageSize: LDAP_PAGE_SIZE },
      });
      for await (const page of pages) {
        if (options.signal?.aborted) return;
        for (const e of page.searchEntries) yield this.toContact(e);
      }
    } catch (e) {
      throw this.#failure(e);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** The filter of a live search for what the receptionist typed (escaped), within the configured filter. */
  searchFilter(text: string): string {
    const a = this.config.attributes;
    const v = escapeFilterValue(text.trim());
    const terms = [a.name, a.lastName, a.firstName, a.company, a.department].map((x) => `(${x}=*${v}*)`);
    return `(&${this.config.filter}(|${terms.join('')}))`;
  }

  /**
   * Live server-side search (the local copy answers normally; this is for a directory too big to copy). It runs on
   * the caller's thread, unlike a full sync: at most `limit` (50) entries to decode, a fraction of a frame.
   */
  async search(text: string, limit = 50): Promise<ContactInput[]> {
    if (text.trim() === '') return [];
    return this.#withClient(async (client) => {
      const r = await client.search(this.config.base, {
        scope: this.config.scope,
        filter: this.searchFilter(text),
        attributes: this.#attributes(),
        sizeLimit: limit,
      });
      return r.searchEntries.map((e) => this.toContact(e));
    });
  }

  async close(): Promise<void> {
    // One connection per operation: nothing to close.
  }
}
