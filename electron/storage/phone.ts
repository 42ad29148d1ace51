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
  let e164: string | null = null;
  let nationalDigits = digits;
  if (digits.length > MAX_EXTENSION_DIGITS) {
    const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
    if (parsed && parsed.isPossible()) {
      e164 = parsed.number;
      nationalDigits = digitsOf(parsed.formatNational());
    }
  }
  return { raw: trimmed, e164, digits, nationalDigits, digitsRev: reverse(digits) };
}

/** True when the text looks like a phone number or extension rather than a name. */
export function looksLikeNumber(text: string): boolean {
  return /\d/.test(text) && /^[+\d\s().\-/]+$/.test(text.trim());
}
