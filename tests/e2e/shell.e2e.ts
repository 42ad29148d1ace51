/**
 * Issue #7 behaviours that are not Electron-specific, through the web host: a tel: link handed to the host dials
 * (Electron gets it from the OS: second-instance / open-url → the same ConsoleService.dialUrl), the confirmation
 * variant prefills the Number field, and do-not-disturb answers callers busy.
 */
import type { Page } from '@playwright/test';
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { expect, startConsole, test, type RunningConsole } from './console';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

async function open(page: Page, preferences: Record<string, unknown> = {}): Promise<URL> {
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { preferences: { language: 'en', ...preferences } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  return new URL(console_.url);
}

const live = (page: Page) => page.locator('li.call:not(.ended)');

test('a tel: link handed to the host dials it when confirmation is off (tolerant of spaces and escapes)', async ({ page }) => {
  const url = await open(page, { confirmLinkDial: false });
  await waitFor('1003 free', async () => !/sip:/.test(await baresipCalls('1003')));
  await page.goto(`${url.origin}/dial?token=${url.searchParams.get('token')}&url=${encodeURIComponent('tel:10 03')}`);
  await expect(live(page)).toContainText('1003');
  await expect(live(page)).toContainText('Connected');
  // Without the token nothing is dialed.
  const refused = await page.request.get(`${url.origin}/dial?url=tel:1004`);
  expect(refused.status()).toBe(403);
});

test('by default (confirmation on), the link only fills the Number field; Enter dials', async ({ page }) => {
  const url = await open(page);
  await waitFor('1003 free', async () => !/sip:/.test(await baresipCalls('1003')));
  await page.goto(`${url.origin}/dial?token=${url.searchParams.get('token')}&url=${encodeURIComponent('callto://1003')}`);
  await expect(page.getByLabel('Number', { exact: true })).toHaveValue('1003');
  await expect(page.getByLabel('Number', { exact: true })).toBeFocused();
  await expect(live(page)).toHaveCount(0);
  await page.keyboard.press('Enter');
  await expect(live(page)).toContainText('Connected');
});

test('a link that is not a number is refused in plain words', async ({ page }) => {
  const url = await open(page);
  await page.goto(`${url.origin}/dial?token=${url.searchParams.get('token')}&url=${encodeURIComponent('javascript:alert(1)')}`);
  await expect(page.getByText('That link is not a phone number or SIP address, so it was not dialed.')).toBeVisible();
  await expect(live(page)).toHaveCount(0);
});

test('do not disturb: callers hear busy, the receptionist sees who called and can switch it off', async ({ page }) => {
  await open(page, { doNotDisturb: true });
  await expect(page.getByRole('button', { name: /Do not disturb/ })).toBeVisible();
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  await expect(page.getByText(/1002 called while you were on do not disturb/)).toBeVisible();
  await waitFor('1002 to hear busy', async () => !/sip:1001/.test(await baresipCalls('1002')));
  await expect(live(page)).toHaveCount(0);
  await page.getByRole('button', { name: /Do not disturb/ }).click();
  await expect(page.getByRole('button', { name: /Do not disturb/ })).toHaveCount(0);
});

test('the compact incoming-call view (index.html?view=incoming) shows the caller; Answer there answers the call', async ({ page }) => {
  const url = await open(page, { incomingCallWindow: true });
  // Electron opens this view in an always-on-top, non-focusable window; the web host serves the same page.
  const compact = await page.context().newPage();
  await compact.goto(`${url.origin}/?token=${url.searchParams.get('token')}&view=incoming`);
  await expect(compact.getByText('No call ringing')).toBeVisible();
  await expect(compact.locator('.registration')).toHaveCount(0); // no panes, no info pane
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  const ringing = compact.locator('section.call');
  await expect(ringing).toContainText('1002');
  await ringing.getByRole('button', { name: 'Answer' }).click();
  await expect(live(page)).toContainText('Connected');
  await expect(compact.getByText('No call ringing')).toBeVisible();
  await compact.close();
});

test.describe('language follows the browser by default', () => {
  test.use({ locale: 'fr-FR' });
  test('language "system" in a French browser shows the console in French; a set language wins', async ({ page }) => {
    console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { preferences: { language: 'system' } });
    await page.goto(console_.url);
    await expect(page.locator('.registration')).toHaveText(/Enregistré/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await console_.stop();
    console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { preferences: { language: 'nl' } });
    await page.goto(console_.url);
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  });
});
