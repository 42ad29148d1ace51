/**
 * Dictionaries and the pure translate function. Key parity is enforced by the type system:
 * `fr`/`nl` are typed `Dictionary` (= exactly the keys of `en`), and `DICTIONARIES` below is typed
 * `Record<Language, Dictionary>`, so a missing or extra key fails svelte-check and tsc.
 */
import type { Language, LanguagePreference } from '../../electron/contract';
import { en, type Dictionary, type MessageKey } from './en';
import { fr } from './fr';
import { nl } from './nl';

export type { Dictionary, MessageKey };

export const DICTIONARIES: Readonly<Record<Language, Dictionary>> = { en, fr, nl };

/** Language names are endonyms: a user must recognise their own language whatever the UI language is. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', fr: 'Français', nl: 'Nederlands' };

export type Params = Readonly<Record<string, string | number>>;

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/**
 * Translate `key` (a known key, or a key received from main in a GlobalMessage) and fill `{name}` placeholders.
 * Unknown keys fall back to the key itself so a newer main process never shows a blank message.
 */
export function translate(language: Language, key: string, params?: Params): string {
  const template = isMessageKey(key) ? DICTIONARIES[language][key] : key;
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
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
