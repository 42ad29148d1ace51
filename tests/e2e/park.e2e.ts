/**
 * Issue 13 item 5 acceptance, the park panel, against the real Asterisk 22 bed (tests/testbed/asterisk: res_parking,
 * parkext 700, slots 701-720, parkingtime 120). The console is 2001 over UDP (RTP bridge) with the `pbx` section
 * (AMI), so the panel follows Asterisk's ParkedCall / UnParkedCall / ParkedCallGiveUp / ParkedCallTimeOut. Callers are
 * sipp (tests/testbed/asterisk/phones.ts); Asterisk's own view (AMI events, CoreShowChannels) is the referee.
 * Every test ends with the console stopped, every sipp killed and every channel hung up, even when it fails.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { Recorder, call, cleanup } from '../testbed/asterisk/phones';
import { expect, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' };
const PBX = { type: 'asterisk', context: 'internal', ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' } };

let ami: AmiClient;
let recorder: Recorder;
let console_: RunningConsole | undefined;

test.beforeAll(async () => {
  ami = await connectTestbedAmi();
  recorder = new Recorder(ami);
});
test.afterAll(async () => {
  recorder?.detach();
  await ami?.close();
});
test.afterEach(async ({}, testInfo) => {
  if (console_ && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console.log', { path: console_.logFile }).catch(() => undefined);
  await console_?.stop();
  console_ = undefined;
  await cleanup();
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
});

/** `blf`: no PBX connection; the panel watches the busy lamps of 701-720 (res_parking.conf `parkinghints = yes`). */
async function open(page: Page, mode: 'pbx' | 'blf' = 'pbx'): Promise<void> {
  console_ = await startConsole(UDP, mode === 'pbx' ? { preferences: { language: 'en' }, pbx: PBX } : { preferences: { language: 'en', parkSlots: '701-720' } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await expect(panel(page)).toContainText('No parked calls');
}

const panel = (page: Page): Locator => page.getByTestId('park-panel');
const parkedRows = (page: Page): Locator => panel(page).getByRole('list', { name: 'Calls waiting on park slots' }).getByRole('listitem');
const liveRow = (page: Page, who: string): Locator => page.locator('li.call:not(.ended)', { hasText: who });
/** The wait time a parked row shows, in seconds (mm:ss). */
const waitOf = async (row: Locator): Promise<number> => {
  const m = /(\d+):(\d\d)\s*$/.exec(await row.locator('.wait').innerText());
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
};

/** Whether a sipp caller's process is still running (in its call): false once its scenario ended. */
function running(c: { readonly sipp: { readonly done: Promise<number> } }): () => boolean {
  let ended = false;
  void c.sipp.done.then(() => (ended = true));
  return () => !ended;
}

/** 2005 calls the console, which answers it. Resolves with the caller (its channel is what Asterisk parks). */
async function answeredCaller(page: Page, holdMs: number) {
  const caller = await call(recorder, '2005', '2001', holdMs);
  await liveRow(page, '2005').getByRole('button', { name: 'Answer' }).click();
  await expect(liveRow(page, '2005')).toContainText('Connected');
  return caller;
}

/** The receptionist presses Park; resolves with Asterisk's ParkedCall for that caller's channel. */
async function park(page: Page, channel: string): Promise<AmiMessage> {
  const since = recorder.mark();
  await liveRow(page, '2005').getByRole('button', { name: 'Park' }).click();
  return recorder.waitFor((e) => e.Event === 'ParkedCall' && e.ParkeeChannel === channel, `ParkedCall of ${channel}`, 10_000, since);
}

/** Asterisk's channels now (CoreShowChannels), by name. */
async function channels(): Promise<Map<string, AmiMessage>> {
  const list = await ami.list({ Action: 'CoreShowChannels' });
  return new Map(list.filter((e) => e.Event === 'CoreShowChannel').map((e) => [e.Channel ?? '', e]));
}

test('the receptionist parks a caller: the panel shows the slot and a ticking wait; Retrieve brings the same caller back on a line', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page);
  const caller = await answeredCaller(page, 60_000);
  const callerInCall = running(caller);
  const parked = await park(page, caller.channel);
  const slot = parked.ParkingSpace!;
  expect(slot).toMatch(/^7(0[1-9]|1[0-9]|20)$/);
  // What the console matches its call by: the parkee's caller number is the one it saw, the parker is 2001.
  expect(parked).toMatchObject({ ParkeeCallerIDNum: '2005', ParkerDialString: 'PJSIP/2001' });

  // The panel: the slot, the caller, a wait time that ticks; the message and the ended line say where it went.
  await expect(parkedRows(page)).toHaveCount(1);
  const row = parkedRows(page).first();
  await expect(row).toHaveAttribute('data-slot', slot);
  await expect(row).toContainText('Phone 2005');
  await expect(row).toContainText('2005');
  await expect(row).toContainText('parked by you');
  await expect(row).toContainText(/returns in 0?1:5\d/);
  await expect(page.getByText(`Phone 2005 parked on ${slot}`).first()).toBeVisible();
  await expect(page.locator('li.call.ended', { hasText: `Parked on ${slot}` })).toBeVisible();
  const before = await waitOf(row);
  await page.waitForTimeout(2100);
  expect(await waitOf(row)).toBeGreaterThan(before);
  expect(callerInCall()).toBe(true);

  // Accessible in both themes (axe, WCAG 2.1 AA: no serious or critical finding in the panel).
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(250);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('[data-testid="park-panel"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${colorScheme}: ${v.id}`)).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Retrieve: the console dials the slot, Asterisk bridges it with the caller's own channel.
  const since = recorder.mark();
  await row.getByRole('button', { name: `Retrieve Phone 2005 from slot ${slot}` }).click();
  const unparked = await recorder.waitFor((e) => e.Event === 'UnParkedCall' && e.ParkeeChannel === caller.channel, 'UnParkedCall', 10_000, since);
  expect(unparked.RetrieverChannel).toMatch(/^PJSIP\/2001-/);
  await expect(liveRow(page, slot)).toContainText('Connected');
  await expect(parkedRows(page)).toHaveCount(0);
  await expect(panel(page)).toContainText('No parked calls');

  // Connected to the same caller: its sipp is still in the call, and its channel shares a bridge with ours.
  await expect
    .poll(async () => {
      const all = await channels();
      const theirs = all.get(caller.channel);
      const ours = all.get(unparked.RetrieverChannel ?? '');
      return theirs?.BridgeId !== undefined && theirs.BridgeId !== '' && theirs.BridgeId === ours?.BridgeId;
    })
    .toBe(true);
  expect(callerInCall()).toBe(true);

  await liveRow(page, slot).getByRole('button', { name: 'Hang up' }).click();
  await caller.sipp.done;
  expect(caller.finals()).toContain('200');
});

test('a parked caller who hangs up disappears from the panel; one the PBX times out too', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page);
  // The caller hangs up 8 s after the answer, i.e. while parked.
  const caller = await answeredCaller(page, 8000);
  const parked = await park(page, caller.channel);
  await expect(parkedRows(page)).toHaveCount(1);
  await expect(parkedRows(page).first()).toHaveAttribute('data-slot', parked.ParkingSpace!);
  await recorder.waitFor((e) => e.Event === 'ParkedCallGiveUp' && e.ParkeeChannel === caller.channel, 'ParkedCallGiveUp', 15_000);
  await expect(parkedRows(page)).toHaveCount(0);
  await expect(panel(page)).toContainText('No parked calls');

  // Someone else's call parked with a 3 s limit (AMI Park; the lot's own limit is 120 s): listed, not "by you",
  // then gone when Asterisk times it out.
  const other = await call(recorder, '2004', '9998', 30_000);
  await recorder.waitFor((e) => e.Event === 'Newexten' && e.Linkedid === other.linkedid && e.Application === 'MusicOnHold', 'music on hold');
  await ami.action({ Action: 'Park', Channel: other.channel, Timeout: '3000' });
  await expect(parkedRows(page)).toHaveCount(1);
  await expect(parkedRows(page).first()).toContainText('2004');
  await expect(parkedRows(page).first()).not.toContainText('parked by you');
  await recorder.waitFor((e) => e.Event === 'ParkedCallTimeOut' && e.ParkeeChannel === other.channel, 'ParkedCallTimeOut', 10_000);
  await expect(parkedRows(page)).toHaveCount(0);
});

