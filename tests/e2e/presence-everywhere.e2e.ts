/**
 * Presence everywhere (issue 13 item 2) on the Kamailio bed: the console is 1001, favorite 1004; baresip 1002–1004
 * place the calls. The lamps of Search results, Personal and Company rows follow the colleagues' calls; "Add to
 * favorites" on a search result makes a monitored favorite; the favorites board stays beside the search across a
 * reload; scrolling 150 personal contacts never holds more on-demand SUBSCRIBEs than the cap (40).
 *
 * Company: the slapd bed's entries carry no extension attribute (their telephoneNumber is a public +33 number), so
 * the test gives entry u00002 (François Dupré, "ext 1002" in gen-ldif.py) a `pager: 1002` and maps the LDAP attribute
 * `pager` to the contact's extension — as an administrator maps `ipPhone` or `extensionAttribute1` on a real directory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { baresip, hangupAll, waitFor } from '../testbed/baresip';
import { expect, startConsole, test, type RunningConsole } from './console';
import { importPersonalRows } from './import-rows';

let consoleApp: RunningConsole;

function giveLdapEntryAnExtension(): void {
  execFileSync(
    'ldapmodify',
    ['-x', '-H', 'ldap://127.0.0.1:3389', '-D', 'cn=admin,dc=example,dc=com', '-w', 'secret'],
    { input: 'dn: uid=u00002,ou=people,dc=example,dc=com\nchangetype: modify\nreplace: pager\npager: 1002\n', stdio: ['pipe', 'ignore', 'pipe'] },
  );
}

test.beforeAll(async () => {
  await hangupAll();
  giveLdapEntryAnExtension();
  consoleApp = await startConsole(
    { user: '1001' },
    {
      favorites: [{ extension: '1004', name: 'Chris' }],
      directories: {
        defaultCountry: 'FR',
        ldap: {
          url: 'ldap://127.0.0.1:3389',
          base: 'ou=people,dc=example,dc=com',
          filter: '(objectClass=inetOrgPerson)',
          refreshMinutes: 0,
          attributes: { extension: 'pager' },
        },
      },
    },
  );
});

test.afterEach(async () => {
  await hangupAll().catch(() => undefined);
});

test.afterAll(async () => {
  await consoleApp?.stop();
});

const pane = (page: Page) => page.locator('section.contacts');
const lamp = (scope: Locator, ext: string) => scope.locator(`[data-lamp="${ext}"]`);

async function open(page: Page): Promise<void> {
  await page.goto(consoleApp.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

/** baresip answers "busy" to control commands while it is setting up; retry like the other suites. */
async function dial(from: '1002' | '1003' | '1004', to: string): Promise<void> {
  await waitFor(`${from} to dial`, async () => (await baresip(from, 'dial', `sip:${to}@127.0.0.1`).catch(() => undefined))?.ok === true, 15_000, 1000);
}

/** Created once per console (a worker starts its own console in beforeAll, in memory). */
let colleagueCreated = false;

/** A personal contact with work number 1003: a short internal number, so its lamp is 1003's. */
async function ensurePersonalColleague(page: Page): Promise<void> {
  const p = pane(page);
  await p.getByRole('tab', { name: 'Personal' }).click();
  const list = p.getByRole('list', { name: 'Personal' });
  if (colleagueCreated) return;
  colleagueCreated = true;
  await p.getByRole('button', { name: 'New contact' }).click();
  const form = p.getByRole('form', { name: 'New contact' });
  await form.getByLabel('First name').fill('Bernadette');
  await form.getByLabel('Last name').fill('Collègue');
  await form.getByLabel('Work').fill('1003');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(list.locator('li.contact', { hasText: 'Bernadette Collègue' })).toBeVisible();
}

async function search(page: Page, text: string): Promise<Locator> {
  const p = pane(page);
  await p.getByRole('tab', { name: 'Search' }).click();
  const box = p.getByRole('combobox', { name: 'Search', exact: true });
  await box.fill(text);
  return p.getByRole('listbox', { name: 'Results' });
}

