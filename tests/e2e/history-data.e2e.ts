/**
 * Issue 13 item 9 acceptance, in Chromium through the web host, the console as 1001 on Kamailio + baresip and the
 * company directory on the slapd bed (127.0.0.1:3389):
 * - a real call (to 1003, which answers) is in the history; Delete history removes it, from the list (in every
 *   window) and from the history search, and it stays gone after a reload;
 * - About shows the real version (package.json) and the server in use, 127.0.0.1; Copy puts it on the clipboard;
 * - Help opens the bundled user guide;
 * - the Company tab shows the last synchronisation and "Refresh now" updates it; with the directory server
 *   unreachable (a closed port) it says so in the receptionist's language;
 * - Delete all data on a console that saves (--data-dir): the set-up screen, and after a restart the contacts and the
 *   history are gone;
 * - issue 14: Export CSV of a history of 30,000 calls shows its progress, Cancel leaves no file, and the file holds
 *   every call.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Database } from '../../electron/storage/db';
import { migrate } from '../../electron/storage/migrate';
import { fillCallHistory } from '../bench/lib/directory-data';
import { baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { LDAP_BED } from '../testbed/ldap/bed';
import { exportCancelledRightAway, exportedFile } from './export-bar';
import { expect, ROOT, startConsole, test, type RunningConsole } from './console';

const CSV = join(__dirname, '..', 'fixtures', 'contacts', 'e2e-colleagues.csv');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const LDAP = { ...LDAP_BED, timeoutMs: 5000 };
/** Calls in the history whose export is tested (more than the 10,000 the export used to stop at). */
const CALLS = 30_000;

let console_: RunningConsole | undefined;
const dirs: string[] = [];

test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(page: Page, extra: Record<string, unknown> = {}, cliArgs: readonly string[] = []): Promise<void> {
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, extra, cliArgs);
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered|Enregistré/);
}

const contacts = (page: Page) => page.locator('section.contacts');
const historyList = (page: Page) => contacts(page).getByRole('list', { name: 'Call history' });

/** A real call: 1001 calls 1003 (baresip, answers by itself), talks a moment, hangs up. */
async function callAndHangUp(page: Page): Promise<void> {
  await page.getByRole('combobox', { name: 'Number', exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  const line = page.locator('li.call', { hasText: '1003' });
  await expect(line).toContainText('Connected');
  await page.waitForTimeout(1000);
  await line.getByRole('button', { name: 'Hang up' }).click();
  await expect(line).toContainText('Ended');
  await waitFor('1003 to hang up', async () => !/sip:/.test(await baresipCalls('1003')));
}

test('a real call is in the history; Delete history removes it from the list and the search, also after a reload', async ({ page, context }) => {
  await open(page);
  await callAndHangUp(page);
  // A second window on the same console shows the history too.
  const other = await context.newPage();
  await other.goto(console_!.url);
  await contacts(other).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(other).locator('li.history')).toHaveCount(1);
  await page.bringToFront();
  await contacts(page).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(page).locator('li.history')).toHaveCount(1);
  await expect(historyList(page).locator('li.history').first()).toContainText('1003');
  await contacts(page).getByRole('searchbox', { name: 'Search history' }).fill('1003');
  await expect(historyList(page).locator('li.history')).toHaveCount(1);
  await contacts(page).getByRole('searchbox', { name: 'Search history' }).fill('');

  // The confirmation is asked; dismissing it keeps everything.
  page.once('dialog', (d) => void d.dismiss());
  await contacts(page).getByRole('button', { name: 'Delete history' }).click();
  await expect(historyList(page).locator('li.history')).toHaveCount(1);
  page.once('dialog', (d) => {
    expect(d.message()).toContain('Delete the whole call history?');
    void d.accept();
  });
  await contacts(page).getByRole('button', { name: 'Delete history' }).click();
  await expect(historyList(page)).toContainText('No calls yet');
  await expect(historyList(page).locator('li.history')).toHaveCount(0);
  // The other window follows without a reload.
  await expect(historyList(other)).toContainText('No calls yet');
  await other.close();

  await page.reload();
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await contacts(page).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(page)).toContainText('No calls yet');
  await contacts(page).getByRole('searchbox', { name: 'Search history' }).fill('1003');
  await expect(historyList(page).locator('li.history')).toHaveCount(0);
});

