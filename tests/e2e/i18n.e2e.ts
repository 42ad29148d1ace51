/**
 * Issue 16 §2 acceptance, language part: in French and in Dutch, the errors a receptionist runs into — a server name
 * refused by main in the account set-up, dialing while not registered, an invalid number, all lines busy, a broken
 * file imported, a number to present that the administrator locked — are shown in that language: the text on screen
 * is the fr/nl translation of the error's key (ContractError.key), never its English text nor main's English message.
 * Kamailio + baresip bed (1003 answers by itself); the console is 1001.
 */
import type { Locator, Page } from '@playwright/test';
import type { Language } from '../../electron/contract';
import { DICTIONARIES, translate, type Params } from '../../renderer/i18n';
import { hangupAll } from '../testbed/baresip';
import { expect, startConsole, test, type RunningConsole } from './console';

type Shown = Exclude<Language, 'en'>;
const LANGUAGES: readonly Shown[] = ['fr', 'nl'];

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

const d = (lang: Language) => DICTIONARIES[lang];

/**
 * English sentences of the UI (the placeholder-free stretches of at least three words of every English text that
 * differs in the other languages): none may appear in a French or Dutch error.
 */
const ENGLISH_SENTENCES: readonly string[] = (() => {
  const out = new Set<string>();
  for (const [key, text] of Object.entries(d('en'))) {
    if (text === d('fr')[key as keyof ReturnType<typeof d>] || text === d('nl')[key as keyof ReturnType<typeof d>]) continue;
    for (const part of text.split(/\{[A-Za-z0-9_]+\}/)) {
      const s = part.trim();
      if (s.length >= 16 && s.split(/\s+/).length >= 3) out.add(s);
    }
  }
  return [...out];
})();

/** The error texts on screen: the message history, alerts, error paragraphs. */
async function shownErrorTexts(page: Page): Promise<string[]> {
  return page.locator('#message-history .msg, .toasts .msg, [role=alert], p.error').allInnerTexts();
}

async function expectNoEnglish(page: Page, english: readonly string[]): Promise<void> {
  const texts = await shownErrorTexts(page);
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) {
    for (const sentence of [...english, ...ENGLISH_SENTENCES]) expect({ text, english: text.includes(sentence) ? sentence : '' }).toEqual({ text, english: '' });
  }
}

/**
 * The error with `key` is shown in `where` exactly as its `lang` translation, and neither its English text nor main's
 * English `message` is anywhere on the page.
 */
async function expectTranslated(page: Page, where: Locator, lang: Shown, key: string, params: Params, mainMessage: string): Promise<void> {
  const text = translate(lang, key, params);
  const english = translate('en', key, params);
  expect(text).not.toBe(english);
  await expect(where.getByText(text, { exact: true }).first()).toBeVisible();
  const body = page.locator('body');
  await expect(body).not.toContainText(english);
  await expect(body).not.toContainText(mainMessage);
  await expectNoEnglish(page, [english, mainMessage]);
}

/** A command's error in the global message area (its history lists every message, the toast only the latest). */
async function expectMessage(page: Page, lang: Shown, key: string, params: Params, mainMessage: string): Promise<void> {
  const toggle = page.locator('[aria-controls="message-history"]');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expectTranslated(page, page.locator('#message-history'), lang, key, params, mainMessage);
  await toggle.click(); // closed again: the history pops over the panes
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
}

async function dial(page: Page, lang: Shown, number: string): Promise<void> {
  await page.getByLabel(d(lang)['phone.number'], { exact: true }).fill(number);
  await page.getByRole('button', { name: d(lang)['phone.call'], exact: true }).click();
}

for (const lang of LANGUAGES) {
  test(`${lang}: a server name refused by main in the set-up, then dialing while not registered — in ${lang}`, async ({ page }) => {
    console_ = await startConsole(null, { preferences: { language: lang } });
    await page.goto(console_.url);
    await expect(page.getByRole('heading', { name: d(lang)['setup.heading'] })).toBeVisible();

    // The set-up form checks the port itself; the server name is checked by main's schema (zod → bad-request).
    await page.getByLabel(d(lang)['setup.server'], { exact: true }).fill('pbx server!');
    await page.getByLabel(d(lang)['setup.user'], { exact: true }).fill('1001');
    await page.getByRole('button', { name: d(lang)['setup.save'] }).click();
    await expectTranslated(page, page.locator('#setup-error'), lang, 'error.badValue', { field: 'server' }, 'must be a host name or IP address');

    // A server where nothing answers: the console never registers; dialing says why, in the UI language.
    await page.getByLabel(d(lang)['setup.server'], { exact: true }).fill('127.0.0.1');
    await page.getByLabel(new RegExp(`^${d(lang)['setup.port']}`)).fill('5999');
    await page.getByRole('button', { name: d(lang)['setup.save'] }).click();
    await expect(page.getByLabel(d(lang)['phone.number'], { exact: true })).toBeVisible();
    await dial(page, lang, '1003');
    await expectMessage(page, lang, 'error.not-registered', {}, 'The phone is not registered');
  });

  test(`${lang}: invalid number, all lines busy, a broken file imported, a locked number to present — in ${lang}`, async ({ page }) => {
    console_ = await startConsole(
      { transport: 'udp', port: 5060, media: 'rtp' },
      {
        preferences: { language: lang, lines: 1 },
        services: { identities: [{ number: '0123456789', label: 'Accueil' }], locked: ['presentAs'] },
      },
    );
    await page.goto(console_.url);
    await expect(page.locator('.registration')).toContainText(d(lang)['registration.ok']);

    // An invalid number (sip-core's CallError invalid-target, mapped to error.call.invalid-target).
    await dial(page, lang, '10<03>');
    await expectMessage(page, lang, 'error.call.invalid-target', {}, 'Target contains invalid characters');

    // One line: a second call while 1003 is connected.
    await dial(page, lang, '1003');
    const row = page.locator('li.call', { hasText: '1003' });
    await expect(row).toContainText(d(lang)['phone.state.active'], { timeout: 20_000 });
    await dial(page, lang, '1004');
    await expectMessage(page, lang, 'error.lines-busy', {}, 'All lines are busy');
    await row.getByRole('button', { name: d(lang)['phone.hangup'], exact: true }).click();
    await expect(row).toContainText(d(lang)['phone.state.ended']);

    // A broken file (a PNG) chosen for import in the Personal tab.
    await page.getByRole('tab', { name: d(lang)['contacts.tab.personal'], exact: true }).click();
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(4096, 7)]);
    await page.locator('input[type=file]').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: png });
    const region = page.getByRole('region', { name: d(lang)['contacts.import'], exact: true });
    const why = translate(lang, 'contacts.importError.binary');
    await expectTranslated(page, region, lang, 'contacts.importFailed', { message: why }, 'This is not a text file');
    await region.getByRole('button', { name: d(lang)['contacts.close'], exact: true }).click();

    // The number to present is locked by the administrator: the picker is greyed. A stale window (opened before the
    // lock) still offers it — main refuses the other number, in the receptionist's language.
    const present = page.getByTestId('dial-present-as');
    await expect(present).toBeDisabled();
    await present.evaluate((el) => el.removeAttribute('disabled'));
    await present.selectOption('anonymous');
    await dial(page, lang, '1004');
    await expectMessage(page, lang, 'error.presentAsLocked', {}, 'presentAs: set by your administrator');
    await expect(page.locator('li.call', { hasText: '1004' })).toHaveCount(0);
  });
}
