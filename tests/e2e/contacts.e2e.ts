/**
 * Issue #5 acceptance in Chromium through the web host, on the Kamailio + baresip test bed. The console is 1005 (not
 * 1001, which other suites use) so calls to 1001 never fork to it. The receptionist imports an Outlook CSV through the
 * Contacts pane, finds a colleague by three letters and dials with Enter; an incoming call from a number in those
 * contacts shows the contact's name; the call is in the history with its times; after a call to 1003 (auto-answer) the
 * history's detail window shows the call's timeline and its call-quality plot.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { baresip, hangupAll, waitFor } from '../testbed/baresip';
import { expect, ROOT, startConsole, test, type RunningConsole } from './console';
import { importPersonalRows } from './import-rows';

const CSV = join(__dirname, '..', 'fixtures', 'contacts', 'e2e-colleagues.csv');
let console_: RunningConsole | undefined;

test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

async function open(page: Page, cliArgs: readonly string[] = []): Promise<void> {
  console_ = await startConsole(
    { user: '1005', password: 'secret', transport: 'udp', port: 5060, media: 'rtp' },
    { directories: { defaultCountry: 'FR', queues: [{ name: 'Accueil', number: '800' }] } },
    cliArgs,
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

test('three letters of a colleague → result with presence slot → Enter dials (1003 answers), also pressed right after typing', async ({ page }) => {
  await open(page);
  await importColleagues(page);
  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'Search' }).click();
  // The phone console's search shortcut lands in the contacts search field.
  await page.locator('body').click();
  await page.keyboard.press('Control+f');
  const search = pane.getByRole('combobox', { name: 'Search', exact: true });
  await expect(search).toBeFocused();
  const results = pane.getByRole('listbox', { name: 'Results' });
  const first = results.locator('li.contact').first();
  // Results come as she types (a query per keystroke). Enter pressed right after the last letter acts on what she
  // typed, not on the results still shown from before: "ber" shows Bernard (1002); then "col" replaces it and Enter
  // comes in the same task (before any answer can arrive), and Colette (1003, who answers) is dialled.
  await page.keyboard.type('ber');
  await expect(first).toContainText('Bernard Appelant');
  await page.evaluate(`(() => {
    const box = document.getElementById('contacts-search');
    box.value = 'col';
    box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: 'col' }));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
  })()`);
  let line = page.locator('li.call').first();
  await expect(line).toContainText('Colette Durand');
  await expect(line).toContainText('Connected');
  await line.getByRole('button', { name: 'Hang up' }).click();
  await expect(line).toContainText('Ended');
  await search.focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('col');
  await expect(first).toContainText('Colette Durand');
  await expect(first).toContainText('Exemple SA');
  await expect(first).toContainText('Outlook');
  await expect(first.locator('[data-presence-slot]')).toHaveCount(1);
  await expect(first).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  line = page.locator('li.call').first();
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

test("a call's Contact card shows the caller's other numbers, e-mail, job title and notes from the directory", async ({ page }) => {
  await open(page);
  await importPersonalRows(
    page.locator('section.contacts'),
    ['Bernard,Appelant,Fournisseur SARL,Achats,Acheteur,1002,06 12 34 56 78,bernard@fournisseur.fr,"Prefers e-mail; <b>not</b> before 9"'],
    'First Name,Last Name,Company,Department,Job Title,Business Phone,Mobile Phone,E-mail Address,Notes',
  );

  await dialFrom1002('sip:1005@127.0.0.1');
  const line = page.locator('li.call').first();
  await expect(line.locator('.name')).toHaveText('Bernard Appelant');
  // Ringing: she can read the card before answering.
  await line.getByRole('button', { name: 'Contact card' }).click();
  const card = line.getByRole('region', { name: 'Contact card' });
  await expect(card).toContainText('Fournisseur SARL · Achats');
  await expect(card).toContainText('Mobile');
  await expect(card).toContainText('06 12 34 56 78');
  await expect(card).toContainText('Acheteur');
  await expect(card.getByRole('link', { name: 'bernard@fournisseur.fr' })).toHaveAttribute('href', 'mailto:bernard@fournisseur.fr');
  // Notes as text: the markup from the file is shown, not applied.
  await expect(card).toContainText('Prefers e-mail; <b>not</b> before 9');
  await expect(card.locator('b')).toHaveCount(0);
  await line.getByRole('button', { name: 'Answer' }).click();
  await expect(line).toContainText('Connected');
  await expect(line.getByRole('button', { name: 'Contact card' })).toHaveAttribute('aria-expanded', 'true');
  await line.getByRole('button', { name: 'Contact card' }).click();
  await expect(card).toHaveCount(0);
  await line.getByRole('button', { name: 'Hang up' }).click();
});

test('after a real call, History → Details shows the timeline and a call-quality plot sampled from getStats', async ({ page }) => {
  await open(page);
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  const line = page.locator('li.call').first();
  await expect(line).toContainText('Connected');
  // Several 2-second getStats samples while 1003 plays its tone.
  await page.waitForTimeout(7000);
  await line.getByRole('button', { name: 'Hang up' }).click();
  await expect(line).toContainText('Ended');

  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'History' }).click();
  const entry = pane.getByRole('list', { name: 'Call history' }).locator('li.history').first();
  await expect(entry).toContainText('Placed');
  await entry.getByRole('button', { name: 'Details' }).click();

  const dialog = page.getByRole('dialog', { name: 'Call details' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('1003');
  await expect(dialog).toContainText(/Talk time\s*00:0[6-9]/);
  const timeline = dialog.getByRole('list', { name: 'Timeline' }).locator('li');
  await expect(timeline.first()).toContainText('Dialing 1003');
  await expect(dialog.getByRole('list', { name: 'Timeline' })).toContainText('Answered');
  await expect(timeline.last()).toContainText('Ended (you hung up)');

  // The bit-rate plot: an inline SVG with several non-zero samples, min/avg/max in its accessible name.
  const plot = dialog.getByRole('img', { name: /^Bit rate over the call/ });
  await expect(plot).toBeVisible();
  expect(Number(await plot.getAttribute('data-samples'))).toBeGreaterThanOrEqual(2);
  expect(Number(await plot.getAttribute('data-max'))).toBeGreaterThan(0);
  expect(await plot.locator('path').getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+ L/);
  await expect(plot).toHaveAttribute('aria-label', /minimum [\d.,]+, average [\d.,]+, maximum [\d.,]+ kbit\/s/);
  // The PBX path is measured too (RTCP or ICE round trip on loopback).
  await expect(dialog.getByRole('img', { name: /^Round-trip time over the call/ })).toBeVisible();

  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(entry.getByRole('button', { name: 'Details' })).toBeFocused();
});

test('the Custom tab lists the directories the administrator provisioned; the Search filter keeps one directory', async ({ page }) => {
  // The administrator's tool writes a named directory into the console's database before it starts.
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-e2e-custom-'));
  execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), '--import-contacts', CSV, '--directory', 'Suppliers', '--db', join(dataDir, 'contacts.sqlite')]);
  await open(page, ['--data-dir', dataDir]);
  await importColleagues(page);
  const pane = page.locator('section.contacts');

  await pane.getByRole('tab', { name: 'Custom' }).click();
  await expect(pane.getByLabel('Custom directory')).toContainText('Suppliers (2)');
  await expect(pane.getByRole('list', { name: 'Custom' })).toContainText('Colette Durand');
  await expect(pane.getByRole('list', { name: 'Custom' }).locator('li.contact')).toHaveCount(2);
  await expect(pane.getByTestId('directory-count')).toHaveText('2 contacts');

  // A directory tab's filter keeps to its own directory: Colette is in Outlook and in Suppliers, the Outlook tab finds one.
  await pane.getByRole('tab', { name: 'Outlook' }).click();
  await pane.getByRole('searchbox', { name: 'Filter' }).fill('col');
  await expect(pane.getByRole('list', { name: 'Outlook' }).locator('li.contact')).toHaveCount(1);
  await expect(pane.getByRole('list', { name: 'Outlook' })).toContainText('Colette Durand');

  // Colette is in Outlook and in Suppliers: all directories find both, the filter keeps the chosen one.
  await pane.getByRole('tab', { name: 'Search' }).click();
  await pane.getByRole('combobox', { name: 'Search', exact: true }).fill('col');
  const results = pane.getByRole('listbox', { name: 'Results' }).locator('li.contact');
  await expect(results).toHaveCount(2);
  await pane.getByRole('combobox', { name: 'Search in' }).selectOption({ label: 'Suppliers' });
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText('Suppliers');
  await pane.getByRole('combobox', { name: 'Search in' }).selectOption({ label: 'Outlook' });
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText('Outlook');
  await pane.getByRole('combobox', { name: 'Search in' }).selectOption({ label: 'All directories' });
  await expect(results).toHaveCount(2);
});

test("a contact's e-mail is a link to her mail program; an address with header fields from the file stays plain text", async ({ page }) => {
  await open(page);
  const pane = page.locator('section.contacts');
  await importPersonalRows(
    pane,
    ['Colette,Durand,1003,colette.durand@exemple-sa.fr', 'Eve,Piege,1004,eve@example.com?attach=/etc/passwd'],
    'First Name,Last Name,Business Phone,E-mail Address',
  );
  const list = pane.getByRole('list', { name: 'Personal' });

  const colette = list.locator('li.contact', { hasText: 'Colette Durand' });
  await colette.getByRole('button', { name: /All numbers/ }).click();
  const mail = colette.getByRole('link', { name: 'colette.durand@exemple-sa.fr' });
  await expect(mail).toHaveAttribute('href', 'mailto:colette.durand@exemple-sa.fr');
  await expect(mail).toHaveAttribute('title', 'Write to colette.durand@exemple-sa.fr (opens your mail program)');
  // Clicked: the browser hands it to the mail program (Electron: the shell's policy, tests/unit/shell.test.ts); the
  // console stays where it is, registered.
  const before = page.url();
  await mail.click();
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  expect(page.url()).toBe(before);

  const eve = list.locator('li.contact', { hasText: 'Eve Piege' });
  await eve.getByRole('button', { name: /All numbers/ }).click();
  await expect(eve.locator('.details')).toContainText('eve@example.com?attach=/etc/passwd');
  await expect(eve.getByRole('link')).toHaveCount(0);
});

test('a directory tab lists the whole directory a page at a time as she scrolls; a change keeps what she scrolled to', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);
  const pane = page.locator('section.contacts');
  // More than a refresh asks for in one request (1,000): a change must still keep everything she scrolled to.
  const N = 1250;
  const name = (i: number): string => `Page${String(i).padStart(4, '0')}`;
  await importPersonalRows(pane, Array.from({ length: N }, (_, i) => `${name(i)},Listed,+33 1 40 ${String(10_000 + i).replace(/(..)(..)(.)/, '$1 $2 $3')}0`));

  const list = pane.getByRole('list', { name: 'Personal' });
  const contacts = list.locator(':scope > li.contact');
  const names = (): Promise<string[]> => list.locator(':scope > li.contact .name').allTextContents();
  const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `${name(i)} Listed`);
  // The first page: nothing more is read or rendered until she scrolls; the directory's size is said beside it.
  await expect(contacts).toHaveCount(100);
  const count = pane.getByTestId('directory-count');
  await expect(count).toHaveText('1,250 contacts');
  await page.waitForTimeout(500);
  await expect(contacts).toHaveCount(100);
  expect(await names()).toEqual(expected(100));
  // Scrolled to the end of the list: the next page comes, and so on to the last one, in name order, each contact once.
  const scrollToEnd = (): Promise<void> => pane.locator(':scope > .body').evaluate((body) => void (body.scrollTop = body.scrollHeight));
  for (let count = 200; count <= N; count = Math.min(count + 100, N)) {
    await scrollToEnd();
    await expect(contacts).toHaveCount(count);
    if (count === N) break;
  }
  expect(await names()).toEqual(expected(N));
  await expect(list.locator('li.list-end')).toHaveCount(0); // the directory's end: nothing more is asked for
  // A change to the directory refreshes the list: it keeps the 1,249 others (past the 1,000 one request reads), not
  // only a first page under her.
  page.once('dialog', (d) => void d.accept());
  await contacts.filter({ hasText: `${name(150)} Listed` }).getByRole('button', { name: 'Delete' }).click();
  await expect(list).not.toContainText(`${name(150)} Listed`);
  await expect(contacts).toHaveCount(N - 1);
  expect(await names()).toEqual(expected(N).filter((n) => n !== `${name(150)} Listed`));
  await expect(count).toHaveText('1,249 contacts');
  // A filter lists its matches, not the directory: no size then.
  await pane.getByRole('searchbox', { name: 'Filter' }).fill('Page0007');
  await expect(contacts).toHaveCount(1);
  await expect(count).toHaveCount(0);
});
