/**
 * Company directory from LDAP (ldapts): the adapter maps entries to our ContactInput here and nowhere else
 * (STYLE.md §7). Supports ldap://, ldaps:// and StartTLS, a bind DN, paged searches, and a live search whose
 * user-typed text is escaped per RFC 4515 §3 so `*)(` is a value, never filter syntax.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, type Entry } from 'ldapts';
import type { ContactInput, PhoneInput } from '../../storage/types';
import type { CompanyDirectorySource, CompanyDirectorySourceOptions } from './company-source';
import type { LdapConfig } from './directory-config';

/** RFC 4515 §3: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00` inside an assertion value. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Why the company directory could not be read, for the receptionist (`contacts.companyError.<reason>`). */
export type LdapFailureReason = 'credentials' | 'base' | 'access' | 'unreachable' | 'not-found' | 'timeout' | 'tls' | 'other';

/** LDAP result codes (RFC 4511 §4.1.9) and socket errors in words a receptionist can pass on to IT. */
export function classifyLdapFailure(e: unknown): { reason: LdapFailureReason; text: string } {
  const err = e as { code?: unknown; message?: string; name?: string };
  switch (err.code) {
    case 49:
      return { reason: 'credentials', text: 'the bind DN or password was refused (invalid credentials)' };
    case 32:
      return { reason: 'base', text: 'the search base does not exist on the server' };
    case 50:
      return { reason: 'access', text: 'the account is not allowed to read the directory' };
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'unreachable', text: `the server cannot be reached (${err.code})` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'not-found', text: 'the server name could not be found' };
    case 'ETIMEDOUT':
      return { reason: 'timeout', text: 'the server did not answer in time' };
    default: {
      const message = (err.message ?? String(e)).trim() || 'unknown error';
      // ldapts wraps some socket errors in its own messages; a timeout is named in them.
      if (/timeout|timed out/i.test(message) || err.name === 'TimeoutError') return { reason: 'timeout', text: message };
      if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH/.test(message)) return { reason: 'unreachable', text: message };
      if (/certificate|self.signed|TLS|SSL/i.test(message)) return { reason: 'tls', text: message };
      return { reason: 'other', text: message };
    }
  }
}

export class LdapError extends Error {
  override readonly name = 'LdapError';
  constructor(
    message: string,
    /** What the receptionist is told (`contacts.companyError.<reason>`). */
    readonly reason: LdapFailureReason = 'other',
  ) {
    super(message);
  }
}

const first = (v: Entry[string] | undefined): string => {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? '' : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const all = (v: Entry[string] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).filter((s) => s !== '');

export class LdapCompanySource implements CompanyDirectorySource {
  readonly label: string;
  constructor(readonly config: LdapConfig) {
    this.label = `LDAP ${config.url}`;
  }

  #tls(): ConnectionOptions {
    const host = new URL(this.config.url).hostname;
    return {
      servername: host,
      rejectUnauthorized: this.config.tlsVerify,
      ...(this.config.caFile && { ca: readFileSync(this.config.caFile) }),
    };
  }

  async #withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      ...(this.config.url.startsWith('ldaps:') && { tlsOptions: this.#tls() }),
    });
    try {
      if (this.config.startTLS) await client.startTLS(this.#tls());
      if (this.config.bindDN) await client.bind(this.config.bindDN, this.config.bindPassword ?? '');
      return await fn(client);
    } catch (e) {
      const { reason, text } = classifyLdapFailure(e);
      throw new LdapError(`The company directory (${this.config.url}) could not be read: ${text}`, reason);
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

  async *fetchAll(options: CompanyDirectorySourceOptions = {}): AsyncIterable<ContactInput> {
    const entries = await this.#withClient(async (client) => {
      const out: Entry[] = [];
      const pages = client.searchPaginated(this.config.base, {
        scope: this.config.scope,
        filter: this.config.filter,
        attributes: this.#attributes(),
        sizeLimit: this.config.sizeLimit,
        paged: { pageSize: 500 },
      });
      for await (const page of pages) {
        if (options.signal?.aborted) break;
        out.push(...page.searchEntries);
      }
      return out;
    });
    for (const e of entries) yield this.toContact(e);
  }

  /** The filter of a live search for what the receptionist typed (escaped), within the configured filter. */
  searchFilter(text: string): string {
    const a = this.config.attributes;
    const v = escapeFilterValue(text.trim());
    const terms = [a.name, a.lastName, a.firstName, a.company, a.department].map((x) => `(${x}=*${v}*)`);
    return `(&${this.config.filter}(|${terms.join('')}))`;
  }

  /** Live server-side search (the local copy answers normally; this is for a directory too big to copy). */
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
