/**
 * Issue 13 item 4 acceptance, the conference panel, on the real Asterisk 22 bed: the console is 2001 over UDP (RTP
 * bridge, conference mixed in the page); the parties are tone phones (tests/testbed/asterisk/tone-phone.ts: sipp for
 * SIP, an RTP socket of this process that sends a steady tone and measures what it hears). 2002 sends 600 Hz, 2003
 * 950 Hz, 2004 1350 Hz, 2005 1850 Hz; the console's fake microphone plays 440 Hz.
 *
 * Leave with three parties blind-transfers each (REFER) to the PBX conference room 8000 → ConfBridge(rc-room)
 * (extensions.conf); AMI ConfbridgeList shows who is in the room, and each phone hearing the two others' tones (and
 * no longer 440 Hz) proves the media between them without the console.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import { cleanup, phone } from '../testbed/asterisk/phones';
import { tonePhone, type TonePhone } from '../testbed/asterisk/tone-phone';
import { expect, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' };
const ROOM = '8000';
const BRIDGE = 'rc-room';
const TONES = { '2002': 600, '2003': 950, '2004': 1350, '2005': 1850 } as const;
const CONSOLE_TONE = 440;
/** A tone is heard when it is ≥ 4 % of what arrives (four equal tones each take ~20–25 %); absent ones measure < 0.5 %. */
const HEARD = 0.04;

let ami: AmiClient;
let console_: RunningConsole | undefined;
const phones: TonePhone[] = [];

