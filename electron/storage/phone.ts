/** Phone number forms stored next to each raw number, so any typed format finds it through an index. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

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

/** True when the text looks like a phone number or extension rather than a name. */
export function looksLikeNumber(text: string): boolean {
  return /\d/.test(text) && /^[+\d\s().\-/]+$/.test(text.trim());
}
