/** Phone number forms stored next to each raw number, so any typed format finds it through an index. */
import { getCountryCallingCode, Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export interface PhoneForms {
  /** As entered or imported. */
  readonly raw: string;
  /** +E.164 when the number is a possible public number for the default country; null for extensions. */
  readonly e164: string | null;
  /** Digits of the raw text only ("01 23 45" → "012345"). */
  readonly digits: string;
  /** Digits of the national format ("+33 1 23…" → "0123…"), so a receptionist can type the local way. */
  readonly nationalDigits: string;
  /** `digits` reversed: a prefix index on it answers "ends with" (extension suffix matches). */
  readonly digitsRev: string;
}

export const digitsOf = (s: string): string => s.replace(/\D+/g, '');
export const reverse = (s: string): string => [...s].reverse().join('');

/** Longest number still treated as an internal extension (never sent to libphonenumber as a public number). */
export const MAX_EXTENSION_DIGITS = 6;

export function phoneForms(raw: string, defaultCountry: CountryCode): PhoneForms {
  const trimmed = raw.trim();
  const digits = digitsOf(trimmed);
  const { e164, nationalDigits } = parsedForms(trimmed, digits, defaultCountry);
  return { raw: trimmed, e164, digits, nationalDigits, digitsRev: reverse(digits) };
}

/** The forms libphonenumber gives `text` (whose digits are `digits`). */
function parsedForms(text: string, digits: string, defaultCountry: CountryCode): { e164: string | null; nationalDigits: string } {
  if (digits.length > MAX_EXTENSION_DIGITS) {
    const parsed = parsePhoneNumberFromString(text, defaultCountry);
    if (parsed && parsed.isPossible()) return { e164: parsed.number, nationalDigits: digitsOf(parsed.formatNational()) };
  }
  return { e164: null, nationalDigits: digits };
}

/**
 * The text libphonenumber reads as nothing but an optional leading "+" and digits: separators only (space, dot,
 * hyphen, slash, parentheses), no letters, no extension marker (";ext=", "x", "#", ","), no second "+". For such a
 * text the parse — hence e164 and nationalDigits — depends only on the "+" and the digits (tests/unit/phone-memo.test.ts
 * compares this against the full parse over many formattings of numbers of several countries).
 */
const PLAIN_NUMBER = /^\+?[\d\s().\-/]*$/;

/**
 * phoneForms with a memo (one per import): the same number written again, or written with other separators, is
 * parsed once. Directories repeat switchboard numbers; a re-import reads every number again.
 */
export class PhoneFormsMemo {
  readonly #map = new Map<string, { e164: string | null; nationalDigits: string }>();
  constructor(readonly defaultCountry: CountryCode) {}

  /** `digits`, when the caller has them already, must be digitsOf(raw.trim()). */
  forms(raw: string, digits?: string): PhoneForms {
    const trimmed = raw.trim();
    if (!PLAIN_NUMBER.test(trimmed)) return phoneForms(trimmed, this.defaultCountry);
    digits ??= digitsOf(trimmed);
    const key = trimmed.startsWith('+') ? `+${digits}` : digits;
    let hit = this.#map.get(key);
    if (!hit) {
      // The key itself is such a text, without separators for libphonenumber to skip (~8% faster to parse).
      hit = parsedForms(key, digits, this.defaultCountry);
      if (this.#map.size >= 200_000) this.#map.clear();
      this.#map.set(key, hit);
    }
    // `digits` is ASCII 0-9 only (\D is ASCII): reversing its UTF-16 units is reversing its characters.
    let digitsRev = '';
    for (let i = digits.length - 1; i >= 0; i--) digitsRev += digits[i];
    return { raw: trimmed, e164: hit.e164, digits, nationalDigits: hit.nationalDigits, digitsRev };
  }
}

/** What a country's numbers look like written nationally: its calling code, its international prefix, national prefixes. */
interface NationalWriting {
  readonly callingCode: string;
  /** The digits dialled before a country code from there ("00", "011"), when they are fixed digits. */
  readonly idd: string | undefined;
  /** The digits its national formats put before the national number ("0" in France, "06" in Hungary, none in the US). */
  readonly prefixes: readonly string[];
}

const writings = new Map<CountryCode, NationalWriting | null>();

function nationalWriting(country: CountryCode): NationalWriting | undefined {
  let w = writings.get(country);
  if (w === undefined) {
    w = null;
    try {
      const metadata = new Metadata();
      metadata.selectNumberingPlan(country);
      // Not in the package's types: the formats' national-prefix formatting rules ("0$1", "(06 $1)"; 0 for none).
      const plan = metadata.numberingPlan as unknown as {
        IDDPrefix(): string;
        defaultIDDPrefix(): string | undefined;
        formats(): { nationalPrefixFormattingRule(): unknown }[];
      };
      const idd = plan.defaultIDDPrefix() ?? plan.IDDPrefix();
      const prefixes = new Set(
        plan.formats().map((f) => {
          const rule = f.nationalPrefixFormattingRule();
          return typeof rule === 'string' ? digitsOf(rule.replace('$1', '')) : '';
        }),
      );
      w = { callingCode: getCountryCallingCode(country), idd: /^\d+$/.test(idd) ? idd : undefined, prefixes: prefixes.size ? [...prefixes] : [''] };
    } catch {
      // An unknown country: nothing to convert.
    }
    writings.set(country, w);
  }
  return w ?? undefined;
}

/**
 * The start of a number typed in international form for the default country ("+33 1 45", "0033 1 45") as it starts
 * written nationally ("0145"), so a search finds calls the PBX presented nationally: one form per national prefix the
 * country's formats use (usually one; Brazil writes some numbers with "0", some without). Empty when the text is not
 * such a start: another country's code, nothing after the code, or not a number at all.
 */
export function partialNationalForms(text: string, country: CountryCode): string[] {
  // "+33 (0)1 45": the national prefix some write in brackets after the country code is not part of the number.
  const t = text.trim().replace(/^(\+|\d+)([\s.\-/]*\d+)[\s.\-/]*\(0\)/, '$1$2 ');
  if (!PLAIN_NUMBER.test(t)) return [];
  const w = nationalWriting(country);
  if (!w) return [];
  const digits = digitsOf(t);
  const international = t.startsWith('+') ? digits : w.idd && digits.startsWith(w.idd) ? digits.slice(w.idd.length) : undefined;
  if (international === undefined || !international.startsWith(w.callingCode) || international.length === w.callingCode.length) return [];
  const rest = international.slice(w.callingCode.length);
  return w.prefixes.map((p) => p + rest);
}

/** True when the text looks like a phone number or extension rather than a name. */
export function looksLikeNumber(text: string): boolean {
  return /\d/.test(text) && /^[+\d\s().\-/]+$/.test(text.trim());
}
