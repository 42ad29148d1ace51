/**
 * Issue #6 acceptance: a scripted USB headset (the Jabra EVOLVE LINK's real report descriptor; input reports in as
 * bytes, output reports captured as bytes — the web host's `--scripted-headset` seam in place of node-hid) drives
 * the whole path against the real test bed: baresip calls, the console answers from the hook, mutes, swaps lines.
 * Jabra report 2 — input bits: 0 hook (absolute), 2 mute (toggle request), 3 flash; output bits: 0 off-hook, 1 mute,
 * 2 ring, 4 microphone, 5 ringer.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { clearRecordings, newestRecording, rmsAmplitude } from '../testbed/audio';
import { expect, ROOT, startConsole, test, type RunningConsole } from './console';

const OFF_HOOK = 0b0000_0001;
const MUTE_LEDS = 0b0001_0010;
const RING = 0b0010_0100;

let console_: RunningConsole | undefined;
let base = '';
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

async function open(page: Page): Promise<void> {
  const descriptor = join(ROOT, 'tests/fixtures/hid/jabra-evolve-link.hex');
  console_ = await startConsole(
    { transport: 'udp', port: 5060, media: 'rtp' },
    { preferences: { language: 'en', audioProcessing: false } },
    ['--scripted-headset', `${descriptor}:0b0e:0305`],
  );
  const url = new URL(console_.url);
  base = `${url.origin}/headset?token=${url.searchParams.get('token')}`;
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await expect(page.getByTestId('headset-status')).toContainText('Scripted headset');
}

async function headset(page: Page, op: string, hex?: string): Promise<{ reports?: number[][] }> {
  const r = await page.request.get(`${base}&op=${op}${hex ? `&hex=${encodeURIComponent(hex)}` : ''}`);
  expect(r.status()).toBe(200);
  return (await r.json()) as { reports?: number[][] };
}
/** A press as the headset sends it; a human leaves more than the debounce window between two presses. */
async function press(page: Page, bits: number): Promise<void> {
  await headset(page, 'input', `02 ${bits.toString(16).padStart(2, '0')} 00`);
  await page.waitForTimeout(400);
}
async function leds(page: Page): Promise<number | undefined> {
  const reports = (await headset(page, 'output')).reports ?? [];
  return reports.filter((r) => r[0] === 2).at(-1)?.[1];
}
const ledsBecome = (page: Page, value: number) => waitFor(`LEDs ${value.toString(2)}`, async () => (await leds(page)) === value, 10_000);

test('hook, mute and LEDs drive a real call: the far end hears us, then silence while muted, then us again', async ({ page }) => {
  await open(page);
  clearRecordings('1002');
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  await ledsBecome(page, RING);

  await press(page, 0b0001); // boom lifted
  await waitFor('1002 established', async () => /ESTABLISHED|sip:1001/.test(await baresipCalls('1002')));
  await expect(page.locator('li.call', { hasText: '1002' })).toContainText('Connected');
  await ledsBecome(page, OFF_HOOK);
  const answeredAt = Date.now();

  await page.waitForTimeout(2000);
  const mutedAt = Date.now();
  await press(page, 0b0101); // mute pressed…
  await press(page, 0b0001); // …released
  await ledsBecome(page, OFF_HOOK | MUTE_LEDS);
  await expect(page.locator('li.call', { hasText: '1002' })).toContainText('Muted');

  await page.waitForTimeout(2000);
  const unmutedAt = Date.now();
  await press(page, 0b0101);
  await press(page, 0b0001);
  await ledsBecome(page, OFF_HOOK);
  await page.waitForTimeout(2000);

  await press(page, 0b0000); // boom down: hang up
  await ledsBecome(page, 0);
  await waitFor('1002 idle', async () => !/sip:/.test(await baresipCalls('1002')));
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);

  // 1002's recording of what we sent (finished now that the call ended), windows relative to the answer.
  const rec = newestRecording('1002')!;
  const at = (t: number) => Math.max(0, (t - answeredAt) / 1000);
  const before = rmsAmplitude(rec, at(mutedAt) - 1.2, 0.8);
  const muted = rmsAmplitude(rec, at(mutedAt) + 1.0, 0.8);
  const after = rmsAmplitude(rec, at(unmutedAt) + 1.0, 0.8);
  expect({ before: before > 0.05, muted: muted < 0.01, after: after > 0.05 }).toEqual({ before: true, muted: true, after: true });
});

test('two calls: the hook button answers the ringing one (the first is held), flash swaps', async ({ page }) => {
  await open(page);
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  await ledsBecome(page, RING);
  await press(page, 0b0001);
  const first = page.locator('li.call', { hasText: '1002' });
  await expect(first).toContainText('Connected');

  await baresip('1003', 'dial', 'sip:1001@127.0.0.1');
  const second = page.locator('li.call', { hasText: '1003' });
  await expect(second).toContainText('Ringing');
  await ledsBecome(page, OFF_HOOK | RING);

  await press(page, 0b0000); // the answer/end button while the second call rings
  await expect(second).toContainText('Connected');
  await expect(first).toContainText('On hold');
  await press(page, 0b0001); // the headset follows our Off-Hook LED

  await press(page, 0b1001); // flash
  await press(page, 0b0001);
  await expect(first).toContainText('Connected');
  await expect(second).toContainText('On hold');
});

test('unplugging mid-call keeps the call; replugging restores the LEDs', async ({ page }) => {
  await open(page);
  await baresip('1002', 'dial', 'sip:1001@127.0.0.1');
  await ledsBecome(page, RING);
  await press(page, 0b0001);
  const call = page.locator('li.call', { hasText: '1002' });
  await expect(call).toContainText('Connected');
  await ledsBecome(page, OFF_HOOK);

  const written = (await headset(page, 'output')).reports!.length;
  await headset(page, 'unplug');
  await expect(page.getByTestId('headset-status')).toContainText('No headset', { timeout: 10_000 });
  await page.waitForTimeout(1000);
  await expect(call).toContainText('Connected');
  expect(/sip:1001/.test(await baresipCalls('1002'))).toBe(true);

  await headset(page, 'plug');
  await waitFor('LEDs restored after replug', async () => {
    const reports = (await headset(page, 'output')).reports!;
    return reports.length > written && reports.at(-1)?.[1] === OFF_HOOK;
  }, 10_000);
  await expect(page.getByTestId('headset-status')).toContainText('Scripted headset');
});