test('About shows the real version and the server in use; Copy puts it on the clipboard; Help opens the user guide', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await open(page);
  await page.getByRole('button', { name: 'About', exact: true }).click();
  const about = page.getByRole('dialog', { name: 'About Receptionist Console' });
  const info = about.getByTestId('about-info');
  await expect(info).toContainText(`Receptionist Console ${VERSION}`);
  await expect(info.locator('.row', { hasText: 'Account' })).toContainText('1001@127.0.0.1');
  await expect(info.locator('.row', { hasText: 'Server in use' })).toContainText('127.0.0.1');
  await expect(info.locator('.row', { hasText: 'Transport' })).toContainText('UDP 127.0.0.1:5060');
  await expect(info.locator('.row', { hasText: 'Registration' })).toContainText('registered');
  await expect(info.locator('.row', { hasText: 'Node.js' })).toContainText(process.versions.node);
  await expect(info.locator('.row', { hasText: 'SIP.js' })).toContainText(/\d+\.\d+\.\d+/);
  await expect(info.locator('.row', { hasText: 'SQLite' }).first()).toContainText(/3\.\d+\.\d+/);
  await expect(info.locator('.row', { hasText: 'Svelte' })).toContainText(/5\.\d+\.\d+/);
  await expect(info.locator('.row', { hasText: 'Browser' })).toContainText('Chrome');
  await expect(info.locator('.row', { hasText: 'Data directory' })).toContainText('none (nothing is saved)');

  await about.getByRole('button', { name: 'Copy' }).click();
  await expect(about.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
  expect(copied).toContain(`Version: Receptionist Console ${VERSION}`);
  expect(copied).toContain('Server in use: 127.0.0.1');
  expect(copied).toContain('Account: 1001@127.0.0.1');

  // Help: the bundled guide, served by the host from the renderer bundle.
  const [guide] = await Promise.all([page.waitForEvent('popup'), about.getByRole('link', { name: 'User guide' }).click()]);
  await guide.waitForLoadState();
  await expect(guide).toHaveTitle('Receptionist Console — user guide');
  await expect(guide.getByRole('heading', { name: 'Transferring a call' })).toBeVisible();
  await guide.close();
  // The French guide for a French console.
  const fr = await page.request.get(new URL('help/user-guide.fr.html', console_!.url).toString());
  expect(fr.status()).toBe(200);
  expect(await fr.text()).toContain('<title>Receptionist Console — guide d’utilisation</title>');
  // And the Dutch one for a Dutch console (issue 13 item 9 leftover).
  const nl = await page.request.get(new URL('help/user-guide.nl.html', console_!.url).toString());
  expect(nl.status()).toBe(200);
  expect(await nl.text()).toContain('<title>Receptionist Console — gebruikershandleiding</title>');
  await about.getByRole('button', { name: 'Close' }).click();
  await expect(about).toBeHidden();
});

test('the Company tab shows the last synchronisation with slapd, and Refresh now updates it', async ({ page }) => {
  await open(page, { directories: { defaultCountry: 'FR', ldap: LDAP } });
  await contacts(page).getByRole('tab', { name: 'Company' }).click();
  const sync = contacts(page).getByTestId('company-sync');
  const last = sync.getByTestId('company-last-sync');
  await expect(last).toContainText(/Last synchronised: .*\d{1,2}:\d{2}:\d{2}/, { timeout: 20_000 });
  await expect(contacts(page).getByRole('list', { name: 'Company' }).locator('li').first()).toBeVisible();
  await expect(sync.getByRole('alert')).toHaveCount(0);
  const before = await last.textContent();
  await page.waitForTimeout(1200); // the time shown has seconds: let one pass
  await sync.getByRole('button', { name: 'Refresh now' }).click();
  await expect(last).not.toHaveText(before!, { timeout: 20_000 });
  await expect(last).toContainText(/Last synchronised: .*\d{1,2}:\d{2}:\d{2}/);
  await expect(sync.getByRole('button', { name: 'Refresh now' })).toBeEnabled();
});

test('with the directory server unreachable, the Company tab says so in the receptionist’s language', async ({ page }) => {
  // Nothing listens on 127.0.0.1:1: the connection is refused at once.
  await open(page, { preferences: { language: 'fr' }, directories: { defaultCountry: 'FR', ldap: { ...LDAP, url: 'ldap://127.0.0.1:1' } } });
  await contacts(page).getByRole('tab', { name: 'Entreprise' }).click();
  const sync = contacts(page).getByTestId('company-sync');
  await expect(sync.getByTestId('company-sync-error')).toContainText('le serveur d’annuaire est injoignable (LDAP ldap://127.0.0.1:1)', { timeout: 20_000 });
  await expect(sync.getByTestId('company-last-sync')).toContainText('Pas encore synchronisé');
  // Refresh now tries again: the same problem, at a new time.
  const first = await sync.getByTestId('company-sync-error').textContent();
  await page.waitForTimeout(1200); // the time shown has seconds: let one pass
  await sync.getByRole('button', { name: 'Actualiser maintenant' }).click();
  await expect(sync.getByTestId('company-sync-error')).not.toHaveText(first!);
  await expect(sync.getByTestId('company-sync-error')).toContainText(/Dernier problème \(.*\d{1,2}:\d{2}:\d{2}\) : le serveur d’annuaire est injoignable/);
  await expect(sync.getByRole('button', { name: 'Actualiser maintenant' })).toBeEnabled();
});

