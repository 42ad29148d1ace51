/**
 * Issue 13 item 6 acceptance (Settings › Audio, seed 002 §4), the console as 1001 on the Kamailio bed in Chromium with
 * fake media devices (the microphone plays tests/testbed/media/tone440_48k.wav):
 * - the live microphone level moves with the tone, and the microphone is released when the tab closes;
 * - the speaker and ringer play-test buttons produce sound (measured on the signal each plays), Silent none;
 * - echo cancellation / noise suppression / automatic gain are three switches that save, and a call's outgoing
 *   microphone track carries them (the track's own getSettings());
 * - the chosen ringtone and volume ring an incoming call from baresip; Silent rings without any ringer audio;
 * - a USB headset plugged in (the scripted HID headset, named like one of Chromium's fake audio devices) is used for
 *   calls' microphone and speaker, also mid-call, and no longer once unplugged or turned off.
 * Audio levels are read by the media engine's test hook (`window.__rcMedia`), an AnalyserNode on the very signal the
 * ringer's <audio> element plays; which media elements played is recorded by a wrapper installed before the page loads.
 */
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { baresip, baresipCalls, hangupAll, waitFor } from '../testbed/baresip';
import { expect, ROOT, startConsole, test, type RunningConsole } from './console';

interface Level {
  level: number;
  hz: number;
}
/** The few browser types used here (this project's test tsconfig has no DOM library). */
interface TrackSettings {
  echoCancellation?: boolean;
  noiseSuppression?: boolean;
  autoGainControl?: boolean;
  deviceId?: string;
}
interface Track {
  readonly readyState: string;
}
interface MediaElement {
  readonly dataset: Record<string, string | undefined>;
  play(): Promise<void>;
}
interface Page$ {
  HTMLMediaElement: { prototype: MediaElement };
  navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<{ getTracks(): Track[] }> } };
}
interface AudioHook {
  ringing(): boolean;
  ringer(): { tone: string; volume: number; sinkId: string } | undefined;
  ringerLevel(ms: number): Promise<Level>;
  preview(ms: number): Promise<{ kind?: string; tone?: string } & Level>;
  microphone(): { settings: TrackSettings; sinkId: string } | undefined;
}
interface Recorder {
  __played: string[];
  __tracks: Track[];
}

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await hangupAll();
});

/** Records every media element that starts playing (its data-role) and every microphone track the page opens. */
function recordMedia(): void {
  const w = globalThis as unknown as Recorder & Page$;
  w.__played = [];
  w.__tracks = [];
  const proto = w.HTMLMediaElement.prototype;
  const play = proto.play;
  proto.play = function (this: MediaElement) {
    w.__played.push(this.dataset.role ?? 'call');
    return play.call(this);
  };
  const devices = w.navigator.mediaDevices;
  const gum = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (c: unknown) => {
    const s = await gum(c);
    w.__tracks.push(...s.getTracks());
    return s;
  };
}

async function open(page: Page, preferences: Record<string, unknown> = {}): Promise<void> {
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { preferences: { language: 'en', ...preferences } });
  await page.addInitScript(recordMedia);
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

async function audioTab(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: 'Audio', exact: true }).click();
  await expect(dialog.getByRole('tabpanel', { name: 'Audio' })).toBeVisible();
  return dialog;
}

/** The media engine's test hook, read in the page. */
const preview = (page: Page, ms: number) => page.evaluate(([ms]) => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.preview(ms), [ms] as const);
const ringerLevel = (page: Page, ms: number) => page.evaluate(([ms]) => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.ringerLevel(ms), [ms] as const);
const ringing = (page: Page) => page.evaluate(() => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.ringing());
const ringer = (page: Page) => page.evaluate(() => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.ringer());
const callAudio = (page: Page) => page.evaluate(() => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.microphone());
const micSettings = (page: Page) => page.evaluate(() => (globalThis as unknown as { __rcMedia: AudioHook }).__rcMedia.microphone()?.settings);
const liveTracks = (page: Page): Promise<number> =>
  page.evaluate(() => (globalThis as unknown as Recorder).__tracks.filter((t) => t.readyState === 'live').length);
const played = (page: Page): Promise<string[]> => page.evaluate(() => [...(globalThis as unknown as Recorder).__played]);
const callRow = (page: Page, text: string): Locator => page.locator('li.call:not(.ended)', { hasText: text });

