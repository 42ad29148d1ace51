/**
 * Export CSV with its progress bar in E2E tests (issue 14). An export of tens of thousands of rows may take less than
 * one of Playwright's polls: the bar's states are recorded in the page by a MutationObserver, and Cancel is pressed
 * from the page a frame after Export, while the storage worker reads its first pages. (In the page as strings: these
 * tests are compiled without the DOM's types.)
 */
import { readFileSync } from 'node:fs';
import type { Download, Locator, Page } from '@playwright/test';
import { expect } from './console';

/**
 * Export CSV, then Cancel export one animation frame later: the export's region (`region`) says it was cancelled,
 * Close takes it away, and no file was downloaded.
 */
export async function exportCancelledRightAway(page: Page, region: Locator): Promise<void> {
  const downloads: string[] = [];
  const onDownload = (d: Download): void => void downloads.push(d.suggestedFilename());
  page.on('download', onDownload);
  await page.evaluate(`(async () => {
    const button = (name) => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === name);
    button('Export CSV').click();
    await new Promise(requestAnimationFrame);
    button('Cancel export').click();
  })()`);
  await expect(region.getByRole('status')).toHaveText('Export cancelled: no file was saved.', { timeout: 30_000 });
  await region.getByRole('button', { name: 'Close' }).click();
  await expect(region).toHaveCount(0);
  page.off('download', onDownload);
  expect(downloads).toEqual([]);
}

/** Clicks `button` (Export CSV) and returns the downloaded file and every text the export bar showed meanwhile. */
export async function exportedFile(page: Page, button: Locator): Promise<{ name: string; text: string; barStates: string[] }> {
  await page.evaluate(`{
    const seen = (globalThis.exportBar = []);
    new MutationObserver(() => {
      const text = document.querySelector('[role=progressbar][aria-label="Export progress"]')?.getAttribute('aria-valuetext');
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }`);
  const downloading = page.waitForEvent('download');
  await button.click();
  const download = await downloading;
  const text = readFileSync(await download.path(), 'utf8');
  const barStates = await page.evaluate(() => (globalThis as unknown as { exportBar: string[] }).exportBar);
  return { name: download.suggestedFilename(), text, barStates };
}
