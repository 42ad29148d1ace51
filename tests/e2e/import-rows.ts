/**
 * Contacts for a test, imported the receptionist's way: a CSV chosen in the Personal tab, its preview, Import, Close.
 */
import type { Locator } from '@playwright/test';
import { expect } from './console';

/**
 * Imports `rows` (CSV lines under `header`, by default `First Name,Last Name,Business Phone`) into the Personal
 * directory.
 */
export async function importPersonalRows(pane: Locator, rows: readonly string[], header = 'First Name,Last Name,Business Phone'): Promise<void> {
  await pane.getByRole('tab', { name: 'Personal' }).click();
  const csv = `${header}\r\n${rows.join('\r\n')}\r\n`;
  await pane.locator('input[type=file]').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const region = pane.getByRole('region', { name: 'Import' });
  const count = rows.length.toLocaleString('en'); // as the console writes numbers in English: 1,250
  await region.getByRole('button', { name: rows.length === 1 ? 'Import 1 contact' : `Import ${count} contacts` }).click();
  await expect(region.getByRole('status')).toContainText(`${count} new`);
  await region.getByRole('button', { name: 'Close' }).click();
}