test('Audio tab: the microphone level moves with the tone, the play-tests sound, the three switches reach the call', async ({ page }) => {
  await open(page);
  const dialog = await audioTab(page);

  // Live level of the fake microphone (a 440 Hz tone): the meter rises above silence.
  const meter = dialog.getByRole('meter', { name: 'Microphone level' });
  await expect(meter).toHaveAttribute('aria-valuemin', '0');
  await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(20);
  expect(await liveTracks(page)).toBe(1);

  // Speaker test: a short arpeggio (G4 B4 D5 G5) on the speaker.
  await dialog.getByRole('button', { name: 'Test speaker' }).click();
  const speaker = await preview(page, 1200);
  expect(speaker.kind).toBe('speaker');
  expect(speaker.level).toBeGreaterThan(0.05);
  await expect(dialog.getByTestId('audio-test-status')).toContainText('Playing a test sound on');

  // Ringer test: the ringtone chosen in the form, at its volume.
  await dialog.getByLabel('Ringtone').selectOption({ label: 'Classic double ring' });
  await dialog.getByRole('button', { name: 'Test ringer' }).click();
  const classic = await preview(page, 1000);
  expect(classic).toMatchObject({ kind: 'ringer', tone: 'classic' });
  expect(classic.level).toBeGreaterThan(0.05);
  expect(classic.hz).toBeGreaterThan(370);
  expect(classic.hz).toBeLessThan(480);
  // Silent: nothing is played, and the receptionist is told why.
  await dialog.getByLabel('Ringtone').selectOption({ label: 'Silent (no sound, the call still shows)' });
  const before = (await played(page)).filter((r) => r === 'preview-ringer').length;
  await dialog.getByRole('button', { name: 'Test ringer' }).click();
  await expect(dialog.getByTestId('audio-test-status')).toHaveText('The Silent ringtone makes no sound.');
  expect(await preview(page, 600)).toMatchObject({ kind: 'ringer', tone: 'silent', level: 0 });
  expect((await played(page)).filter((r) => r === 'preview-ringer').length).toBe(before);

  // Three separate switches: echo cancellation and automatic gain off, noise suppression on.
  const ec = dialog.getByRole('switch', { name: 'Echo cancellation' });
  const ns = dialog.getByRole('switch', { name: 'Noise suppression' });
  const agc = dialog.getByRole('switch', { name: 'Automatic gain control' });
  for (const s of [ec, ns, agc]) await expect(s).toBeChecked();
  await ec.uncheck();
  await agc.uncheck();
  await dialog.getByLabel('Ringtone').selectOption({ label: 'Chime' });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  // The tab is closed: the meter let go of the microphone.
  await waitFor('the meter to release the microphone', async () => (await liveTracks(page)) === 0, 5000);

  // Saved: the tab shows them again.
  const again = await audioTab(page);
  await expect(again.getByRole('switch', { name: 'Echo cancellation' })).not.toBeChecked();
  await expect(again.getByRole('switch', { name: 'Noise suppression' })).toBeChecked();
  await expect(again.getByRole('switch', { name: 'Automatic gain control' })).not.toBeChecked();
  await page.keyboard.press('Escape');
  await expect(again).toBeHidden();

  // A call's outgoing microphone track uses them.
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected');
  const mic = await micSettings(page);
  expect(mic).toMatchObject({ echoCancellation: false, noiseSuppression: true, autoGainControl: false });
  await callRow(page, '1003').getByRole('button', { name: 'Hang up' }).click();
  await waitFor('1003 to hang up', async () => !/sip:/.test(await baresipCalls('1003')));
});

test('settings from before the three switches: audioProcessing off turns all three off on the call', async ({ page }) => {
  await open(page, { audioProcessing: false });
  const dialog = await audioTab(page);
  for (const name of ['Echo cancellation', 'Noise suppression', 'Automatic gain control']) {
    await expect(dialog.getByRole('switch', { name })).not.toBeChecked();
  }
  await page.keyboard.press('Escape');
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected');
  expect(await micSettings(page)).toMatchObject({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
  await callRow(page, '1003').getByRole('button', { name: 'Hang up' }).click();
  await waitFor('1003 to hang up', async () => !/sip:/.test(await baresipCalls('1003')));
});

/** 1002 calls the console; returns what the ringer sent to its device over 4.5 s (more than one ring cycle). */
async function ringFrom1002(page: Page): Promise<{ ringer: ReturnType<AudioHook['ringer']>; out: Level }> {
  await waitFor('1002 to dial', async () => (await baresip('1002', 'dial', 'sip:1001@127.0.0.1').catch(() => undefined))?.ok === true, 15_000, 1000);
  await expect(callRow(page, '1002')).toContainText('Ringing');
  expect(await ringing(page)).toBe(true);
  const choice = await ringer(page);
  const out = await ringerLevel(page, 4500);
  await callRow(page, '1002').getByRole('button', { name: 'Decline' }).click();
  await expect(callRow(page, '1002')).toHaveCount(0);
  await waitFor('1002 to be idle', async () => !/sip:/.test(await baresipCalls('1002')));
  return { ringer: choice, out };
}

async function chooseRing(page: Page, ringtone: string, volume: number): Promise<void> {
  const dialog = await audioTab(page);
  await dialog.getByLabel('Ringtone').selectOption({ label: ringtone });
  await dialog.getByLabel('Ringer volume').fill(String(volume));
  await expect(dialog.getByLabel('Ringer volume')).toHaveAttribute('aria-valuetext', `${volume} %`);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
}

test('an incoming call rings with the chosen ringtone and volume; Silent rings without any ringer audio', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page);

  await chooseRing(page, 'Electronic trill', 100);
  const loud = await ringFrom1002(page);
  expect(loud.ringer).toMatchObject({ tone: 'trill', volume: 100 });
  expect(loud.out.level).toBeGreaterThan(0.1);
  // The trill alternates 1000 and 1250 Hz.
  expect(loud.out.hz).toBeGreaterThan(950);
  expect(loud.out.hz).toBeLessThan(1300);
  expect(await played(page)).toContain('ringtone');

  await chooseRing(page, 'Electronic trill', 20);
  const soft = await ringFrom1002(page);
  expect(soft.ringer).toMatchObject({ tone: 'trill', volume: 20 });
  expect(soft.out.level).toBeGreaterThan(0);
  // 20 % is a gain 25 times lower than 100 % (quadratic slider).
  expect(soft.out.level).toBeLessThan(loud.out.level / 10);

  await chooseRing(page, 'Silent (no sound, the call still shows)', 100);
  const playedBefore = (await played(page)).filter((r) => r === 'ringtone').length;
  const silent = await ringFrom1002(page);
  expect(silent.ringer).toMatchObject({ tone: 'silent' });
  expect(silent.out).toEqual({ level: 0, hz: 0 });
  // No ringer element was started at all during that call.
  expect((await played(page)).filter((r) => r === 'ringtone').length).toBe(playedBefore);
});

