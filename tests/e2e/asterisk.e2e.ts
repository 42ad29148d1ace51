/**
 * Issue #3 acceptance against a real PBX with the features Kamailio lacks: Asterisk 22 (tests/testbed/asterisk,
 * started by `npm test`). The console is 2001 over UDP (RTP bridge) or 2011 over WebSocket (WebRTC); the other
 * parties are sipp (2003..2005) and Asterisk applications (Echo 9999, ConfBridge 800, parking 700); AMI tells what
 * Asterisk did. Audio: the console's fake microphone plays 440 Hz, and Echo sends it back.
 */
import type { Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import { sipp } from '../testbed/asterisk/sipp';
import { near } from '../testbed/audio';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' };
const WS: ConsoleAccount = { server: '127.0.0.1', port: 8088, transport: 'ws', wsPath: '/ws', user: '2011', media: 'webrtc' };

let ami: AmiClient;
let console_: RunningConsole | undefined;
test.beforeAll(async () => {
  ami = await connectTestbedAmi();
});
test.afterAll(async () => ami?.close());
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
});

/** The live line whose remote party is `who` (a consultation row merely mentions the held caller). */
const row = (page: Page, who: string) =>
  page.locator('li.call:not(.ended)').filter({ has: page.locator('.name, .number', { hasText: new RegExp(`^${who.replace(/\*/g, '\\*')}$`) }) });

