/**
 * Dictionaries and the pure translate function. Key parity is enforced by the type system:
 * `fr`/`nl` are typed `Dictionary` (= exactly the keys of `en`), and `DICTIONARIES` below is typed
 * `Record<Language, Dictionary>`, so a missing or extra key fails svelte-check and tsc; same placeholders in every
 * language and plural variants are checked by tests/unit/renderer-i18n.test.ts.
 *
 * Plurals: a key with `.one` / `.other` variants (CLDR categories, `Intl.PluralRules`: French counts 0 and 1 as `one`)
 * is asked for by its base name with a numeric `count` param — `translate(lang, 'mwi.button', { count: 1 })`.
 * Numbers in params are written the language's way (`Intl.NumberFormat`: 1,234 · 1 234 · 1.234).
 * Errors from main (ContractError) carry a `key` + `params` translated here (`errorText`); main's English `message`
 * is for logs and is never shown.
 *
 * issue 14: this module holds all three dictionaries, for main and the tests. The renderer uses ./core.ts (English
 * only) and ./loader.ts (French or Dutch loaded on demand), so the dictionaries it does not use stay out of its
 * start-up chunk (tests/unit/renderer-i18n-lazy.test.ts checks no renderer module imports this one).
 */
import type { Language } from '../../electron/contract';
import { errorKey, translateWith, type Dictionary, type Params, type ShownError } from './core';
import { en } from './en';
import { fr } from './fr';
import { nl } from './nl';

export * from './core';

export const DICTIONARIES: Readonly<Record<Language, Dictionary>> = { en, fr, nl };

/**
 * Translate `key` (a known key, a plural base key with a `count` param, or a key received from main in a GlobalMessage
 * or a ContractError) and fill `{name}` placeholders, numbers formatted for the language.
 * Unknown keys fall back to the key itself so a newer main process never shows a blank message.
 */
export function translate(language: Language, key: string, params?: Params): string {
  return translateWith(DICTIONARIES[language], language, key, params);
}

/** An error in the UI language. */
export function errorText(language: Language, error: ShownError): string {
  const { key, params } = errorKey(error);
  return translate(language, key, params);
}
