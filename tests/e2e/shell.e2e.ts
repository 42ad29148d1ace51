/**
 * Issue #7 behaviours that are not Electron-specific, through the web host: a tel: link handed to the host dials
 * (Electron gets it from the OS: second-instance / open-url → the same ConsoleService.dialUrl), the confirmation
 * variant prefills the Number field, and do-not-disturb answers callers busy.
 */
import type { Page } from '@playwright/test';
import { INCOMING_WINDOW_LAYOUT, INCOMING_WINDOW_ROWS } from '../../electron/contract/incoming-window';
import { incomingWindowHeight } from '../../electron/main/incoming-window';
import { KAMAILIO_SIP, cleanup, dialOut, type Caller } from '../testbed/asterisk/phones';
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { expect, startConsole, test, type RunningConsole } from './console';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
  await cleanup();
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

// A string: the console's CSP forbids the evaluation of functions passed to the page. What the receptionist cannot
// see or reach in the compact window at its size: a control or a line past the window's edge or below the list's
// visible part, a line that wrapped (taller than one line), a text line running under the buttons.
const COMPACT_UNSEEN = `(() => {
  const out = [];
  const name = (el) => (el.textContent || el.className).trim().replace(/\\s+/g, ' ').slice(0, 40);
  const list = document.querySelector('main.incoming .list').getBoundingClientRect();
  const main = document.querySelector('main.incoming');
  if (main.scrollHeight > main.clientHeight + 0.5 || main.scrollWidth > main.clientWidth + 0.5) out.push('the window scrolls');
  for (const el of document.querySelectorAll('main.incoming button, main.incoming .caller, main.incoming .detail, main.incoming .count')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.bottom > innerHeight + 0.5) out.push(name(el) + ' past the window');
    if (!el.classList.contains('count') && (r.top < list.top - 0.5 || r.bottom > list.bottom + 0.5)) out.push(name(el) + ' below the list');
    if (el.matches('.caller, .detail') && r.height > parseFloat(getComputedStyle(el).lineHeight) + 0.5) out.push(name(el) + ' wrapped');
    const actions = el.closest('section.call')?.querySelector('.actions')?.getBoundingClientRect();
    if (actions && el.matches('.caller, .detail') && r.right > actions.left + 0.5) out.push(name(el) + ' under the buttons');
  }
  return out;
})()`;

test('the compact window has a row per ringing call, up to four, then scrolls; each row fits, in English, French and Dutch', async ({ page }) => {
  test.setTimeout(120_000);
  const words = {
    en: { answer: 'Answer', decline: 'Decline', count: (n: number) => `${n} calls ringing`, for: 'For Dupont Services Internationaux SA' },
    fr: { answer: 'Répondre', decline: 'Refuser', count: (n: number) => `${n} appels en attente`, for: 'Pour Dupont Services Internationaux SA' },
    nl: { answer: 'Opnemen', decline: 'Weigeren', count: (n: number) => `${n} oproepen gaan over`, for: 'Voor Dupont Services Internationaux SA' },
  } as const;
  for (const language of ['en', 'fr', 'nl'] as const) {
    await console_?.stop();
    // The tallest rows: a caller's name, its number, who the call is for and who forwarded it (trusted relayed headers).
    console_ = await startConsole(
      { transport: 'udp', media: 'rtp', trustRelayedHeaders: true },
      // Six lines (the default four would answer a fifth caller busy): more calls can ring than the window has rows.
      { preferences: { language, lines: 6, incomingCallWindow: true, calledNames: [{ number: '+33331234567', name: 'Dupont Services Internationaux SA' }] } },
    );
    await page.goto(console_.url);
    await expect(page.locator('.registration')).toHaveText(/Registered|Enregistré|Aangemeld/);
    const url = new URL(console_.url);
    const compact = await page.context().newPage();
    await compact.setViewportSize({ width: INCOMING_WINDOW_LAYOUT.width, height: incomingWindowHeight(1) });
    await compact.goto(`${url.origin}/?token=${url.searchParams.get('token')}&view=incoming`);
    const rows = compact.locator('section.call');
    const callers: Caller[] = [];
    for (let n = 1; n <= INCOMING_WINDOW_ROWS + 1; n++) {
      callers.push(
        await dialOut(`06123456${String(n).padStart(2, '0')}`, '1001', {
          server: KAMAILIO_SIP,
          auth: false,
          from: `"Madame Anne-Sophie de La Tour d'Auvergne ${n}" <sip:06123456${String(n).padStart(2, '0')}@customer.invalid>`,
          toUser: '0331234567',
          headers: ['Diversion: "Bernard Chevalier-Montgomery" <sip:1003@127.0.0.1>;reason=no-answer;counter=1, <sip:0331234567@127.0.0.1>;reason=unconditional'],
          holdMs: 500,
        }),
      );
      await expect(rows).toHaveCount(n);
      // The shell gives the window this height for n ringing calls (electron/main/incoming-window.ts).
      await compact.setViewportSize({ width: INCOMING_WINDOW_LAYOUT.width, height: incomingWindowHeight(n) });
      await expect(rows.nth(n - 1).locator('.called')).toContainText(words[language].for);
      if (n > 1) await expect(compact.locator('.count')).toHaveText(words[language].count(n));
      else await expect(compact.locator('.count')).toHaveCount(0);
      const scrolls = (await compact.evaluate(`(() => { const l = document.querySelector('main.incoming .list'); return l.scrollHeight > l.clientHeight + 0.5; })()`)) as boolean;
      expect(scrolls, `${language}: ${n} calls`).toBe(n > INCOMING_WINDOW_ROWS);
      // The last rows are below the list's visible part when it scrolls: only the first four rows are checked there.
      if (n <= INCOMING_WINDOW_ROWS) expect(await compact.evaluate(COMPACT_UNSEEN), `${language}: ${n} calls`).toEqual([]);
    }
    // The fifth caller is reached by scrolling the list, and answered from there.
    const fifth = rows.nth(INCOMING_WINDOW_ROWS);
    await fifth.scrollIntoViewIfNeeded();
    await fifth.getByRole('button', { name: words[language].answer }).click();
    await expect(page.locator('li.call.active')).toContainText('0612345605');
    await expect(rows).toHaveCount(INCOMING_WINDOW_ROWS);
    await compact.setViewportSize({ width: INCOMING_WINDOW_LAYOUT.width, height: incomingWindowHeight(INCOMING_WINDOW_ROWS) });
    expect(await compact.evaluate(COMPACT_UNSEEN), `${language}: back to four`).toEqual([]);
    // Declined one by one from the window: each caller gets its final answer; the window shrinks back (the shell
    // closes it when nothing rings).
    for (let left = INCOMING_WINDOW_ROWS; left > 0; left--) {
      await rows.first().getByRole('button', { name: words[language].decline }).click();
      await expect(rows).toHaveCount(left - 1);
    }
    await expect(compact.locator('.idle')).toBeVisible();
    for (const c of callers.slice(0, INCOMING_WINDOW_ROWS)) expect(await c.sipp.done, 'a declined caller ends').toBe(0);
    await compact.close();
  }
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