test('a USB headset plugged in is used for calls, even mid-call, and the chosen devices again once it is unplugged', async ({ page }) => {
  // A scripted HID headset whose product name is that of Chromium's second fake audio device pair
  // ("Fake Audio Input 2" / "Fake Audio Output 2"): the browser lists its audio device under that name.
  const descriptor = join(ROOT, 'tests/fixtures/hid/jabra-evolve-link.hex');
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { preferences: { language: 'en' } }, [
    '--scripted-headset',
    `${descriptor}:0b0e:0305:Fake Audio 2`,
  ]);
  const url = new URL(console_.url);
  const headsetOp = async (op: string): Promise<void> => {
    const r = await page.request.get(`${url.origin}/headset?token=${url.searchParams.get('token')}&op=${op}`);
    expect(r.status()).toBe(200);
  };
  await page.addInitScript(recordMedia);
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await expect(page.getByTestId('headset-status')).toContainText('Fake Audio 2');
  const ids = await page.evaluate(async () => {
    const list = await (globalThis as unknown as { navigator: { mediaDevices: { enumerateDevices(): Promise<{ deviceId: string; label: string }[]> } } }).navigator.mediaDevices.enumerateDevices();
    return { mic: list.find((d) => d.label === 'Fake Audio Input 2')?.deviceId, out: list.find((d) => d.label === 'Fake Audio Output 2')?.deviceId };
  });
  expect(ids.mic).toBeTruthy();
  expect(ids.out).toBeTruthy();

  // Settings › Audio says so (the automatic choice is on by default).
  const dialog = await audioTab(page);
  await expect(dialog.getByRole('checkbox', { name: 'Use the USB headset for calls as soon as it is plugged in' })).toBeChecked();
  await expect(dialog.getByTestId('headset-audio')).toHaveText('Calls use Fake Audio 2 now.');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // A call takes the headset's microphone and plays on its speaker.
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected');
  await expect.poll(async () => (await callAudio(page))?.settings.deviceId).toBe(ids.mic);
  await expect.poll(async () => (await callAudio(page))?.sinkId).toBe(ids.out);

  // Pulled out mid-call: the call moves back to the system default microphone and speaker.
  await headsetOp('unplug');
  await expect(page.getByTestId('headset-status')).not.toContainText('Fake Audio 2');
  await expect.poll(async () => (await callAudio(page))?.settings.deviceId).not.toBe(ids.mic);
  await expect.poll(async () => (await callAudio(page))?.sinkId).toBe('');
  // Plugged in again: back on the headset, same call.
  await headsetOp('plug');
  await expect.poll(async () => (await callAudio(page))?.settings.deviceId).toBe(ids.mic);
  await expect.poll(async () => (await callAudio(page))?.sinkId).toBe(ids.out);
  // Only the call's microphone is open (the replaced ones were released).
  expect(await liveTracks(page)).toBe(1);
  await callRow(page, '1003').getByRole('button', { name: 'Hang up' }).click();
  await waitFor('1003 to hang up', async () => !/sip:/.test(await baresipCalls('1003')));

  // Turned off in Settings: calls keep the chosen (default) devices although the headset is plugged in.
  const off = await audioTab(page);
  await off.getByRole('checkbox', { name: 'Use the USB headset for calls as soon as it is plugged in' }).uncheck();
  await expect(off.getByTestId('headset-audio')).toHaveCount(0);
  await off.getByRole('button', { name: 'Save' }).click();
  await expect(off).toBeHidden();
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, '1003')).toContainText('Connected');
  expect((await callAudio(page))?.settings.deviceId).not.toBe(ids.mic);
  expect((await callAudio(page))?.sinkId).toBe('');
  await callRow(page, '1003').getByRole('button', { name: 'Hang up' }).click();
  await waitFor('1003 to hang up', async () => !/sip:/.test(await baresipCalls('1003')));
});
