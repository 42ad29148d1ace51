/**
 * Issue 13 item 7 acceptance, voicemail, against the real Asterisk 22 bed: the console is 2001 over UDP (RTP bridge)
 * with the PBX connection (`pbx`: AMI). A sipp caller (2005) leaves a message of an 800 Hz tone through the deposit
 * number `*2001` (tests/testbed/asterisk/voicemail.ts); the message appears in the list opened from the
 * message-waiting lamp (caller, duration), Mark as read moves it to the heard ones (the lamp follows, from Asterisk's
 * MWI NOTIFY), Play makes the PBX call the console, which answers by itself and hears the 800 Hz of the message, and
 * Delete (confirmed) removes it. Without the PBX connection the panel says the list needs it and offers "Call
 * voicemail" only. The mailbox is emptied before and after each test; axe checks the panel (light and dark).
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import { cleanup } from '../testbed/asterisk/phones';
import { clearMailbox, leaveVoicemail } from '../testbed/asterisk/voicemail';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' };
const PBX = { type: 'asterisk', context: 'internal', ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' } };
const TONE_HZ = 800;

let ami: AmiClient;
let console_: RunningConsole | undefined;

test.beforeAll(async () => {
  ami = await connectTestbedAmi();
});
test.afterAll(async () => {
  await ami?.close();
});
test.beforeEach(async () => {
  await clearMailbox(ami);
});
test.afterEach(async ({}, testInfo) => {
  if (console_ && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console.log', { path: console_.logFile }).catch(() => undefined);
  await console_?.stop();
  console_ = undefined;
  await cleanup();
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
  await clearMailbox(ami);
});

async function open(page: Page, extra: Record<string, unknown> = {}, theme: 'light' | 'dark' = 'light'): Promise<void> {
  console_ = await startConsole(UDP, { preferences: { language: 'en', theme }, ...extra });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

async function axe(page: Page): Promise<string[]> {
  await page.waitForTimeout(250);
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('[data-testid="voicemail-panel"]').analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a voicemail left by sipp appears in the list, mark read makes it heard, it plays on the console, delete removes it', async ({ page }) => {
  test.setTimeout(150_000);
  await open(page, { pbx: PBX });
  const lamp = page.getByTestId('voicemail');
  await lamp.click();
  const panel = page.getByTestId('voicemail-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('No messages.');
  await expect(panel).toContainText('Mailbox 2001@default');

  const left = await leaveVoicemail('2005', { toneHz: TONE_HZ, holdMs: 25_000 });
  expect(left.log).toContain('FINAL 200');

  // The list follows the PBX by itself (MessageWaiting → re-list); the lamp from Asterisk's MWI NOTIFY.
  const message = panel.getByTestId('voicemail-message');
  await expect(message).toHaveCount(1, { timeout: 15_000 });
  await expect(message).toHaveAttribute('data-folder', 'new');
  await expect(message.getByTestId('voicemail-caller')).toHaveText('Phone 2005');
  await expect(message).toContainText('2005');
  await expect(message).toContainText('New');
  const seconds = Number(await message.getByTestId('voicemail-duration').getAttribute('data-seconds'));
  expect(seconds).toBeGreaterThan(0);
  await expect(page.getByRole('button', { name: 'Voicemail: 1 new message' })).toBeVisible({ timeout: 15_000 });
  expect(await axe(page)).toEqual([]);

  // Mark as read: INBOX → Old on the PBX; the lamp goes to 0 with Asterisk's MWI.
  await message.getByRole('button', { name: 'Mark the message from Phone 2005 as read' }).click();
  await expect(message).toHaveAttribute('data-folder', 'old');
  await expect(message).toContainText('Heard');
  await expect(page.getByRole('button', { name: 'Voicemail: 0 new messages' })).toBeVisible({ timeout: 15_000 });

  // Play: the PBX calls the console, which answers by itself, and the receptionist hears the message (800 Hz).
  await message.getByRole('button', { name: 'Play the message from Phone 2005' }).click();
  const row = page.locator('li.call:not(.ended)', { hasText: 'Voicemail' });
  await expect(row).toContainText('Connected', { timeout: 15_000 });
  await page.waitForTimeout(1500);
  const heard = await heardOn(page, row);
  expect(Math.abs(heard - TONE_HZ)).toBeLessThan(40);
  // The message ends, the PBX hangs up.
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0, { timeout: 30_000 });

  // Delete, after a confirmation that can be declined.
  await message.getByRole('button', { name: 'Delete the message from Phone 2005' }).click();
  await panel.getByRole('button', { name: 'Keep' }).click();
  await expect(message).toHaveCount(1);
  await message.getByRole('button', { name: 'Delete the message from Phone 2005' }).click();
  await expect(panel).toContainText('Delete the message from Phone 2005 for good?');
  await panel.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(panel.getByTestId('voicemail-message')).toHaveCount(0);
  await expect(panel).toContainText('No messages.');

  // Escape closes the panel and gives the lamp back its state.
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(lamp).toHaveAttribute('aria-expanded', 'false');
  await expect(lamp).toBeFocused();
});

test('without the PBX connection the panel says the list needs it and offers only "Call voicemail" (dark theme)', async ({ page }) => {
  await open(page, {}, 'dark');
  await page.getByTestId('voicemail').click();
  const panel = page.getByTestId('voicemail-panel');
  await expect(panel.getByTestId('voicemail-not-configured')).toHaveText(/needs the PBX connection \(Settings › PBX\)/);
  await expect(panel.getByTestId('voicemail-message')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Refresh' })).toHaveCount(0);
  expect(await axe(page)).toEqual([]);
  // "Call voicemail" dials *97 (Asterisk's VoiceMailMain for 2001): a real call on a line.
  await panel.getByTestId('voicemail-call').click();
  await expect(page.locator('li.call:not(.ended)', { hasText: '*97' })).toContainText('Connected', { timeout: 15_000 });
  await expect(panel).toBeHidden();
});
