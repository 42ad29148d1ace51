/**
 * issue 14: the language-independent part of the i18n module, with English only (the fallback, in the start-up
 * chunk). The renderer imports this and gets French or Dutch on demand (./loader.ts); main and the tests use
 * ./index.ts, which adds all three dictionaries and the same functions bound to them. Pure (no DOM): unit-tested.
 */
import type { ContractError, Language, LanguagePreference } from '../../electron/contract';
import { en, type Dictionary, type MessageKey } from './en';

export type { Dictionary, MessageKey };

/** Language names are endonyms: a user must recognise their own language whatever the UI language is. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', fr: 'Français', nl: 'Nederlands' };

export type Params = Readonly<Record<string, string | number>>;

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

const pluralRules = new Map<Language, Intl.PluralRules>();
const numberFormats = new Map<Language, Intl.NumberFormat>();

/** The CLDR plural category of `count` in `language` (en/nl: 1 → one; fr: 0 and 1 → one; else other, many…). */
export function pluralCategory(language: Language, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(language);
  if (!rules) pluralRules.set(language, (rules = new Intl.PluralRules(language)));
  return rules.select(count);
}

/** A number written the language's way: 1,234.5 (en) · 1 234,5 (fr) · 1.234,5 (nl). */
export function formatNumber(language: Language, value: number): string {
  // A whole number from 0 to 999 is its digits in English, French and Dutch alike (Latin digits, no grouping below a
  // thousand): no Intl.NumberFormat for it. The first Intl formatter of a page costs 30–90 ms here (ICU set-up), and
  // the first render formats counts (voicemail, missed calls): that cost was on the way to the console's first paint.
  // -0 is not among them (Intl writes "-0").
  if (Number.isInteger(value) && value >= 0 && value < 1000 && !Object.is(value, -0)) return String(value);
  let format = numberFormats.get(language);
  if (!format) numberFormats.set(language, (format = new Intl.NumberFormat(language, { maximumFractionDigits: 2 })));
  return format.format(value);
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A date or time written the language's way, through one Intl.DateTimeFormat per language and options: building one
 * costs ~70 µs, formatting with it ~1 µs (the history lists 200 calls, each with its date).
 */
export function formatDateTime(language: Language, options: Intl.DateTimeFormatOptions, at: number | Date): string {
  const key = `${language}|${JSON.stringify(options)}`;
  let format = dateTimeFormats.get(key);
  if (!format) dateTimeFormats.set(key, (format = new Intl.DateTimeFormat(language, options)));
  return format.format(at);
}

/**
 * The dictionary key for `key`: itself when it exists, else its plural variant for `params.count`
 * (`key.<category>`, falling back to `key.other`); undefined when there is none.
 */
export function resolveKey(language: Language, key: string, params?: Params): MessageKey | undefined {
  if (isMessageKey(key)) return key;
  const count = params?.count;
  if (typeof count !== 'number') return undefined;
  const variant = `${key}.${pluralCategory(language, count)}`;
  if (isMessageKey(variant)) return variant;
  const other = `${key}.other`;
  return isMessageKey(other) ? other : undefined;
}

/**
 * Translate `key` with `dictionary` (the one of `language`, which picks plural variants and writes numbers): see
 * ./index.ts `translate`. Unknown keys fall back to the key itself so a newer main process never shows a blank message.
 */
export function translateWith(dictionary: Dictionary, language: Language, key: string, params?: Params): string {
  const resolved = resolveKey(language, key, params);
  const template = resolved ? dictionary[resolved] : key;
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    return typeof value === 'number' && Number.isFinite(value) ? formatNumber(language, value) : String(value);
  });
}

/** What the renderer needs of an error: main's ContractError, or one made in the renderer (connection lost…). */
export type ShownError = Pick<ContractError, 'code' | 'key' | 'params'>;

/**
 * The key + params to show for an error: its own key when this renderer has a translation for it, else the generic
 * "Something went wrong ({code})" — never main's English message.
 */
export function errorKey(error: ShownError): { key: string; params: Params } {
  if (error.key !== undefined) {
    const params = error.params ?? {};
    if (resolveKey('en', error.key, params)) return { key: error.key, params };
  }
  return { key: 'error.generic', params: { code: error.code } };
}

/** Pick the UI language from a BCP 47 tag (navigator.language): `fr-BE` → fr, `nl-NL` → nl, anything else → en. */
export function languageFromTag(tag: string | undefined): Language {
  const primary = (tag ?? '').toLowerCase().split('-')[0];
  return primary === 'fr' || primary === 'nl' ? primary : 'en';
}

/**
 * The UI language for a preference: a set language as is; `system` → the first of the OS's / browser's preferred
 * languages (app.getPreferredSystemLanguages(), navigator.languages) that we have, else English.
 */
export function resolveLanguage(preference: LanguagePreference | undefined, preferred: readonly string[]): Language {
  if (preference && preference !== 'system') return preference;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'en' || primary === 'fr' || primary === 'nl') return primary;
  }
  return 'en';
}
