/**
 * Issue #5 acceptance in Chromium through the web host, on the Kamailio + baresip test bed. The console is 1005 (not
 * 1001, which other suites use) so calls to 1001 never fork to it. The receptionist imports an Outlook CSV through the
 * Contacts pane, finds a colleague by three letters and dials with Enter; an incoming call from a number in those
 * contacts shows the contact's name; the call is in the history with its times.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { baresip, hangupAll, waitFor } from '../testbed/baresip';
import { expect, startConsole, test, type RunningConsole } from './console';

const CSV = join(__dirname, '..', 'fixtures', 'contacts', 'e2e-colleagues.csv');
let console_: RunningConsole | undefined;

test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

async function open(page: Page): Promise<void> {
  console_ = await startConsole(
    { user: '1005', password: 'secret', transport: 'udp', port: 5060, media: 'rtp' },
    { directories: { defaultCountry: 'FR', queues: [{ name: 'Accueil', number: '800' }] } },
  );
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

/** Outlook tab → choose the file → preview → import. */
async function importColleagues(page: Page): Promise<void> {
  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'Outlook' }).click();
  await pane.locator('input[type=file]').setInputFiles(CSV);
  const region = pane.getByRole('region', { name: 'Import' });
  await expect(region).toContainText('2 of 2 contacts can be imported');
  await expect(region.locator('table')).toContainText('Colette Durand');
  await region.getByRole('button', { name: 'Import 2 contacts' }).click();
  await expect(region.getByRole('status')).toContainText('2 new');
  await expect(pane.getByRole('list', { name: 'Outlook' })).toContainText('Bernard Appelant');
}

/** baresip answers "busy" to control commands while it is setting up; retry like the other suites. */
async function dialFrom1002(target: string): Promise<void> {
  await waitFor('1002 to dial', async () => (await baresip('1002', 'dial', target).catch(() => undefined))?.ok === true, 15_000, 1000);
}

test('three letters of a colleague → result with presence slot → Enter dials (1003 answers)', async ({ page }) => {
  await open(page);
  await importColleagues(page);
  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'Search' }).click();
  // The phone console's search shortcut lands in the contacts search field.
  await page.locator('body').click();
  await page.keyboard.press('Control+f');
  const search = pane.getByRole('searchbox', { name: 'Search', exact: true });
  await expect(search).toBeFocused();
  await page.keyboard.type('col');
  const results = pane.getByRole('list', { name: 'Results' });
  const first = results.locator('li.contact').first();
  await expect(first).toContainText('Colette Durand');
  await expect(first).toContainText('Exemple SA');
  await expect(first).toContainText('Outlook');
  await expect(first.locator('[data-presence-slot]')).toHaveCount(1);
  await expect(first).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('Enter');
  const line = page.locator('li.call').first();
  await expect(line).toContainText('Colette Durand');
  await expect(line).toContainText('Connected');
  await line.getByRole('button', { name: 'Hang up' }).click();
  await expect(line).toContainText('Ended');
});

test('an incoming call from an Outlook contact shows the name; the call is in the history with its times', async ({ page }) => {
  await open(page);
  await importColleagues(page);
  const before = Date.now();
  await dialFrom1002('sip:1005@127.0.0.1');
  const line = page.locator('li.call').first();
  await expect(line.locator('.name')).toHaveText('Bernard Appelant');
  await expect(line).toContainText('Fournisseur SARL');
  await expect(line).toContainText('Ringing');
  await page.waitForTimeout(1500);
  await line.getByRole('button', { name: 'Answer' }).click();
  await expect(line).toContainText('Connected');
  await page.waitForTimeout(3000);
  await line.getByRole('button', { name: 'Hang up' }).click();
  await expect(line).toContainText('Ended');
  const after = Date.now();

  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'History' }).click();
  const entry = pane.getByRole('list', { name: 'Call history' }).locator('li.history').first();
  await expect(entry).toContainText('Bernard Appelant');
  await expect(entry).toContainText('Received');
  await expect(entry).toContainText('1002');
  // Ringing about 1.5 s and talk about 3 s, and a start time within this test.
  await expect(entry).toContainText(/Ringing 00:0[1-3]/);
  await expect(entry).toContainText(/Talk 00:0[3-4]/);
  const started = Date.parse((await entry.locator('time').getAttribute('datetime'))!);
  expect(started).toBeGreaterThanOrEqual(before - 1000);
  expect(started).toBeLessThanOrEqual(after);

  // Filters: it is not a missed call; "Received" keeps it.
  await pane.getByRole('button', { name: 'Missed', exact: true }).click();
  await expect(pane.getByRole('list', { name: 'Call history' })).toContainText('No calls yet');
  await pane.getByRole('button', { name: 'Received', exact: true }).click();
  await expect(pane.getByRole('list', { name: 'Call history' }).locator('li.history')).toHaveCount(1);
});
