/**
 * Search-as-you-type over every directory, and caller lookup for incoming calls.
 * Names: FTS5 prefix queries over text folded in JS. Numbers: indexed GLOB prefix matches on the stored digit
 * forms (raw, national, E.164) and on reversed digits for "ends with" (internal extensions).
 */
import type { CountryCode } from 'libphonenumber-js';
import type { ContactStore } from '../../storage/contact-store';
import type { SqlRunner } from '../../storage/db';
import { looksLikeNumber, MAX_EXTENSION_DIGITS, phoneForms, reverse } from '../../storage/phone';
import { ftsPrefixQuery, words } from '../../storage/text';
import type { Contact, Directory } from '../../storage/types';

export type MatchKind = 'extension' | 'phone' | 'name' | 'company';

export interface SearchHit {
  readonly contact: Contact;
  readonly directory: Directory;
  readonly matchedOn: MatchKind;
}

export interface SearchOptions {
  readonly limit?: number;
  /** Restrict to these directories (all when absent). */
  readonly directoryIds?: readonly number[];
}

interface Candidate {
  readonly id: number;
  /** Lower sorts first: 0 exact number, 1 favorite, 2 other prefix match, 3 suffix match. */
  readonly tier: number;
  readonly order: number;
  readonly matchedOn: MatchKind;
}

/** How many text matches are ranked in JS (see #byText). */
const CANDIDATES = 300;

/** GLOB treats `*?[` as syntax; digits never contain them, but keep the guard next to the use. */
const globSafe = (s: string): string => s.replace(/[*?[\]]/g, '');

export class DirectorySearch {
  readonly #db: SqlRunner;
  readonly #country: () => CountryCode;
  constructor(
    readonly store: ContactStore,
    defaultCountry: CountryCode | (() => CountryCode),
  ) {
    this.#db = store.db;
    this.#country = typeof defaultCountry === 'function' ? defaultCountry : () => defaultCountry;
  }