test.beforeAll(async () => {
  ami = await connectTestbedAmi();
});
test.afterAll(async () => ami?.close());
test.afterEach(async ({}, testInfo) => {
  if (console_ && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console.log', { path: console_.logFile }).catch(() => undefined);
  await console_?.stop();
  console_ = undefined;
  // The room's members first (they are no longer the console's calls), then our phones.
  await ami.action({ Action: 'Command', Command: `confbridge kick ${BRIDGE} all` }).catch(() => undefined);
  for (const p of phones.splice(0)) await p.stop().catch(() => undefined);
  await cleanup();
});

const row = (page: Page, who: string) =>
  page.locator('li.call:not(.ended)').filter({ has: page.locator('.name, .number', { hasText: new RegExp(`^${who}$`) }) });
const panel = (page: Page) => page.getByTestId('conference-panel');
const party = (page: Page, who: string) => panel(page).locator('li.party').filter({ has: page.locator('.name', { hasText: new RegExp(`^${who}$`) }) });

async function open(page: Page, preferences: Record<string, unknown>): Promise<void> {
  // Raw microphone: Chromium's noise suppression fades a steady test tone out.
  console_ = await startConsole(UDP, { preferences: { language: 'en', audioProcessing: false, ...preferences } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

/** The receptionist calls `first`, then calls each of `others` into the conference from its row. */
async function startConference(page: Page, first: string, others: readonly string[]): Promise<void> {
  await page.getByRole('combobox', { name: 'Number', exact: true }).fill(first);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(row(page, first)).toContainText('Connected');
  for (const who of others) {
    const r = row(page, first);
    await r.getByRole('button', { name: 'Transfer' }).click();
    await r.getByLabel('Transfer to').fill(who);
    await r.getByRole('button', { name: 'Add to conference' }).click();
    await expect(row(page, who)).toContainText('Connected');
    await expect(row(page, who)).toContainText('In conference');
  }
}

/** Which of `freqs` `p` hears now (polled until it matches `expected`, so the last second reflects the new state). */
async function expectHears(p: TonePhone, expected: Record<number, boolean>): Promise<void> {
  const freqs = Object.keys(expected).map(Number);
  await expect
    .poll(() => Object.fromEntries(freqs.map((f) => [f, p.share(f) > HEARD])), { message: `what ${p.user} hears`, timeout: 12_000, intervals: [500] })
    .toEqual(Object.fromEntries(freqs.map((f) => [f, expected[f]])));
}

/** The PBX's channels of endpoint `user` right now. */
async function pbxChannels(user: string): Promise<string[]> {
  const events = await ami.list({ Action: 'CoreShowChannels' });
  return events.filter((e) => e.Event === 'CoreShowChannel' && e.Channel?.startsWith(`PJSIP/${user}-`) === true).map((e) => e.Channel ?? '');
}

async function roomMembers(): Promise<string[]> {
  const events = await ami.list({ Action: 'ConfbridgeList', Conference: BRIDGE }).catch(() => []);
  return events
    .filter((e) => e.Event === 'ConfbridgeList')
    .map((e) => /^PJSIP\/(\d+)-/.exec(e.Channel ?? '')?.[1] ?? e.Channel ?? '')
    .sort();
}

test('a conference of four: drop one, mute one, hold and resume, then Leave hands the others to ConfBridge where they still hear each other', async ({ page }) => {
  test.setTimeout(180_000);
  for (const [user, freq] of Object.entries(TONES)) phones.push(await tonePhone(user, freq));
  const [p2002, p2003, p2004, p2005] = phones as [TonePhone, TonePhone, TonePhone, TonePhone];
  await open(page, { conferenceRoom: ROOM });

  await startConference(page, '2002', ['2003', '2004', '2005']);
  await expect(panel(page).getByRole('heading', { name: 'My conference' })).toBeVisible();
  await expect(panel(page)).toContainText('4 participants');
  // Everyone hears everyone, mixed in the console: 2002 hears the receptionist and the three others.
  await expectHears(p2002, { [CONSOLE_TONE]: true, 950: true, 1350: true, 1850: true, 600: false });
  await expectHears(p2005, { [CONSOLE_TONE]: true, 600: true, 950: true, 1350: true, 1850: false });

  // Drop 2005: its call ends, the three others stay together.
  await party(page, '2005').getByRole('button', { name: 'Drop 2005 from the conference' }).click();
  await expect(party(page, '2005')).toHaveCount(0);
  await expect(panel(page)).toContainText('3 participants');
  await expect.poll(() => pbxChannels('2005'), { message: "2005's channel on the PBX" }).toEqual([]);
  await expectHears(p2002, { [CONSOLE_TONE]: true, 950: true, 1350: true, 1850: false });

  // Mute 2003: the others (and the receptionist) no longer get its voice; 2003 still hears everyone.
  const mute = party(page, '2003').getByRole('button', { name: 'Mute 2003 for everyone' });
  await mute.click();
  await expect(party(page, '2003').getByRole('button', { name: 'Unmute 2003' })).toHaveAttribute('aria-pressed', 'true');
  await expect(party(page, '2003')).toContainText('Muted');
  await expectHears(p2002, { [CONSOLE_TONE]: true, 950: false, 1350: true });
  await expectHears(p2004, { [CONSOLE_TONE]: true, 950: false, 600: true });
  await expectHears(p2003, { [CONSOLE_TONE]: true, 600: true, 1350: true });
  await party(page, '2003').getByRole('button', { name: 'Unmute 2003' }).click();
  await expectHears(p2002, { 950: true, 1350: true });

  // Hold: every party on hold (the PBX plays them its hold music), nobody hears the others; Resume brings all back.
  await panel(page).getByRole('button', { name: 'Hold conference' }).click();
  for (const who of ['2002', '2003', '2004']) await expect(party(page, who)).toContainText('On hold');
  await expectHears(p2002, { 950: false, 1350: false });
  await panel(page).getByRole('button', { name: 'Resume conference' }).click();
  for (const who of ['2002', '2003', '2004']) await expect(party(page, who)).toContainText('Connected');
  await expectHears(p2002, { [CONSOLE_TONE]: true, 950: true, 1350: true });

  // Leave: three parties, room 8000 configured — the panel says so, and each is handed to ConfBridge.
  await expect(panel(page)).toContainText(`Leave hands the others to conference room ${ROOM}`);
  await panel(page).getByRole('button', { name: 'Leave conference' }).click();
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
  await expect(panel(page)).toHaveCount(0);
  await expect.poll(roomMembers, { message: `the members of ConfBridge ${BRIDGE}`, timeout: 10_000 }).toEqual(['2002', '2003', '2004']);
  expect(await pbxChannels('2001')).toEqual([]);

  // In the room, without the console: each hears the two others (both directions of every member's media), not
  // itself, and no longer the receptionist.
  await expectHears(p2002, { 950: true, 1350: true, 600: false, [CONSOLE_TONE]: false });
  await expectHears(p2003, { 600: true, 1350: true, 950: false, [CONSOLE_TONE]: false });
  await expectHears(p2004, { 600: true, 950: true, 1350: false, [CONSOLE_TONE]: false });
  // What each member measured in the room (share of its last second per tone), kept with the report.
  const measured = Object.fromEntries(phones.slice(0, 3).map((p) => [p.user, Object.fromEntries([CONSOLE_TONE, 600, 950, 1350].map((f) => [f, Number(p.share(f).toFixed(3))]))]));
  await test.info().attach('confbridge-tone-shares.json', { body: JSON.stringify(measured, null, 2), contentType: 'application/json' });
  console.log(`ConfBridge ${BRIDGE}: tone shares heard by each member ${JSON.stringify(measured)}`);
  const moving = phones.slice(0, 3).map((p) => [p.user, p.packetsIn(), p.packetsOut()] as const);
  await page.waitForTimeout(1000);
  for (const [user, inBefore, outBefore] of moving) {
    const p = phones.find((x) => x.user === user)!;
    expect({ user, receiving: p.packetsIn() > inBefore + 25, sending: p.packetsOut() > outBefore + 25 }).toEqual({ user, receiving: true, sending: true });
  }
});

for (const theme of ['light', 'dark'] as const) {
  test(`Leave with three parties and no conference room: the panel explains and offers End or Stay; a room set in Settings is shown (${theme}, axe)`, async ({ page }) => {
    test.setTimeout(120_000);
    for (const user of ['2002', '2003', '2004']) await phone(user, 'answer');
    await open(page, { theme });
    await startConference(page, '2002', ['2003', '2004']);
    await expect(panel(page)).toContainText('3 participants');

    await party(page, '2004').getByRole('button', { name: 'Mute 2004 for everyone' }).click();
    await panel(page).getByRole('button', { name: 'Leave conference' }).click();
    const alert = panel(page).getByRole('alert');
    await expect(alert).toContainText("can only stay together in the PBX's conference room, and none is set up");
    // The panel with a muted party and the explanation open: no serious or critical WCAG 2.1 AA finding.
    await page.waitForTimeout(250);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('[data-testid="conference-panel"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await alert.getByRole('button', { name: 'Stay in the conference' }).click();
    await expect(alert).toHaveCount(0);
    for (const who of ['2002', '2003', '2004']) await expect(party(page, who)).toContainText('Connected');

    if (theme === 'light') {
      // The administrator's setting, here in Settings: with a room, the panel says where Leave hands the parties.
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      await dialog.getByLabel('Conference room (PBX)').fill(ROOM);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await expect(dialog).toBeHidden();
      await expect(panel(page)).toContainText(`Leave hands the others to conference room ${ROOM}`);
      await panel(page).getByRole('button', { name: 'End conference' }).click();
    } else {
      await panel(page).getByRole('button', { name: 'Leave conference' }).click();
      await panel(page).getByRole('alert').getByRole('button', { name: 'End for everyone' }).click();
    }
    await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
    await expect(panel(page)).toHaveCount(0);
  });
}
