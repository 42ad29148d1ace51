/**
 * What a contact's stored rows are made of, computed without the database: its normalized fields and content hash,
 * the digits of its numbers, their forms (libphonenumber, through a memo) and its index texts. ContactStore.upsertMany
 * computes them as it writes; an import can have them computed ahead, while the receptionist reads its preview
 * (DirectoryService.previewImportBuffer), so that her confirmation only writes.
 */
import type { CountryCode } from 'libphonenumber-js';
import { version as PHONE_LIBRARY_VERSION } from 'libphonenumber-js/package.json';
import { digitsOf, PhoneFormsMemo, type PhoneForms } from './phone';
import { fold, FoldMemo } from './text';
import type { ContactInput, PhoneType } from './types';

export interface Normalized {
  readonly sourceId: string | null;
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly department: string;
  readonly title: string;
  readonly notes: string;
  readonly favorite: boolean;
  readonly phones: readonly { type: PhoneType; number: string }[];
  readonly emails: readonly string[];
  readonly nameKey: string;
  /** contentHash of the fields above (favorite and source id excepted): stored as contacts.content_hash. */
  readonly hash: string;
}

/** The index texts of a contact: its folded names, its folded company and department. */
export type FtsTexts = readonly [name: string, org: string];

export interface PreparedContact {
  readonly n: Normalized;
  /** digitsOf each of `n.phones`' numbers (the identity keys use them). */
  readonly digits: readonly string[];
  /** Computed ahead (`ContactPreparer.ahead`); otherwise the writer computes them for the contacts it writes. */
  readonly forms?: readonly PhoneForms[];
  readonly fts?: FtsTexts;
}

const clean = (s: string | undefined | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

export function displayName(c: ContactInput): string {
  const explicit = clean(c.name);
  if (explicit) return explicit;
  const person = clean(`${c.firstName ?? ''} ${c.lastName ?? ''}`);
  if (person) return person;
  return clean(c.company) || clean(c.emails?.[0]) || clean(c.phones?.[0]?.number);
}

export function normalize(c: ContactInput, country: CountryCode, folds?: FoldMemo): Normalized {
  const name = displayName(c);
  const firstName = clean(c.firstName);
  const lastName = clean(c.lastName);
  const company = clean(c.company);
  const department = clean(c.department);
  const title = clean(c.title);
  const notes = (c.notes ?? '').trim();
  const phones: { type: PhoneType; number: string }[] = [];
  for (const p of c.phones ?? []) {
    const number = p.number.trim();
    if (number !== '') phones.push({ type: p.type, number });
  }
  const emails: string[] = [];
  for (const e of c.emails ?? []) {
    const address = e.trim();
    if (address !== '') emails.push(address);
  }
  // The fields, the count of phones, each phone's type and number, the e-mails (contentHash delimits each by its length).
  const hashed = [HASH_PREFIX[country] ??= `${CONTENT_VERSION} ${country} ${PHONE_LIBRARY_VERSION}`, name, firstName, lastName,
    company, department, title, notes, String(phones.length)];
  for (const p of phones) hashed.push(p.type, p.number);
  for (const e of emails) hashed.push(e);
  return {
    sourceId: c.sourceId ? c.sourceId : null,
    name, firstName, lastName, company, department, title, notes,
    favorite: c.favorite === true,
    phones,
    emails,
    nameKey: folds ? folds.fold(name) : fold(name),
    hash: contentHash(hashed),
  };
}

/**
 * What a contact's stored rows are derived from besides its input: bump when normalize, fold, phoneForms or the index
 * texts give something else for the same input (the hash then matches no stored row: the next import rewrites).
 * The default country and libphonenumber's version (its metadata) are part of the hashed text too.
 */
const CONTENT_VERSION = 1;
const HASH_PREFIX: Partial<Record<CountryCode, string>> = {};

/**
 * 64-bit hash of a contact's normalized input, given as its parts in order (two 32-bit multiply-xorshift lanes, as
 * cyrb53; hex): a re-imported row whose hash equals the stored one would be written back identical, so it is skipped
 * without parsing its numbers or reading the stored row back. Not cryptographic: a collision would only keep an edited
 * row as it was, and needs the same contact's old and new input to collide (about 2^-64).
 */
export function contentHash(parts: readonly string[]): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  // Each part preceded by its length (no separator that a value could contain), hashed as it is: no joined copy.
  for (const text of parts) {
    h1 = Math.imul(h1 ^ text.length, 2654435761);
    h2 = Math.imul(h2 ^ text.length, 1597334677);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/**
 * Prepares the contacts of one write (an import, a company refresh, an edit) for one default country, with memos of
 * folded words, folded organisations and phone forms: the names, companies and switchboard numbers of a directory
 * repeat. One per write: the memos are dropped with it.
 */
export class ContactPreparer {
  readonly #folds = new FoldMemo();
  readonly #orgFolds = new Map<string, string>();
  readonly #phones: PhoneFormsMemo;

  constructor(readonly country: CountryCode) {
    this.#phones = new PhoneFormsMemo(country);
  }

  /** The normalized contact and its numbers' digits (its forms and index texts are left to `ahead` or the writer). */
  prepare(input: ContactInput): PreparedContact {
    const n = normalize(input, this.country, this.#folds);
    // (The digits of phoneForms(number), without the parse: an unchanged contact's numbers are never parsed.)
    const digits = n.phones.map((p) => digitsOf(p.number));
    return { n, digits };
  }

  /** The contact with its phone forms and index texts, for a writer that will not have to compute them. */
  ahead(p: PreparedContact): PreparedContact {
    return p.forms && p.fts ? p : { ...p, forms: p.forms ?? this.forms(p.n, p.digits), fts: p.fts ?? this.ftsTexts(p.n) };
  }

  /** The forms of each of `n.phones`, whose digits are `digits`. */
  forms(n: Normalized, digits: readonly string[]): PhoneForms[] {
    return n.phones.map((p, k) => this.#phones.forms(p.number, digits[k]));
  }

  ftsTexts(n: Pick<Normalized, 'name' | 'firstName' | 'lastName' | 'company' | 'department'>): FtsTexts {
    // Folded in JS so that "helene" finds "Hélène" whatever the tokenizer's own diacritics table says.
    // Company and department repeat across a whole directory: folded once each (fold is a pure function).
    const org = `${n.company} ${n.department}`;
    let orgFolded = this.#orgFolds.get(org);
    if (orgFolded === undefined) {
      if (this.#orgFolds.size >= 5000) this.#orgFolds.clear();
      orgFolded = fold(org);
      this.#orgFolds.set(org, orgFolded);
    }
    return [this.#folds.fold(`${n.name} ${n.firstName} ${n.lastName}`), orgFolded];
  }
}
