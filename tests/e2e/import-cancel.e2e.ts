/**
 * Issue 14: a large Outlook import shows a real progress bar (phase, done of total) and can be cancelled; a cancelled
 * import changes nothing; the same file then imports fully. Then the 50,002 contacts are exported: Cancel leaves no
 * file, and the export shows its progress and gives every contact. Runs as 1005 on Kamailio, like contacts.e2e.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCancelledRightAway, exportedFile } from './export-bar';
import { expect, startConsole, test, type RunningConsole } from './console';

const SMALL = join(__dirname, '..', 'fixtures', 'contacts', 'e2e-colleagues.csv');
const ROWS = 50_000;
let console_: RunningConsole | undefined;

test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
});

/** An Outlook CSV of `ROWS` generated people (quoted cells, accents, a multi-line note now and then). */
function bigCsv(): string {
  const lines = ['"First Name","Last Name","Company","Business Phone","Mobile Phone","E-mail Address","Notes"'];
  for (let i = 0; i < ROWS; i++) {
    const note = i % 50 === 0 ? '"Ligne 1\r\nLigne 2, ""citée"""' : '""';
    lines.push(`"Émile","Généré${i}","Société ${i % 97}","01 ${String(10 + (i % 90))} ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100) % 100).padStart(2, '0')} 00","+33 6 ${String(i).padStart(8, '0')}","g${i}@example.com",${note}`);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'rc-import-')), 'big-outlook.csv');
  writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
  return file;
}

test('a 50,000-row import: the progress bar moves, Cancel rolls back (nothing changed), then the file imports fully', async ({ page }) => {
  test.setTimeout(180_000);
  const big = bigCsv();
  console_ = await startConsole({ user: '1005', password: 'secret', transport: 'udp', port: 5060, media: 'rtp' }, { directories: { defaultCountry: 'FR' } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  const pane = page.locator('section.contacts');
  await pane.getByRole('tab', { name: 'Outlook' }).click();
  const region = pane.getByRole('region', { name: 'Import' });
  const list = pane.getByRole('list', { name: 'Outlook' });

  // Two contacts already there: what "nothing changed" is checked against.
  await pane.locator('input[type=file]').setInputFiles(SMALL);
  await region.getByRole('button', { name: 'Import 2 contacts' }).click();
  await expect(region.getByRole('status')).toContainText('2 new');
  await region.getByRole('button', { name: 'Close' }).click();
  await expect(list.locator(':scope > li')).toHaveCount(2);
  const names = async (): Promise<string[]> => (await list.locator(':scope > li .name').allInnerTexts()).map((t) => t.trim());
  const before = await names();
  expect(before.length).toBeGreaterThan(0);

  // The big file: preview, import, watch the bar move, cancel.
  await pane.locator('input[type=file]').setInputFiles(big);
  await expect(region).toContainText(/50,?000 of 50,?000 contacts can be imported/, { timeout: 60_000 });
  await region.getByRole('button', { name: /^Import 50,?000 contacts$/ }).click();
  const bar = region.getByRole('progressbar', { name: 'Import progress' });
  await expect(bar).toBeVisible();
  const values: number[] = [];
  await expect
    .poll(
      async () => {
        values.push(Number(await bar.getAttribute('aria-valuenow')));
        return new Set(values.filter((v) => v > 0)).size;
      },
      { intervals: [20], timeout: 30_000 },
    )
    .toBeGreaterThanOrEqual(2); // two different values above 0: it moves
  expect(values.every((v, i) => i === 0 || v >= values[i - 1]!)).toBe(true); // and only forward
  expect(await bar.getAttribute('aria-valuemin')).toBe('0');
  expect(await bar.getAttribute('aria-valuemax')).toBe('100');
  expect(await bar.getAttribute('aria-valuetext')).toMatch(/Reading the file|Saving contacts: [\d,]+ of 50,?000/);
  await region.getByRole('button', { name: 'Cancel import' }).click();
  await expect(region.getByRole('status')).toHaveText('Import cancelled, nothing changed.', { timeout: 30_000 });
  await region.getByRole('button', { name: 'Close' }).click();
  // The contacts are exactly as before (a reload from the database, not the list kept on screen).
  await pane.getByRole('tab', { name: 'Personal' }).click();
  await pane.getByRole('tab', { name: 'Outlook' }).click();
  await expect(list.locator(':scope > li')).toHaveCount(2);
  expect(await names()).toEqual(before);
  await expect(list).not.toContainText('Généré');

  // Not cancelled this time: everything goes in.
  await pane.locator('input[type=file]').setInputFiles(big);
  await region.getByRole('button', { name: /^Import 50,?000 contacts$/ }).click();
  await expect(region.getByRole('status')).toContainText(/50,?000 new/, { timeout: 120_000 });
  await expect(list).toContainText('Émile Généré0');
  // The tab lists the directory a page at a time: its first 100 contacts (put on screen a slice per frame), the next
  // hundred when she scrolls to the end of the list, each contact once.
  const rows = list.locator(':scope > li.contact');
  await expect(rows).toHaveCount(100);
  await pane.locator(':scope > .body').evaluate((body) => void (body.scrollTop = body.scrollHeight));
  await expect(rows).toHaveCount(200);
  const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-contact-id')));
  expect(new Set(ids).size).toBe(200);
  await region.getByRole('button', { name: 'Close' }).click();

  // Export of the 50,002 contacts (read in the storage worker a page at a time). Cancel, pressed a frame after Export
  // while the worker reads its first pages: no file, and she is told so.
  const exporting = pane.getByRole('region', { name: 'Export' });
  await exportCancelledRightAway(page, exporting);

  // Not cancelled: every contact in the file, its bar shown meanwhile.
  const { name, text: csv, barStates: states } = await exportedFile(page, pane.getByRole('button', { name: 'Export CSV' }));
  expect(name).toBe('Outlook.csv');
  expect(csv.startsWith('\uFEFFFirst Name,Last Name,Company,')).toBe(true);
  expect(new Set(csv.match(/Généré\d+/g))).toHaveProperty('size', ROWS); // (in Last Name and Display Name)
  expect(new Set(csv.match(/g\d+@example\.com/g))).toHaveProperty('size', ROWS);
  expect(csv).toMatch(/"Ligne 1\r?\nLigne 2, ""citée"""/);
  expect(states).toContainEqual(expect.stringMatching(/^Writing the file: [\d,]+ of 50,?002 contacts$/));
  expect(states.every((s) => /^(Preparing the file…|Writing the file: [\d,]+ of 50,?002 contacts)$/.test(s))).toBe(true);
  await expect(exporting).toHaveCount(0);
  await expect(pane.getByRole('button', { name: 'Export CSV' })).toBeEnabled();
});