test('without the PBX connection, the busy lamps of the park slots: the slot, our call matched, Retrieve', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page, 'blf');
  await expect(panel(page)).toContainText("From the park slots' busy lamps");
  const caller = await answeredCaller(page, 60_000);
  const callerInCall = running(caller);
  const parked = await park(page, caller.channel);
  const slot = parked.ParkingSpace!;
  await expect(parkedRows(page)).toHaveCount(1);
  const row = parkedRows(page).first();
  await expect(row).toHaveAttribute('data-slot', slot);
  await expect(row).toContainText('parked by you');
  await expect(page.getByText(`2005 parked on ${slot}`).first()).toBeVisible();
  await expect(page.locator('li.call.ended', { hasText: `Parked on ${slot}` })).toBeVisible();
  const before = await waitOf(row);
  await page.waitForTimeout(2100);
  expect(await waitOf(row)).toBeGreaterThan(before);

  const since = recorder.mark();
  await row.getByRole('button', { name: `Retrieve Unknown caller from slot ${slot}` }).click();
  const unparked = await recorder.waitFor((e) => e.Event === 'UnParkedCall' && e.ParkeeChannel === caller.channel, 'UnParkedCall', 10_000, since);
  expect(unparked.RetrieverChannel).toMatch(/^PJSIP\/2001-/);
  await expect(liveRow(page, slot)).toContainText('Connected');
  await expect(parkedRows(page)).toHaveCount(0);
  expect(callerInCall()).toBe(true);
  await liveRow(page, slot).getByRole('button', { name: 'Hang up' }).click();
  await caller.sipp.done;
});
