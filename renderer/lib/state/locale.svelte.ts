/** Current UI language and theme, driven by main's preferences; before the first snapshot, by the browser. */
import type { Language, LanguagePreference, Theme } from '../../../electron/contract';
import { errorText, formatNumber, languageFromTag, resolveLanguage, translate, type Params, type ShownError } from '../../i18n';

export class Locale {
  #language = $state<Language>(languageFromTag(typeof navigator === 'undefined' ? undefined : navigator.language));
  #theme = $state<Theme>('system');

  get language(): Language {
    return this.#language;
  }
  get theme(): Theme {
    return this.#theme;
  }

  /** `system` follows the browser's languages (in Electron, Chromium's are the OS's). */
  setLanguage(preference: LanguagePreference): void {
    const language = resolveLanguage(preference, typeof navigator === 'undefined' ? [] : navigator.languages);
    this.#language = language;
    document.documentElement.lang = language;
  }

  /** `system` is resolved by CSS (prefers-color-scheme), so the OS switch applies live without JS. */
  setTheme(theme: Theme): void {
    this.#theme = theme;
    document.documentElement.dataset.theme = theme;
  }

  /** Translate; a plural base key (`mwi.button`) picks its `.one`/`.other` variant by the `count` param. */
  t = (key: string, params?: Params): string => translate(this.#language, key, params);

  /** An error from main (or the connection) in the UI language: its key translated, else a generic text with its code. */
  error = (error: ShownError): string => errorText(this.#language, error);

  /** A count or figure written the UI language's way (Intl.NumberFormat). */
  number = (value: number): string => formatNumber(this.#language, value);

  time = (at: number): string =>
    new Intl.DateTimeFormat(this.#language, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(at);
}