async function open(page: Page, account: ConsoleAccount): Promise<void> {
  console_ = await startConsole(account, { preferences: { language: 'en', parkExtension: '700', pickupPrefix: '**' } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}


async function dial(page: Page, target: string): Promise<void> {
  await page.getByLabel('Number', { exact: true }).fill(target);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
}

/** sipp as `from` calls `to` and keeps the call `holdMs`; resolves when sipp ends. */
function sippCall(from: string, to: string, holdMs = 20_000) {
  return sipp('uac.xml', from, { service: to, subst: { HOLD: holdMs, PCAP: '' } });
}

for (const [name, account] of [['UDP (RTP bridge)', UDP], ['WebSocket (WebRTC)', WS]] as const) {
  test(`registers over ${name} and hears itself through the echo test (9999)`, async ({ page }) => {
    await open(page, account);
    await dial(page, '9999');
    await expect(row(page, '9999')).toContainText('Connected');
    await page.waitForTimeout(2000);
    // Our 440 Hz went to Asterisk and came back: both directions work.
    expect(near(await heardOn(page, row(page, '9999')), 440)).toBe(true);
    await row(page, '9999').getByRole('button', { name: 'Hang up' }).click();
    await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
  });
}

test('directed pickup of a call ringing on 2003 (**2003)', async ({ page }) => {
  await open(page, UDP);
  const phone = await sipp('register.xml', '2003', { extra: ['-key', 'expires', '60'] });
  expect(phone.code).toBe(0);
  const ringing = sipp('uas_ring.xml', '2003', { sipPort: phone.sipPort });
  try {
    const caller = sippCall('2005', '2003');
    await ami.waitForEvent((e) => e.Event === 'DialState' && e.DialStatus === 'RINGING' && e.DestChannel?.startsWith('PJSIP/2003-') === true, 10_000);
    const pickup = ami.waitForEvent((e) => e.Event === 'Pickup' && e.Channel?.startsWith('PJSIP/2001-') === true, 10_000);
    await page.getByLabel('Number', { exact: true }).fill('2003');
    await page.getByRole('button', { name: 'Pick up' }).click();
    const ev = await pickup;
    // The picked-up leg is the one ringing 2003; its connected line is the caller, 2005.
    expect(ev.TargetConnectedLineNum).toBe('2005');
    await expect(page.locator('li.call:not(.ended)')).toContainText('Connected');
    await page.locator('li.call:not(.ended)').getByRole('button', { name: 'Hang up' }).click();
    await caller;
  } finally {
    await sipp('register.xml', '2003', { extra: ['-key', 'expires', '0'], sipPort: phone.sipPort });
    await ringing;
  }
});

test('a favorite (BLF from the 2003 hint) shows who is calling it, and clicking it picks the call up', async ({ page }) => {
  console_ = await startConsole(UDP, { preferences: { language: 'en', pickupPrefix: '**' }, favorites: [{ extension: '2003', name: 'Agent 2003' }] });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  await page.locator('#contacts-tab-favorites').click();
  const fav = page.locator('[data-favorite="2003"]');
  const phone = await sipp('register.xml', '2003', { extra: ['-key', 'expires', '60'] });
  expect(phone.code).toBe(0);
  const ringing = sipp('uas_ring.xml', '2003', { sipPort: phone.sipPort });
  try {
    await expect(fav).toHaveAttribute('data-state', 'idle', { timeout: 15_000 });
    const caller = sippCall('2005', '2003');
    await expect(fav).toHaveAttribute('data-state', 'ringing', { timeout: 10_000 });
    await expect(fav).toContainText('2005');
    const pickup = ami.waitForEvent((e) => e.Event === 'Pickup' && e.Channel?.startsWith('PJSIP/2001-') === true, 10_000);
    await fav.getByRole('button', { name: /^Agent 2003 \(2003\): .*Pick up/ }).click();
    expect((await pickup).TargetConnectedLineNum).toBe('2005');
    await expect(page.locator('li.call:not(.ended)')).toContainText('Connected');
    await page.locator('li.call:not(.ended)').getByRole('button', { name: 'Hang up' }).click();
    await caller;
  } finally {
    await sipp('register.xml', '2003', { extra: ['-key', 'expires', '0'], sipPort: phone.sipPort });
    await ringing;
  }
});

test('park a call on 700 and retrieve it from its slot', async ({ page }) => {
  await open(page, UDP);
  const caller = sippCall('2005', '2001', 25_000);
  await row(page, '2005').getByRole('button', { name: 'Answer' }).click();
  await expect(row(page, '2005')).toContainText('Connected');
  const parked = ami.waitForEvent((e) => e.Event === 'ParkedCall' && e.ParkeeCallerIDNum === '2005', 10_000);
  await row(page, '2005').getByRole('button', { name: 'Park' }).click();
  const slot = (await parked).ParkingSpace!;
  expect(Number(slot)).toBeGreaterThanOrEqual(701);
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
  // Retrieve: dial the slot.
  const unparked = ami.waitForEvent((e) => e.Event === 'UnParkedCall' && e.ParkeeCallerIDNum === '2005', 10_000);
  await dial(page, slot);
  await unparked;
  await expect(row(page, slot)).toContainText('Connected');
  await row(page, slot).getByRole('button', { name: 'Hang up' }).click();
  await caller;
});

test('blind transfer of an Asterisk caller to the echo test', async ({ page }) => {
  await open(page, UDP);
  const caller = sippCall('2005', '2001');
  await row(page, '2005').getByRole('button', { name: 'Answer' }).click();
  await expect(row(page, '2005')).toContainText('Connected');
  const blind = ami.waitForEvent((e: AmiMessage) => e.Event === 'BlindTransfer', 10_000);
  await row(page, '2005').getByRole('button', { name: 'Transfer' }).click();
  await page.getByLabel('Transfer to').fill('9999');
  await page.getByRole('button', { name: 'Transfer now' }).click();
  const ev = await blind;
  expect(ev.Result).toBe('Success');
  expect(ev.Extension).toBe('9999');
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' });
  await caller;
});

test('attended transfer of an Asterisk caller: consult 9999, complete', async ({ page }) => {
  await open(page, UDP);
  const caller = sippCall('2005', '2001');
  await row(page, '2005').getByRole('button', { name: 'Answer' }).click();
  await expect(row(page, '2005')).toContainText('Connected');
  await row(page, '2005').getByRole('button', { name: 'Transfer' }).click();
  await page.getByLabel('Transfer to').fill('9999');
  await page.getByRole('button', { name: 'Consult' }).click();
  await expect(row(page, '9999')).toContainText('Connected');
  await expect(row(page, '2005')).toContainText('On hold');
  const attended = ami.waitForEvent((e: AmiMessage) => e.Event === 'AttendedTransfer', 10_000);
  await row(page, '9999').getByRole('button', { name: 'Complete transfer' }).click();
  expect((await attended).Result).toBe('Success');
  await expect(page.locator('li.call:not(.ended)')).toHaveCount(0);
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' });
  await caller;
});

test('a ConfBridge (800) joined by the console and a second party', async ({ page }) => {
  await open(page, UDP);
  const joined = ami.waitForEvent((e) => e.Event === 'ConfbridgeJoin' && e.CallerIDNum === '2001', 10_000);
  await dial(page, '800');
  await expect(row(page, '800')).toContainText('Connected');
  await joined;
  const second = ami.waitForEvent((e) => e.Event === 'ConfbridgeJoin' && e.CallerIDNum === '2005', 10_000);
  const other = sippCall('2005', '800', 6000);
  await second;
  const list = await ami.list({ Action: 'ConfbridgeList', Conference: '800' });
  expect(list.filter((e) => e.Event === 'ConfbridgeList').map((e) => e.CallerIDNum).sort()).toEqual(['2001', '2005']);
  await row(page, '800').getByRole('button', { name: 'Hang up' }).click();
  await other;
});
