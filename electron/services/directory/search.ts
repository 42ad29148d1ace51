/**
 * Search-as-you-type over every directory, and caller lookup for incoming calls.
 * Names: FTS5 prefix queries over text folded in JS. Numbers: indexed GLOB prefix matches on the stored digit
 * forms (raw, national, E.164) and on reversed digits for "ends with" (internal extensions).
 */
import type { CountryCode } from 'libphonenumber-js';
import type { ContactStore } from '../../storage/contact-store';
import type { SqlRunner } from '../../storage/db';
import { looksLikeNumber, MAX_EXTENSION_DIGITS, phoneForms, reverse } from '../../storage/phone';
import { foldedTokens, FTS_PREFIX_MAX, ftsPrefixQuery, words } from '../../storage/text';
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
  /** 'text': a name or organisation match, told apart on the hydrated contact (textMatch). */
  readonly matchedOn: MatchKind | 'text';
}

/** How many text matches are ranked in JS (see #byText). */
const CANDIDATES = 300;

/** GLOB treats `*?[` as syntax; digits never contain them, but keep the guard next to the use. */
const globSafe = (s: string): string => s.replace(/[*?[\]]/g, '');

/** A favorite as the index holds it: folded name and organisation (contacts_fts), its tokens, its directory. */
interface FavoriteEntry {
  readonly id: number;
  readonly name: string;
  readonly org: string;
  readonly tokens: readonly string[];
  readonly directoryId: number;
}

/**
 * The favorites' index entries, kept in memory between searches and read again once anything was committed since
 * (SQLite's data_version counts the other connections' commits, total_changes() this connection's own): favorites are
 * a few hundred rows, matched and ranked here in microseconds, where FTS5 intersected the query's doclists with the
 * favorites' at every keystroke (0.2-0.4 ms at 100,000 contacts for "a" or "jean m", for at most a page of rows).
 */
class FavoriteEntries {
  #key = '';
  #entries: readonly FavoriteEntry[] = [];

  async get(db: SqlRunner): Promise<readonly FavoriteEntry[]> {
    const k = await db.get<{ v: number; c: number }>('SELECT (SELECT data_version FROM pragma_data_version()) AS v, total_changes() AS c');
    const key = `${k?.v} ${k?.c}`;
    if (key !== this.#key) {
      const rows = await db.all<{ id: number; name: string; org: string; dir: number }>(
        `SELECT f.rowid AS id, f.name, f.org, c.directory_id AS dir FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
          WHERE contacts_fts MATCH 'flags : fav' ORDER BY f.rowid`,
      );
      this.#entries = rows.map((r) => ({ id: r.id, name: r.name, org: r.org, tokens: foldedTokens(`${r.name} ${r.org}`), directoryId: r.dir }));
      this.#key = key;
    }
    return this.#entries;
  }
}