  /** Read at each search: the saved settings may bring the country after the database was opened. */
  get defaultCountry(): CountryCode {
    return this.#country();
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 20, 200));
    const q = query.trim();
    if (q === '') return [];
    const dirFilter = options.directoryIds?.length ? options.directoryIds : undefined;
    const candidates = looksLikeNumber(q) ? await this.#byNumber(q, limit, dirFilter) : await this.#byText(q, limit, dirFilter);
    return this.#finish(candidates, limit, words(q));
  }

  /**
   * The contact to show for an incoming or outgoing number: exact E.164, then exact digits (national or raw),
   * then extension suffix rules. Ties go to the directory with the lowest priority value, then favorites.
   */
  async lookupNumber(raw: string): Promise<(Contact & { directory: Directory }) | undefined> {
    const f = phoneForms(raw.replace(/^sip:|@.*$/g, ''), this.defaultCountry);
    if (f.digits === '') return undefined;
    const pick = async (where: string, params: (string | number)[]): Promise<number | undefined> => {
      const row = await this.#db.get<{ id: number }>(
        `SELECT c.id FROM phones p JOIN contacts c ON c.id = p.contact_id JOIN directories d ON d.id = c.directory_id
          WHERE ${where} ORDER BY d.priority, c.favorite DESC, c.id LIMIT 1`,
        params,
      );
      return row?.id;
    };
    let id: number | undefined;
    if (f.e164) id = await pick('p.e164 = ?', [f.e164]);
    id ??= await pick('p.national_digits IN (?, ?)', [f.digits, f.nationalDigits]);
    if (id === undefined && f.digits.length <= MAX_EXTENSION_DIGITS && f.digits.length >= 2) {
      // A short internal number: a contact whose full number ends with it (DID with the extension as suffix).
      id = await pick('p.digits_rev GLOB ?', [`${globSafe(f.digitsRev)}*`]);
    }
    if (id === undefined && f.digits.length > MAX_EXTENSION_DIGITS) {
      // A full number whose tail is a stored extension (PBX presents DID for an internal caller).
      const tails: string[] = [];
      for (let k = 3; k <= MAX_EXTENSION_DIGITS; k++) tails.push(f.digits.slice(-k));
      id = await pick(`p.national_digits IN (${tails.map(() => '?').join(',')}) AND +p.e164 IS NULL`, tails); // unary + : don't drive the lookup by the e164 index
    }
    if (id === undefined) return undefined;
    const [contact] = await this.store.hydrate(this.#db, [id]);
    const directory = contact ? await this.store.directory(contact.directoryId) : undefined;
    return contact && directory ? { ...contact, directory } : undefined;
  }

  async #byNumber(q: string, limit: number, dirs: readonly number[] | undefined): Promise<Candidate[]> {
    const f = phoneForms(q, this.defaultCountry);
    const d = globSafe(f.digits);
    const dirSql = dirs ? ` AND c.directory_id IN (${dirs.map(() => '?').join(',')})` : '';
    const dirParams = dirs ?? [];
    const rows = async (where: string, params: (string | number)[]): Promise<{ id: number; favorite: number; digits: string }[]> =>
      this.#db.all(
        `SELECT c.id, c.favorite, p.digits FROM phones p JOIN contacts c ON c.id = p.contact_id
          WHERE ${where}${dirSql} LIMIT ?`,
        [...params, ...dirParams, limit * 2],
      );
    const isExt = f.digits.length <= MAX_EXTENSION_DIGITS;
    const out: Candidate[] = [];
    const exact = await rows('(p.national_digits IN (?, ?) OR p.e164 = ?)', [d, f.nationalDigits, f.e164 ?? '\u0000']);
    exact.forEach((r, i) => out.push({ id: r.id, tier: 0, order: i, matchedOn: isExt ? 'extension' : 'phone' }));
    const prefix = await rows('(p.national_digits GLOB ? OR p.e164 GLOB ?)', [`${d}*`, `+${d}*`]);
    prefix.forEach((r, i) =>
      out.push({ id: r.id, tier: r.favorite ? 1 : 2, order: i, matchedOn: r.digits.length <= MAX_EXTENSION_DIGITS ? 'extension' : 'phone' }),
    );
    if (d.length >= 3) {
      const suffix = await rows('p.digits_rev GLOB ?', [`${reverse(d)}*`]);
      suffix.forEach((r, i) => out.push({ id: r.id, tier: 3, order: i, matchedOn: 'phone' }));
    }
    return out;
  }

  async #byText(q: string, limit: number, dirs: readonly number[] | undefined): Promise<Candidate[]> {
    const fts = ftsPrefixQuery(q);
    if (!fts) return []; // only punctuation, e.g. `*)(` or `"`: nothing to search, nothing to throw
    const dirSql = dirs ? ` AND rowid IN (SELECT id FROM contacts WHERE directory_id IN (${dirs.map(() => '?').join(',')}))` : '';
    const dirParams = dirs ?? [];
    const favs = await this.#db.all<{ id: number }>(
      `SELECT rowid AS id FROM contacts_fts WHERE contacts_fts MATCH ?${dirSql} LIMIT ?`,
      [`(${fts}) AND flags : fav`, ...dirParams, limit],
    );
    // Ranking by bm25 would score every match (tens of thousands for "a" at 100k contacts); instead take a
    // bounded set of matches in index order and rank those in JS. When a query matches more than CANDIDATES
    // contacts the user is still typing, and the next letter narrows it.
    const rows = await this.#db.all<{ id: number; name: string; org: string }>(
      `SELECT rowid AS id, name, org FROM contacts_fts WHERE contacts_fts MATCH ?${dirSql} LIMIT ?`,
      [fts, ...dirParams, CANDIDATES],
    );
    const qWords = words(q);
    const scored = rows.map((r) => {
      const nameWords = r.name.split(' ');
      const inName = qWords.every((w) => nameWords.some((n) => n.startsWith(w)));
      const exact = qWords.filter((w) => nameWords.includes(w) || r.org.split(' ').includes(w)).length;
      const starts = r.name.startsWith(qWords[0]!);
      return { r, key: [inName ? 0 : 1, starts ? 0 : 1, -exact] as const };
    });
    scored.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || (a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0));
    const out: Candidate[] = [];
    favs.forEach((r, i) => out.push({ id: r.id, tier: 1, order: i, matchedOn: 'name' }));
    scored.forEach((x, i) => out.push({ id: x.r.id, tier: 2, order: i, matchedOn: x.key[0] === 0 ? 'name' : 'company' }));
    return out;
  }

  async #finish(candidates: readonly Candidate[], limit: number, queryWords: readonly string[]): Promise<SearchHit[]> {
    const best = new Map<number, Candidate>();
    for (const c of candidates) {
      const prev = best.get(c.id);
      if (!prev || c.tier < prev.tier || (c.tier === prev.tier && c.order < prev.order)) best.set(c.id, c);
    }
    const ranked = [...best.values()].sort((a, b) => a.tier - b.tier || a.order - b.order).slice(0, limit);
    const contacts = await this.store.hydrate(this.#db, ranked.map((c) => c.id));
    const dirs = new Map((await this.store.directories()).map((d) => [d.id, d]));
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const hits: SearchHit[] = [];
    for (const c of ranked) {
      const contact = byId.get(c.id);
      const directory = contact && dirs.get(contact.directoryId);
      if (!contact || !directory) continue;
      hits.push({ contact, directory, matchedOn: c.matchedOn === 'name' ? textMatch(contact, queryWords) : c.matchedOn });
    }
    return hits;
  }
}

/** Whether the query's hit was in the name or only in company/department (for the result line's emphasis). */
function textMatch(contact: Contact, queryWords: readonly string[]): MatchKind {
  const nameWords = words(`${contact.name} ${contact.firstName} ${contact.lastName}`);
  return queryWords.every((q) => nameWords.some((w) => w.startsWith(q))) ? 'name' : 'company';
}
