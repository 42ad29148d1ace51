/**
 * issue 14: only the dictionary the receptionist uses is loaded. English is in the start-up chunk; French and Dutch
 * are chunks of their own (renderer/i18n/loader.ts), fetched before the first render for the language the console
 * starts in and on a language change in Settings — never English first and then the language (no flash).
 * The page records, from a MutationObserver installed before the renderer's scripts run (its callbacks run before
 * the next paint), the buttons of the phone pane and the page's language the first time the pane is in the DOM,
 * the info pane's About button the first time it is in the DOM, and the script resources tell which dictionary chunks were fetched.
 * The account's server never answers (no bed needed): the console shows its panes without a registration.
 */
import type { Page } from '@playwright/test';
import type { Language } from '../../electron/contract';
import { DICTIONARIES } from '../../renderer/i18n';
import { expect, startConsole, test, type RunningConsole } from './console';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
});

// A string: the console's CSP forbids the evaluation of functions passed to waitForFunction.
const RECORD_FIRST_PANE = `(() => {
  const rec = { first: null, about: null };
  globalThis.__rcFirstPane = rec;
  new MutationObserver(() => {
    const about = document.querySelector('.about-button');
    if (about && rec.about === null) rec.about = (about.textContent || '').trim();
    const pane = document.querySelector('section.pane.phone');
    if (!pane || rec.first) return;
    rec.first = {
      lang: document.documentElement.lang,
      buttons: [...pane.querySelectorAll('button')].map((b) => (b.textContent || '').trim()).filter((t) => t),
    };
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

interface FirstPane {
  lang: string;
  buttons: string[];
  /** The info pane's About button, the first time it was in the DOM. */
  about: string;
}

const dictionaryChunks = async (page: Page): Promise<string[]> =>
  (await page.evaluate(
    `performance.getEntriesByType('resource').map((e) => e.name).map((n) => (/\\/assets\\/(en|fr|nl)-[^/]*\\.js$/.exec(n) || [])[1]).filter(Boolean)`,
  )) as string[];

async function firstPane(page: Page): Promise<FirstPane> {
  await expect(page.locator('section.pane.phone')).toBeVisible();
  return (await page.evaluate('({ ...globalThis.__rcFirstPane.first, about: globalThis.__rcFirstPane.about })')) as FirstPane;
}

/** The phone pane was in `lang` from its first render: its Call button in that language, not in English. */
function expectFirstIn(first: FirstPane, lang: Language): void {
  expect(first.lang).toBe(lang);
  expect(first.buttons).toContain(DICTIONARIES[lang]['phone.call']);
  expect(first.about).toBe(DICTIONARIES[lang]['about.open']);
  if (lang !== 'en') expect(first.buttons).not.toContain(DICTIONARIES.en['phone.call']);
}

test('French saved, English browser: the phone pane is French from its first render, Dutch is never fetched', async ({ page }) => {
  console_ = await startConsole({ port: 5999 }, { preferences: { language: 'fr' } });
  await page.addInitScript(RECORD_FIRST_PANE);
  await page.goto(console_.url);
  expectFirstIn(await firstPane(page), 'fr');
  expect(await dictionaryChunks(page)).toEqual(['fr']);
});

test('English: no other dictionary is fetched', async ({ page }) => {
  console_ = await startConsole({ port: 5999 }, { preferences: { language: 'en' } });
  await page.addInitScript(RECORD_FIRST_PANE);
  await page.goto(console_.url);
  expectFirstIn(await firstPane(page), 'en');
  expect(await dictionaryChunks(page)).toEqual([]);
});

test('a change to Dutch in Settings fetches Dutch and shows it; after a reload the console starts in Dutch', async ({ page }) => {
  console_ = await startConsole({ port: 5999 }, { preferences: { language: 'fr' } });
  await page.addInitScript(RECORD_FIRST_PANE);
  await page.goto(console_.url);
  expectFirstIn(await firstPane(page), 'fr');

  await page.getByRole('button', { name: DICTIONARIES.fr['settings.open'], exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('#pref-language').selectOption('nl');
  await dialog.getByRole('button', { name: DICTIONARIES.fr['settings.save'], exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await expect(page.getByRole('button', { name: DICTIONARIES.nl['phone.call'], exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: DICTIONARIES.fr['phone.call'], exact: true })).toHaveCount(0);
  expect((await dictionaryChunks(page)).sort()).toEqual(['fr', 'nl']);

  // The language is remembered: the reloaded page fetches Dutch (only) before its first render.
  await page.reload();
  expectFirstIn(await firstPane(page), 'nl');
  expect(await dictionaryChunks(page)).toEqual(['nl']);
});
