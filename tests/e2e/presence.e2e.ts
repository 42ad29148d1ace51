/**
 * Presence E2E (issue 4) on the Kamailio bed: the console as 1001 watches 1002, 1003, 1004 (provisioned favorites);
 * calls happen between baresip UAs only. MWI by sipp PUBLISH; Kamailio restart → stale → recovery.
 * Pickup from a ringing favorite: Kamailio has no pickup service (the Asterisk bed has `**` pickup: see asterisk.e2e.ts).
 */
import { execFileSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { baresip, hangupAll, restartProxy } from '../testbed/baresip';
import { sendMwi } from '../testbed/mwi';
import { expect, ROOT, startConsole, test, type RunningConsole } from './console';

let consoleApp: RunningConsole;

test.beforeAll(async () => {
  await hangupAll();
  restartProxy(); // presence state from earlier suites (a dialog whose BYE or final PUBLISH never happened) goes
  consoleApp = await startConsole(
    { user: '1001' },
    { favorites: [{ extension: '1002', name: 'Anna' }, { extension: '1003' }, { extension: '1004' }] },
  );
});

test.afterAll(async () => {
  await hangupAll().catch(() => undefined);
  await consoleApp?.stop();
});

const fav = (page: Page, ext: string) => page.locator(`[data-favorite="${ext}"]`);

async function openFavorites(page: Page): Promise<void> {
  await page.goto(consoleApp.url);
  await page.locator('#contacts-tab-favorites').click();
  await expect(fav(page, '1002')).toBeVisible();
}

test('favorites go idle → ringing (with the caller) → in a call → idle as baresip calls happen', async ({ page }) => {
  test.setTimeout(120_000);
  await openFavorites(page);
  for (const ext of ['1002', '1003', '1004']) {
    await expect(fav(page, ext)).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
    await expect(fav(page, ext)).toContainText('Idle');
  }
  // 1003 calls 1002 (manual answer): 1002 rings, showing who calls; 1003 is in a call (dialing out).
  await baresip('1003', 'dial', 'sip:1002@127.0.0.1');
  await expect(fav(page, '1002')).toHaveAttribute('data-state', 'ringing');
  await expect(fav(page, '1002')).toContainText('Ringing — from 1003');
  await expect(fav(page, '1002').getByRole('button', { name: /Anna \(1002\): Ringing — from 1003\. Pick up/ })).toBeVisible();
  await expect(fav(page, '1003')).toHaveAttribute('data-state', 'busy');
  await baresip('1002', 'accept');
  await expect(fav(page, '1002')).toHaveAttribute('data-state', 'busy');
  await expect(fav(page, '1002')).toContainText('In a call');
  await baresip('1002', 'hangup');
  await expect(fav(page, '1002')).toHaveAttribute('data-state', 'idle');
  await expect(fav(page, '1003')).toHaveAttribute('data-state', 'idle');
  // 1002 calls 1004 (auto answer): 1004 in a call, then idle.
  await baresip('1002', 'dial', 'sip:1004@127.0.0.1');
  await expect(fav(page, '1004')).toHaveAttribute('data-state', 'busy');
  await expect(fav(page, '1002')).toHaveAttribute('data-state', 'busy');
  await baresip('1002', 'hangup');
  await expect(fav(page, '1004')).toHaveAttribute('data-state', 'idle');
  await expect(fav(page, '1002')).toHaveAttribute('data-state', 'idle');
});

test('message-summary for 1001 shows its count; a second one updates it', async ({ page }) => {
  await page.goto(consoleApp.url);
  const vm = page.getByTestId('voicemail');
  await expect(vm).toBeVisible();
  await page.waitForTimeout(500);
  expect((await sendMwi('1001', 3)).code).toBe(0);
  await expect(page.getByRole('button', { name: 'Voicemail: 3 new messages' })).toBeVisible();
  expect((await sendMwi('1001', 5)).code).toBe(0);
  await expect(page.getByRole('button', { name: 'Voicemail: 5 new messages' })).toBeVisible();
  await sendMwi('1001', 0);
  await expect(page.getByRole('button', { name: 'Voicemail: 0 new messages' })).toBeVisible();
});

test('Kamailio restarted: favorites turn stale, then recover by themselves', async ({ page }) => {
  test.setTimeout(150_000);
  await openFavorites(page);
  await expect(fav(page, '1003')).toHaveAttribute('data-state', 'idle', { timeout: 30_000 });
  execFileSync('bash', ['tests/testbed/stop.sh', 'kamailio'], { cwd: ROOT, stdio: 'ignore' });
  try {
    for (const ext of ['1002', '1003', '1004']) {
      await expect(fav(page, ext)).toHaveAttribute('data-state', 'stale', { timeout: 60_000 });
    }
    await expect(fav(page, '1003')).toContainText('Stale');
  } finally {
    execFileSync('bash', ['tests/testbed/start.sh', 'kamailio'], { cwd: ROOT, stdio: 'ignore' });
  }
  for (const ext of ['1002', '1003', '1004']) {
    await expect(fav(page, ext)).toHaveAttribute('data-state', 'idle', { timeout: 90_000 });
  }
});