test('Delete all data on a console that saves: confirmed twice, set-up screen, and after a restart nothing is left', async ({ page }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-erase-e2e-'));
  dirs.push(dataDir);
  await open(page, {}, ['--data-dir', dataDir]);
  // Contacts (an Outlook import) and a history row.
  await contacts(page).getByRole('tab', { name: 'Outlook' }).click();
  await contacts(page).locator('input[type=file]').setInputFiles(CSV);
  const region = contacts(page).getByRole('region', { name: 'Import' });
  await region.getByRole('button', { name: 'Import 2 contacts' }).click();
  await expect(contacts(page).getByRole('list', { name: 'Outlook' })).toContainText('Colette Durand');
  await callAndHangUp(page);
  await contacts(page).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(page).locator('li.history')).toHaveCount(1);
  // A saved setting: settings.json is written (with the account and its SIP password).
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByLabel('Theme').selectOption('dark');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(settings).toBeHidden();
  await expect.poll(() => existsSync(join(dataDir, 'settings.json'))).toBe(true);
  expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).toContain('"user": "1001"');

  await page.getByRole('button', { name: 'About', exact: true }).click();
  const about = page.getByRole('dialog', { name: 'About Receptionist Console' });
  await expect(about.getByTestId('about-info').locator('.row', { hasText: 'Data directory' })).toContainText(dataDir);
  await about.getByRole('button', { name: 'Delete all data…' }).click();
  const confirm = about.getByRole('form', { name: 'Delete all data?' });
  const go = confirm.getByRole('button', { name: 'Delete everything' });
  await expect(go).toBeDisabled();
  await confirm.getByLabel('Type DELETE to confirm').fill('DELET');
  await expect(go).toBeDisabled();
  await confirm.getByLabel('Type DELETE to confirm').fill('DELETE');
  await go.click();
  await expect(page.getByRole('heading', { name: 'Set up your phone account' })).toBeVisible();
  await expect(about).toBeHidden();
  expect(existsSync(join(dataDir, 'settings.json'))).toBe(false);

  // Restart on the same data directory (the administrator's provisioning file brings the account back).
  await console_!.stop();
  await open(page, {}, ['--data-dir', dataDir]);
  await contacts(page).getByRole('tab', { name: 'Outlook' }).click();
  await expect(contacts(page).getByRole('list', { name: 'Outlook' })).toContainText('No contacts here yet');
  await contacts(page).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(page)).toContainText('No calls yet');
  await contacts(page).getByRole('tab', { name: 'Search' }).click();
  await contacts(page).getByRole('combobox', { name: 'Search', exact: true }).fill('Colette');
  await expect(contacts(page).getByRole('listbox', { name: 'Results' }).locator('li')).toHaveCount(0);
});

test('Export CSV of a history of 30,000 calls: its bar, Cancel leaves no file, then every call in the file', async ({ page }) => {
  test.setTimeout(120_000);
  // A console that saves, whose database already holds 30,000 calls (written here, closed before it starts).
  const dataDir = mkdtempSync(join(tmpdir(), 'rc-history-export-e2e-'));
  dirs.push(dataDir);
  const db = await Database.open(join(dataDir, 'contacts.sqlite'));
  await migrate(db);
  await fillCallHistory(db, CALLS);
  await db.close();
  await open(page, {}, ['--data-dir', dataDir]);
  await contacts(page).getByRole('tab', { name: 'History' }).click();
  await expect(historyList(page).locator('li.history').first()).toBeVisible();
  const exporting = contacts(page).getByRole('region', { name: 'Export' });
  // Cancel pressed a frame after Export, while the worker reads its first pages: no file, and she is told so.
  await exportCancelledRightAway(page, exporting);

  // Not cancelled: the file with every call, its bar shown meanwhile.
  const { name, text: csv, barStates: states } = await exportedFile(page, contacts(page).getByRole('button', { name: 'Export CSV' }));
  expect(name).toBe('call-history.csv');
  expect(csv.startsWith('\uFEFFStarted,Direction,Type,Number,Name,')).toBe(true);
  expect(csv.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z,/gm)).toHaveLength(CALLS); // it used to stop at the newest 10,000
  expect(states).toContainEqual(expect.stringMatching(/^Writing the file: [\d,]+ of 30,?000 calls$/));
  expect(states.every((s) => /^(Preparing the file…|Writing the file: [\d,]+ of 30,?000 calls)$/.test(s))).toBe(true);
  await expect(exporting).toHaveCount(0);
  // The tab lists the newest 100 calls, then older ones a page at a time as she scrolls, newest first, each once;
  // the Export and Delete buttons stay above the list (its end may be 30,000 calls away).
  const rows = historyList(page).locator(':scope > li.history');
  await expect(rows).toHaveCount(100);
  for (const count of [200, 300]) {
    await contacts(page).locator(':scope > .body').evaluate((body) => void (body.scrollTop = body.scrollHeight));
    await expect(rows).toHaveCount(count);
  }
  const shown = await rows.evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-history-id')), Date.parse(e.querySelector('time')!.getAttribute('datetime')!)] as const));
  expect(new Set(shown.map(([id]) => id)).size).toBe(300);
  expect(shown.every(([, at], i) => i === 0 || at <= shown[i - 1]![1])).toBe(true);
});
