/**
 * issue 14: the renderer's dictionaries. English (the fallback) is in the start-up chunk; French and Dutch are chunks
 * of their own, fetched when the language shown needs them: at start for the language the page starts in (while it
 * connects to main and waits for the snapshot), and on a language change in Settings. The UI shows no text of
 * another language meanwhile (lib/state/locale.svelte.ts, App.svelte). The language last shown is remembered in
 * localStorage, so the dictionary fetched at start is the one main's preferences will ask for.
 */
import type { Language } from '../../electron/contract';
import { resolveLanguage } from './core';
import { en, type Dictionary } from './en';

const loaded = new Map<Language, Dictionary>([['en', en]]);
const loading = new Map<Language, Promise<Dictionary>>();

// Each a dynamic import: Vite makes a chunk per dictionary.
const importers: Readonly<Record<Exclude<Language, 'en'>, () => Promise<Dictionary>>> = {
  fr: () => import('./fr').then((m) => m.fr),
  nl: () => import('./nl').then((m) => m.nl),
};

/** The dictionary of `language` when it is already here (English always is). */
export function loadedDictionary(language: Language): Dictionary | undefined {
  return loaded.get(language);
}

/** The dictionary of `language`, fetched once; a failed fetch is not remembered (the next call tries again). */
export function loadDictionary(language: Language): Promise<Dictionary> {
  const ready = loaded.get(language);
  if (ready) return Promise.resolve(ready);
  let pending = loading.get(language);
  if (!pending) {
    pending = importers[language as Exclude<Language, 'en'>]().then(
      (dictionary) => {
        loaded.set(language, dictionary);
        loading.delete(language);
        return dictionary;
      },
      (err: unknown) => {
        loading.delete(language);
        throw err;
      },
    );
    loading.set(language, pending);
  }
  return pending;
}

const STORAGE_KEY = 'rc.language';

/** What of the page this needs (typed here: main's type-check has no DOM library, and the unit tests run in Node). */
const page = globalThis as {
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator?: { languages?: readonly string[] };
};

/** The language to start in: the one last shown, else the browser's (Electron: the OS's) first one we have. */
export function startLanguage(): Language {
  try {
    const remembered = page.localStorage?.getItem(STORAGE_KEY);
    if (remembered === 'en' || remembered === 'fr' || remembered === 'nl') return remembered;
  } catch {
    // Storage refused (privacy settings): the browser's language.
  }
  return resolveLanguage('system', page.navigator?.languages ?? []);
}

export function rememberLanguage(language: Language): void {
  try {
    page.localStorage?.setItem(STORAGE_KEY, language);
  } catch {
    // Not remembered: the next start may fetch its dictionary after main's preferences instead of before.
  }
}