/** JS's string order (UTF-16 units), SQLite's BINARY order but between characters above U+FFFF and U+E000–U+FFFF. */
const binary = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class DirectorySearch {
  readonly #db: SqlRunner;
  readonly #country: () => CountryCode;
  readonly #favorites = new FavoriteEntries();
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
    const qWords = words(q);
    const candidates = looksLikeNumber(q) ? await this.#byNumber(q, limit, dirFilter) : await this.#byText(qWords, limit, dirFilter);
    return this.#finish(candidates, limit, qWords);
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
    const [found] = await this.store.hydrateWithDirectory(this.#db, [id]);
    return found ? { ...found.contact, directory: found.directory } : undefined;
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

  async #byText(qWords: readonly string[], limit: number, dirs: readonly number[] | undefined): Promise<Candidate[]> {
    const query = ftsPrefixQuery(qWords, FTS_PREFIX_MAX);
    if (!query) return []; // only punctuation, e.g. `*)(` or `"`: nothing to search, nothing to throw
    // Name and organisation only: the flags column ('fav') is the index's, not the user's (typing "fa" listed every
    // favorite first).
    const match = `{name org} : (${query.match})`;
    // A word longer than the index's longest prefix is matched by its first FTS_PREFIX_MAX characters (see
    // ftsPrefixQuery) and checked whole here, before the LIMITs: some word of the name or organisation starts with it.
    // The columns hold folded text (lower case, no diacritics) and the query word is letters and digits only (or
    // private-use characters: never GLOB syntax), so the GLOB is exact except that it also takes a non-ASCII letter
    // before the word as a word boundary: "δelectricite" passes for "electricite" when another of the contact's words
    // starts with "electric" (an extra row, never one missed).
    const refine = query.cut.map(() => " AND (' ' || name || ' ' || org) GLOB ?").join('');
    const refineParams = query.cut.map((w) => `*[^a-z0-9]${w}*`);
    const dirSql = dirs ? ` AND rowid IN (SELECT id FROM contacts WHERE directory_id IN (${dirs.map(() => '?').join(',')}))` : '';
    const dirParams = dirs ?? [];
    // Ranking by bm25 would score every match (tens of thousands for "a" at 100k contacts); instead take a
    // bounded set of matches in index order and rank those. When a query matches more than CANDIDATES contacts the
    // user is still typing, and the next letter narrows it. Only the candidates that can make the page come back:
    // `limit`, and as many again that may be favorites listed above (#favoriteMatches, matched in memory).
    // Keys (issue 14: they were applied in JS to all CANDIDATES rows): every query word starts a word of the name;
    // the name starts with the first query word; more query words equal a whole word of the name or organisation;
    // the name (SQLite's binary order: UTF-8 bytes, the same as JS's UTF-16 order except between characters above
    // U+FFFF and U+E000–U+FFFF); index order (rowid) for ties, as the stable JS sort kept them.
    const inName = qWords.map(() => "instr(' ' || name, ' ' || ?) > 0").join(' AND ');
    const exact = qWords.map(() => "(instr(' ' || name || ' ', ' ' || ? || ' ') > 0 OR instr(' ' || org || ' ', ' ' || ? || ' ') > 0)").join(' + ');
    const rows = await this.#db.all<{ id: number; inName: number }>(
      `SELECT id, inName FROM (
         SELECT id, name, ${inName} AS inName, instr(name, ?) = 1 AS starts, ${exact} AS exact FROM (
           SELECT rowid AS id, name, org FROM contacts_fts WHERE contacts_fts MATCH ?${refine}${dirSql} LIMIT ?)
         ORDER BY inName DESC, starts DESC, exact DESC, name, id LIMIT ?)`,
      [...qWords, qWords[0]!, ...qWords.flatMap((w) => [w, w]), match, ...refineParams, ...dirParams, CANDIDATES, 2 * limit],
    );
    const out: Candidate[] = [];
    // inName (every query word starts a space-separated word of the folded name) implies what textMatch checks;
    // without it the word may still start a name word after a hyphen or an apostrophe ("pierre" in Jean-Pierre).
    (await this.#favoriteMatches(qWords, limit, dirs)).forEach((f, i) => out.push({ id: f.id, tier: 1, order: i, matchedOn: f.inName ? 'name' : 'text' }));
    rows.forEach((r, i) => out.push({ id: r.id, tier: 2, order: i, matchedOn: r.inName ? 'name' : 'text' }));
    return out;
  }

  /**
   * The favorites the text query matches (every query word starts a token of the name or organisation, as the FTS
   * query reads it), ranked by the keys of #byText's statement, at most `limit`. Where the index's tokenizer folds a
   * character further than fold() does (a few letters of other scripts) a favorite may be missed here; the ranked
   * candidates still bring it, below the favorites.
   */
  async #favoriteMatches(qWords: readonly string[], limit: number, dirs: readonly number[] | undefined): Promise<{ id: number; inName: boolean }[]> {
    const found: { id: number; name: string; inName: boolean; starts: boolean; exact: number }[] = [];
    for (const f of await this.#favorites.get(this.#db)) {
      if (dirs && !dirs.includes(f.directoryId)) continue;
      if (!qWords.every((w) => f.tokens.some((t) => t.startsWith(w)))) continue;
      const name = ` ${f.name} `;
      const org = ` ${f.org} `;
      found.push({
        id: f.id,
        name: f.name,
        inName: qWords.every((w) => name.includes(` ${w}`)),
        starts: f.name.startsWith(qWords[0]!),
        exact: qWords.reduce((n, w) => n + (name.includes(` ${w} `) || org.includes(` ${w} `) ? 1 : 0), 0),
      });
    }
    found.sort((a, b) => Number(b.inName) - Number(a.inName) || Number(b.starts) - Number(a.starts) || b.exact - a.exact || binary(a.name, b.name) || a.id - b.id);
    return found.slice(0, limit);
  }

  async #finish(candidates: readonly Candidate[], limit: number, queryWords: readonly string[]): Promise<SearchHit[]> {
    const best = new Map<number, Candidate>();
    for (const c of candidates) {
      const prev = best.get(c.id);
      if (!prev || c.tier < prev.tier || (c.tier === prev.tier && c.order < prev.order)) best.set(c.id, c);
    }
    const ranked = [...best.values()].sort((a, b) => a.tier - b.tier || a.order - b.order).slice(0, limit);
    // Contacts with their directories in one statement (a round trip saved on every keystroke).
    const found = await this.store.hydrateWithDirectory(this.#db, ranked.map((c) => c.id));
    const byId = new Map(found.map((x) => [x.contact.id, x]));
    const hits: SearchHit[] = [];
    for (const c of ranked) {
      const x = byId.get(c.id);
      if (!x) continue;
      const { contact, directory } = x;
      hits.push({ contact, directory, matchedOn: c.matchedOn === 'text' ? textMatch(contact, queryWords) : c.matchedOn });
    }
    return hits;
  }
}

/** Whether the query's hit was in the name or only in company/department (for the result line's emphasis). */
function textMatch(contact: Contact, queryWords: readonly string[]): MatchKind {
  const nameWords = words(`${contact.name} ${contact.firstName} ${contact.lastName}`);
  return queryWords.every((q) => nameWords.some((w) => w.startsWith(q))) ? 'name' : 'company';
}
