/**
 * "Line lost" for WebRTC calls against the remote bed (tests/testbed/remote/, see remote-network.e2e.ts): main never
 * sees WebRTC media, so the console window reports inbound audio (`media.inbound`) and main's watchdog ends a call
 * whose audio stopped, as it does for the RTP bridge.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { near } from '../testbed/audio';
import { waitFor } from '../testbed/baresip';
import { blockRtp, clearImpairments, REMOTE, remoteBaresipCalls, remoteHangupAll, startRemoteBed, unblockRtp } from '../testbed/remote';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

let console_: RunningConsole | undefined;

test.beforeAll(() => {
  startRemoteBed();
});
test.beforeEach(() => {
  clearImpairments();
});
test.afterEach(async () => {
  clearImpairments();
  await console_?.stop();
  console_ = undefined;
  await remoteHangupAll();
});

const callRow = (page: Page, text: string) => page.locator('li.call', { hasText: text });

/** SIP messages of the console's trace (its log file), in order: `out …` / `in …`. */
function sipTrace(c: RunningConsole): string[] {
  return readFileSync(c.logFile, 'utf8').split(/^\S+ DEBUG SIP /m).slice(1);
}

test('WebRTC over WS, media gone for longer than the RTP timeout: the console ends the call with a BYE, the far end too, and says why', async ({ page }) => {
  test.setTimeout(120_000);
  const account = {
    server: REMOTE.primary,
    port: REMOTE.ports.ws,
    transport: 'ws',
    domain: REMOTE.domain,
    media: 'webrtc',
    mediaTimeoutSeconds: 5,
  } as ConsoleAccount & Record<string, unknown>;
  const c = (console_ = await startConsole(account as ConsoleAccount));
  await page.goto(c.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/, { timeout: 20_000 });

  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected', { timeout: 20_000 });
  let last = 0;
  await waitFor(`the console to hear 1000 Hz from 1003 (last ${last} Hz)`, async () => {
    last = await heardOn(page, callRow(page, '1003'));
    return near(last, 1000);
  }, 10_000, 500);
  expect(await remoteBaresipCalls('1003')).toMatch(/ESTABLISHED/);
  // Audio flowing for longer than the timeout does not end the call: the window's reports keep it alive.
  await page.waitForTimeout(7000);
  await expect(callRow(page, '1003').first()).toContainText('Connected');

  blockRtp(); // signalling keeps working, audio (ICE, SRTP) is gone
  await expect(callRow(page, '1003').first()).toContainText('Line lost', { timeout: 20_000 });
  await expect(page.locator('body')).toContainText('The line to 1003 was lost');
  expect(sipTrace(c).some((m) => m.startsWith('out') && /\bBYE sip:/.test(m))).toBe(true);
  await waitFor("1003's call to end", async () => !/sip:/.test(await remoteBaresipCalls('1003')), 10_000);
  unblockRtp();
});
