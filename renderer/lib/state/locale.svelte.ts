/** Current UI language and theme, driven by main's preferences; before the first snapshot, by the browser. */
import type { Language, LanguagePreference, Theme } from '../../../electron/contract';
import { errorKey, formatDateTime, formatNumber, resolveLanguage, translateWith, type Dictionary, type Params, type ShownError } from '../../i18n/core';
import { en } from '../../i18n/en';
import { loadDictionary, loadedDictionary, rememberLanguage, startLanguage } from '../../i18n/loader';

export class Locale {
  // issue 14: French and Dutch are loaded on demand (i18n/loader.ts). The language shown changes only once its
  // dictionary is here, so the UI never shows English first and then switches. The dictionary of the language the
  // page starts in (the one last shown) is fetched at once, while the page connects to main and waits for its
  // snapshot; the App shows no text before it is here (`ready`) and no console before main's language is (`settled`).
  #language = $state<Language>('en');
  #dictionary = $state.raw<Dictionary>(en);
  #settled = $state(false);
  #starting = $state(false);
  #wanted: Language | undefined;
  #theme = $state<Theme>('system');

  constructor() {
    const language = startLanguage();
    const dictionary = loadedDictionary(language);
    if (dictionary) {
      this.#language = language;
      this.#dictionary = dictionary;
      return;
    }
    this.#starting = true;
    loadDictionary(language)
      .then(
        (loaded) => {
          // Unless main's preferences came first and asked for another language.
          if (this.#wanted === undefined) {
            this.#language = language;
            this.#dictionary = loaded;
          }
        },
        (err: unknown) => console.error(`dictionary ${language} could not be loaded`, err),
      )
      .finally(() => (this.#starting = false));
  }

  get language(): Language {
    return this.#language;
  }
  get theme(): Theme {
    return this.#theme;
  }
  /** False while the dictionary of the language the page starts in is being fetched: show no text yet. */
  get ready(): boolean {
    return !this.#starting || this.#settled;
  }
  /** True once the language of main's preferences is shown (or its dictionary could not be loaded: English then). */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * `system` follows the browser's languages (in Electron, Chromium's are the OS's). A language whose dictionary is not
   * here yet is shown when it has been fetched; a later call wins over one still loading.
   */
  setLanguage(preference: LanguagePreference): void {
    const language = resolveLanguage(preference, typeof navigator === 'undefined' ? [] : navigator.languages);
    this.#wanted = language;
    const ready = loadedDictionary(language);
    if (ready) return this.#show(language, ready);
    loadDictionary(language).then(
      (dictionary) => {
        if (this.#wanted === language) this.#show(language, dictionary);
      },
      (err: unknown) => {
        console.error(`dictionary ${language} could not be loaded`, err);
        if (this.#wanted === language) this.#settled = true;
      },
    );
  }

  #show(language: Language, dictionary: Dictionary): void {
    this.#dictionary = dictionary;
    this.#language = language;
    this.#settled = true;
    document.documentElement.lang = language;
    rememberLanguage(language);
  }

  /** `system` is resolved by CSS (prefers-color-scheme), so the OS switch applies live without JS. */
  setTheme(theme: Theme): void {
    this.#theme = theme;
    document.documentElement.dataset.theme = theme;
  }

  /** Translate; a plural base key (`mwi.button`) picks its `.one`/`.other` variant by the `count` param. */
  t = (key: string, params?: Params): string => translateWith(this.#dictionary, this.#language, key, params);

  /** An error from main (or the connection) in the UI language: its key translated, else a generic text with its code. */
  error = (error: ShownError): string => {
    const { key, params } = errorKey(error);
    return this.t(key, params);
  };

  /** A count or figure written the UI language's way (Intl.NumberFormat). */
  number = (value: number): string => formatNumber(this.#language, value);

  time = (at: number): string => formatDateTime(this.#language, { hour: '2-digit', minute: '2-digit', second: '2-digit' }, at);

  /** A date or time written the UI language's way (one Intl.DateTimeFormat per language and options, kept). */
  dateTime = (options: Intl.DateTimeFormatOptions, at: number | Date): string => formatDateTime(this.#language, options, at);
}
