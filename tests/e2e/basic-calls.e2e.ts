/**
 * Issue #2 acceptance: the console provisioned as 1001 against the real test bed (Kamailio + rtpengine + baresip),
 * driven in Chromium through the web host. Audio is checked by frequency on both sides.
 */
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { clearRecordings, dominantFrequency, near, newestRecording } from '../testbed/audio';
import { expect, remoteFrequency, startConsole, test, type RunningConsole } from './console';
import type { Page } from '@playwright/test';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

const registration = (page: Page) => page.locator('.registration');
const callRow = (page: Page, text: string) => page.locator('li.call', { hasText: text });

async function openConsole(page: Page, account: Parameters<typeof startConsole>[0]): Promise<void> {
  console_ = await startConsole(account);
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/);
}

async function dialAndHear(page: Page, target: '1003' | '1004', tone: number): Promise<void> {
  clearRecordings(target);
  await page.getByLabel('Number', { exact: true }).fill(target);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, target)).toContainText('Connected');
  // Let media settle, then measure what the console hears (WebAudio analyser in the page).
  await page.waitForTimeout(1500);
  const heard = await remoteFrequency(page);
  expect(near(heard, tone)).toBe(true);
  await page.waitForTimeout(1000);
  await callRow(page, target).getByRole('button', { name: 'Hang up' }).click();
  await expect(callRow(page, target)).toContainText('Ended');
  await waitFor(`${target} to hang up`, async () => !/sip:/.test(await baresipCalls(target)));
  // What baresip received from our fake microphone (440 Hz file).
  const rec = await waitFor(`${target}'s recording`, async () => newestRecording(target));
  expect(near(dominantFrequency(rec, 0.5, 1), 440)).toBe(true);
}

test('RTP bridge over UDP: 1001 calls 1003 and both sides hear each other', async ({ page }) => {
  await openConsole(page, { transport: 'udp', port: 5060, media: 'rtp' });
  await dialAndHear(page, '1003', 1000);
});

test('WebRTC over WebSocket through rtpengine: 1001 calls 1003 and both sides hear each other', async ({ page }) => {
  await openConsole(page, { transport: 'ws', port: 8080, media: 'webrtc' });
  await dialAndHear(page, '1003', 1000);
});

test('1002 calls the console: it rings, the receptionist answers, two-way audio, 1002 hangs up', async ({ page }) => {
  await openConsole(page, { transport: 'udp', port: 5060, media: 'auto' });
  await baresip('1002', 'ausrc', 'ausine,700');
  try {
    clearRecordings('1002');
    await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
    const row = callRow(page, '1002');
    await expect(row).toContainText('Ringing');
    expect(await page.evaluate(() => (globalThis as unknown as { __rcMedia: { ringing(): boolean } }).__rcMedia.ringing())).toBe(true);
    await row.getByRole('button', { name: 'Answer' }).click();
    await expect(row).toContainText('Connected');
    await page.waitForTimeout(1500);
    expect(near(await remoteFrequency(page), 700)).toBe(true);
    await page.waitForTimeout(1000);
    await baresip('1002', 'hangup');
    await expect(row).toContainText('Ended');
    const rec = await waitFor("1002's recording", async () => newestRecording('1002'));
    expect(near(dominantFrequency(rec, 0.5, 1), 440)).toBe(true);
  } finally {
    await baresip('1002', 'ausrc', 'ausine,440');
  }
});

test('the receptionist declines a call: the caller gets 486 and the console rings no more', async ({ page }) => {
  await openConsole(page, { transport: 'udp', port: 5060 });
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  const row = callRow(page, '1002');
  await row.getByRole('button', { name: 'Decline' }).click();
  await expect(row).toContainText('Ended');
  await waitFor('1002 to see the call end', async () => !/sip:/.test(await baresipCalls('1002')));
});

test('a wrong password shows a plain-words registration failure', async ({ page }) => {
  console_ = await startConsole({ password: 'wrong-password' });
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registration failed: the server refused the user name or password/);
  await expect(page.getByRole('region', { name: /messages/i }).or(page.locator('body'))).not.toContainText('wrong-password');
  expect(console_.output()).not.toContain('wrong-password');
});

test('reloading the page during a call keeps the call (main owns it) and restores the UI and audio', async ({ page }) => {
  await openConsole(page, { transport: 'udp', port: 5060, media: 'rtp' });
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected');
  await page.reload();
  await expect(callRow(page, '1003')).toContainText('Connected');
  expect(await baresipCalls('1003')).toMatch(/ESTABLISHED/);
  await page.waitForTimeout(1500);
  expect(near(await remoteFrequency(page), 1000)).toBe(true);
  await callRow(page, '1003').getByRole('button', { name: 'Hang up' }).click();
  await expect(callRow(page, '1003')).toContainText('Ended');
});

test('server down: status turns red and retries without a crash; server back: registers again by itself', async ({ page }) => {
  const { execFileSync } = await import('node:child_process');
  const bed = (what: 'start' | 'stop') =>
    execFileSync('sh', [`${__dirname}/../testbed/${what}.sh`, 'kamailio'], { stdio: 'pipe', timeout: 30_000 });
  await openConsole(page, { transport: 'udp', port: 5060, registerExpires: 60 });
  try {
    bed('stop');
    // Our keep-alive/refresh notices the dead server; the status says so in plain words (it was registered: the
    // connection is lost and being re-established, calls would stay up).
    await expect(registration(page)).toHaveText(/Connection to the server lost — reconnecting…/, { timeout: 45_000 });
    await expect(registration(page)).toHaveClass(/\berr\b/);
    await expect(registration(page)).toContainText('your calls stay up');
    expect(console_!.process.exitCode).toBeNull();
  } finally {
    bed('start');
  }
  await expect(registration(page)).toHaveText(/Registered/, { timeout: 60_000 });
  // And it really works again: a call goes through.
  await page.getByLabel('Number', { exact: true }).fill('1004');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1004')).toContainText('Connected');
  await callRow(page, '1004').getByRole('button', { name: 'Hang up' }).click();
});

test('first launch without provisioning: the receptionist sets up the account and the console registers', async ({ page }) => {
  console_ = await startConsole(null);
  await page.goto(console_.url);
  await page.getByLabel('Server', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('User', { exact: true }).fill('1001');
  await page.getByLabel('Password', { exact: true }).fill('secret');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(registration(page)).toHaveText(/Registered/);
});