test('a colleague’s lamp in Search results and in Personal turns busy when baresip calls, idle after', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  await ensurePersonalColleague(page);
  const results = await search(page, 'Bernadette');
  const row = results.locator('li.contact', { hasText: 'Bernadette Collègue' });
  await expect(lamp(row, '1003')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  // The state is text for screen readers too: it is part of the option's accessible name.
  await expect(results.getByRole('option', { name: /1003: Idle.*Bernadette Collègue/ })).toBeVisible();
  await dial('1003', '1004'); // 1004 answers by itself
  await expect(lamp(row, '1003')).toHaveAttribute('data-state', 'busy');
  await expect(results.getByRole('option', { name: /1003: In a call/ })).toBeVisible();
  await baresip('1003', 'hangup');
  await expect(lamp(row, '1003')).toHaveAttribute('data-state', 'idle');

  // The same contact in the Personal list.
  await pane(page).getByRole('tab', { name: 'Personal' }).click();
  const item = pane(page).getByRole('list', { name: 'Personal' }).locator('li.contact', { hasText: 'Bernadette Collègue' });
  await expect(lamp(item, '1003')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await dial('1003', '1004');
  await expect(lamp(item, '1003')).toHaveAttribute('data-state', 'busy');
  await baresip('1003', 'hangup');
  await expect(lamp(item, '1003')).toHaveAttribute('data-state', 'idle');
});

test('Company (LDAP): the entry given extension 1002 shows 1002’s lamp, busy during its call', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  const p = pane(page);
  await p.getByRole('tab', { name: 'Company' }).click();
  await p.getByRole('searchbox', { name: 'Filter' }).fill('François Dupré');
  // "François Dupré 506" and "… 1010" match the filter too; u00002 is the one with an extension.
  const row = p.getByRole('list', { name: 'Company' }).locator('li.contact', { hasText: 'François Dupré', has: page.locator('[data-lamp="1002"]') });
  await row.scrollIntoViewIfNeeded(); // only rows on screen are watched
  await expect(lamp(row, '1002')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await dial('1002', '1004');
  await expect(lamp(row, '1002')).toHaveAttribute('data-state', 'busy');
  await baresip('1002', 'hangup');
  await expect(lamp(row, '1002')).toHaveAttribute('data-state', 'idle');
});

test('"Add to favorites" on a search result makes a monitored favorite with a live lamp', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  await ensurePersonalColleague(page);
  const results = await search(page, 'Bernadette');
  await expect(results.getByRole('option', { name: /Bernadette Collègue/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  const actions = pane(page).getByRole('group', { name: 'Selected result: Bernadette Collègue' });
  await actions.getByRole('button', { name: 'Add to favorites' }).click();
  await expect(actions.getByRole('button', { name: 'Remove from favorites' })).toHaveAttribute('aria-pressed', 'true');
  await pane(page).getByRole('tab', { name: 'Favorites' }).click();
  const fav = pane(page).locator('[data-favorite="1003"]');
  await expect(fav).toContainText('Bernadette Collègue (1003)');
  await expect(fav).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await dial('1003', '1004');
  await expect(fav).toHaveAttribute('data-state', 'busy');
  await baresip('1003', 'hangup');
  await expect(fav).toHaveAttribute('data-state', 'idle');
  // One notion of favorite: the Personal list shows the same contact starred; un-starring removes the favorite.
  await pane(page).getByRole('tab', { name: 'Personal' }).click();
  const item = pane(page).getByRole('list', { name: 'Personal' }).locator('li.contact', { hasText: 'Bernadette Collègue' });
  await item.getByRole('button', { name: 'Remove from favorites' }).click();
  await pane(page).getByRole('tab', { name: 'Favorites' }).click();
  await expect(pane(page).locator('[data-favorite="1003"]')).toHaveCount(0);
  await expect(pane(page).locator('[data-favorite="1004"]')).toBeVisible();
});

test('the favorites board stays beside the search, live, and the choice survives a reload', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  const p = pane(page);
  await p.getByRole('tab', { name: 'Search' }).click();
  const toggle = p.getByRole('button', { name: 'Favorites beside the search' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(p.getByTestId('favorites-board')).toHaveCount(0);
  await toggle.click();
  const board = p.getByTestId('favorites-board');
  await expect(board.locator('[data-favorite="1004"]')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  await p.getByRole('combobox', { name: 'Search', exact: true }).fill('Dupré');
  await expect(p.getByRole('listbox', { name: 'Results' }).getByRole('option').first()).toBeVisible();
  await expect(board).toBeVisible();
  // Lamps in results and the board beside them: no serious or critical axe finding, light and dark. Only rows on
  // screen are watched: bring François Dupré's into view.
  await lamp(p, '1002').scrollIntoViewIfNeeded();
  await expect(lamp(p, '1002')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(250);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('section.contacts').analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await dial('1002', '1004');
  await expect(board.locator('[data-favorite="1004"]')).toHaveAttribute('data-state', 'busy');
  await baresip('1002', 'hangup');
  await expect(board.locator('[data-favorite="1004"]')).toHaveAttribute('data-state', 'idle');
  await page.reload();
  await p.getByRole('tab', { name: 'Search' }).click();
  await expect(p.getByRole('button', { name: 'Favorites beside the search' })).toHaveAttribute('aria-pressed', 'true');
  await expect(p.getByTestId('favorites-board').locator('[data-favorite="1004"]')).toBeVisible();
  // Turned off again for the other tests.
  await p.getByRole('button', { name: 'Favorites beside the search' }).click();
  await expect(p.getByTestId('favorites-board')).toHaveCount(0);
});

test('scrolling 150 personal contacts never holds more than 40 on-demand SUBSCRIBEs', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page);
  const p = pane(page);
  await importPersonalRows(
    p,
    Array.from({ length: 150 }, (_, i) => `Scroll,Row ${String(i).padStart(3, '0')},${2100 + i}`),
  );
  const list = p.getByRole('list', { name: 'Personal' });
  // The first page (the 150 and the contacts earlier tests left); the rest comes as she scrolls to the end.
  await expect(list.locator('li.contact')).toHaveCount(100);
  // Scroll the list from top to bottom at reading pace (a few rows every 400 ms), then back up quickly.
  for (let i = 0; i < (await list.locator('li.contact').count()); i += 6) {
    await list.locator('li.contact').nth(i).scrollIntoViewIfNeeded();
    await page.waitForTimeout(400);
  }
  await expect(list.locator('[data-lamp^="2"]')).toHaveCount(150);
  const count = await list.locator('li.contact').count();
  for (let i = count - 1; i >= 0; i -= 10) {
    await list.locator('li.contact').nth(i).scrollIntoViewIfNeeded();
    await page.waitForTimeout(150);
  }
  await page.waitForTimeout(8000); // beyond the 5 s linger: what left the screen is released
  const log = readFileSync(consoleApp.logFile, 'utf8');
  const counts = [...log.matchAll(/presence: on-demand (\d+)\/(\d+) watched \(favorites (\d+), wanted (\d+), started (\d+)\)/g)].map((m) => ({
    onDemand: Number(m[1]),
    cap: Number(m[2]),
    started: Number(m[5]),
  }));
  expect(counts.length).toBeGreaterThan(0);
  expect(Math.max(...counts.map((c) => c.onDemand))).toBeLessThanOrEqual(40);
  expect(counts.every((c) => c.cap === 40)).toBe(true);
  // It followed the scroll (more than the cap over time) and released the rows that left the screen.
  expect(counts.at(-1)!.started).toBeGreaterThan(40);
  expect(counts.at(-1)!.onDemand).toBeLessThan(40);
  // Cross-check on the wire: initial SUBSCRIBEs sent for 21xx/22xx never outnumber un-SUBSCRIBEs by more than 40.
  const subs = subscribeBalance(log);
  expect(subs.maxOpen).toBeLessThanOrEqual(40);
  expect(subs.opened).toBeGreaterThan(40);
});

/**
 * Walk the SIP trace: SUBSCRIBE dialogs to 2100–2249 (by Call-ID; a 407 challenge re-sends the same one) opened by an
 * initial request (Expires > 0) and closed by an un-SUBSCRIBE (Expires: 0). Returns how many were opened and the
 * most open at once.
 */
function subscribeBalance(log: string): { opened: number; maxOpen: number } {
  const open = new Set<string>();
  const seen = new Set<string>();
  let maxOpen = 0;
  // Each log entry starts with its ISO time; a sent SIP message is "<time> DEBUG SIP out" then the message.
  for (const block of log.split(/\n(?=\d{4}-\d\d-\d\dT)/)) {
    if (!/^\S+ DEBUG SIP out\nSUBSCRIBE /.test(block)) continue;
    if (!/^(?:To|t):[^\n]*<sip:2[12]\d\d@/im.test(block)) continue;
    const callId = /^(?:Call-ID|i):\s*(\S+)/im.exec(block)?.[1];
    if (!callId) continue;
    if (/^Expires:\s*0\s*$/im.test(block)) open.delete(callId);
    else if (!seen.has(callId)) {
      seen.add(callId);
      open.add(callId);
    }
    maxOpen = Math.max(maxOpen, open.size);
  }
  return { opened: seen.size, maxOpen };
}
