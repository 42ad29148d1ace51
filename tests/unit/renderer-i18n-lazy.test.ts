/**
 * issue 14: the renderer loads only the dictionary it shows. English (./en) is in the start-up chunk; French and
 * Dutch come through renderer/i18n/loader.ts (dynamic imports: a chunk each). tests/e2e/i18n-lazy.e2e.ts checks the
 * built page (which chunks are fetched, no English first); here: the loader, and that no renderer module imports the
 * all-languages module (renderer/i18n/index.ts, for main and the tests) or fr/nl statically.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DICTIONARIES, errorText, translate } from '../../renderer/i18n';
import { errorKey, translateWith } from '../../renderer/i18n/core';
import { loadDictionary, loadedDictionary, rememberLanguage, startLanguage } from '../../renderer/i18n/loader';

const RENDERER = join(__dirname, '../../renderer');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(e.name) ? [path] : [];
  });
}

describe('renderer dictionaries loaded on demand', () => {
  it('no renderer module imports the all-languages module or fr/nl statically (only i18n/index.ts and the loader)', () => {
    const offenders: string[] = [];
    for (const file of sources(RENDERER)) {
      const rel = relative(RENDERER, file).split('\\').join('/');
      if (rel === 'i18n/index.ts' || rel === 'vite.config.ts' || rel.startsWith('help/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        const target = spec.startsWith('.') ? join(file, '..', spec) : spec;
        const inI18n = relative(join(RENDERER, 'i18n'), target).split('\\').join('/');
        const isIndex = inI18n === '' || inI18n === 'index' || inI18n === 'index.ts';
        const isOther = inI18n === 'fr' || inI18n === 'nl' || inI18n === 'fr.ts' || inI18n === 'nl.ts';
        const dynamic = /^import\s*\(/.test(m[0]);
        if (isIndex || (isOther && !(rel === 'i18n/loader.ts' && dynamic))) offenders.push(`${rel}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('English is there from the start; French and Dutch are fetched once, the same dictionaries as main uses', async () => {
    expect(loadedDictionary('en')).toBe(DICTIONARIES.en);
    expect(loadedDictionary('fr')).toBeUndefined();
    expect(loadedDictionary('nl')).toBeUndefined();
    const [a, b] = [loadDictionary('fr'), loadDictionary('fr')];
    expect(a).toBe(b); // one fetch for concurrent asks
    expect(await a).toEqual(DICTIONARIES.fr);
    expect(loadedDictionary('fr')).toBe(await a);
    expect(loadedDictionary('nl')).toBeUndefined();
    expect(await loadDictionary('nl')).toEqual(DICTIONARIES.nl);
    expect(await loadDictionary('en')).toBe(DICTIONARIES.en);
  });

  it('a loaded dictionary translates as main does: plurals, numbers, placeholders, errors', async () => {
    for (const lang of ['en', 'fr', 'nl'] as const) {
      const dict = await loadDictionary(lang);
      for (const [key, params] of [
        ['mwi.button', { count: 1 }],
        ['mwi.button', { count: 1234 }],
        ['error.badValue', { field: 'server' }],
        ['phone.call', undefined],
        ['no.such.key', undefined],
      ] as const) {
        expect(translateWith(dict, lang, key, params)).toBe(translate(lang, key, params));
      }
      const error = { code: 'lines-busy', key: 'error.lines-busy' } as const;
      const { key, params } = errorKey(error);
      expect(translateWith(dict, lang, key, params)).toBe(errorText(lang, error));
    }
  });

  describe('the language to start in', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    beforeEach(() => {
      store.clear();
      Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
    });
    afterAll(() => {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    });

    it('is the language last shown, remembered', () => {
      rememberLanguage('nl');
      expect(startLanguage()).toBe('nl');
      rememberLanguage('fr');
      expect(startLanguage()).toBe('fr');
    });

    it('ignores a value it does not know; storage that throws is not fatal', () => {
      store.set('rc.language', '<script>');
      expect(['en', 'fr', 'nl']).toContain(startLanguage());
      Object.defineProperty(globalThis, 'localStorage', {
        value: {
          getItem: () => {
            throw new Error('SecurityError');
          },
          setItem: () => {
            throw new Error('QuotaExceededError');
          },
        },
        configurable: true,
      });
      expect(() => rememberLanguage('fr')).not.toThrow();
      expect(['en', 'fr', 'nl']).toContain(startLanguage());
    });
  });
});
