/**
 * Issue 12 acceptance, call-routing services, against the real Asterisk 22 bed (tests/testbed/asterisk: the
 * [rc-services] dialplan honours the AstDB keys the console writes over AMI) and Kamailio for the anonymous caller.
 *
 * The console is 2001 over UDP (RTP bridge). PBX mode: provisioned with the `pbx` section (AMI), so DND everywhere,
 * forwarding and follow-me are written on the PBX; feature-codes mode: no `pbx`, `services.featureCodes` instead.
 * The other parties are sipp (tests/testbed/asterisk/phones.ts): 2003 a registered phone that rings, 2005 / 2004
 * callers, 2005 a far end that logs the INVITE it got, 2003 a colleague's BLF (SUBSCRIBE dialog). What Asterisk did
 * comes from AMI events of the call (every channel of one call carries the caller's Linkedid) and from AstDB.
 * Every test ends with the console stopped, every sipp killed and un-registered, every channel hung up and the keys of
 * 2001 wiped, even when it fails.
 */
import type { Locator, Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient, type AmiMessage } from '../testbed/asterisk/ami';
import {
  BLF_XML,
  KAMAILIO_SIP,
  Recorder,
  blfStates,
  call,
  cleanup,
  dbGet,
  dialEnd,
  dialOut,
  extensionState,
  phone,
  ringing,
  scenarioFile,
  spawnSipp,
  wipeCallServices,
  type Call,
} from '../testbed/asterisk/phones';
import { expect, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const RECEPTION = '2001';
const UDP: ConsoleAccount = { server: '127.0.0.1', port: 5070, transport: 'udp', user: RECEPTION, media: 'rtp' };
const PBX = { type: 'asterisk', context: 'internal', ami: { host: '127.0.0.1', port: 5038, user: 'console', secret: 'secret' } };
const FEATURE_CODES = {
  dndOn: '*78',
  dndOff: '*79',
  forwardAlwaysOn: '*72',
  forwardAlwaysOff: '*73',
  forwardBusyOn: '*90',
  forwardBusyOff: '*91',
  forwardNoAnswerOn: '*52',
  forwardNoAnswerOff: '*53',
};
/** The Dial() of 2001's extension with no service in force: both devices, 20 s, no follow-me leg. */
const PLAIN_DIAL = 'PJSIP/2001&PJSIP/2011,20,tTkK';

let ami: AmiClient;
let recorder: Recorder;
let console_: RunningConsole | undefined;

test.beforeAll(async () => {
  ami = await connectTestbedAmi();
  recorder = new Recorder(ami);
  await wipeCallServices(ami, RECEPTION);
});
test.afterAll(async () => {
  recorder?.detach();
  await ami?.close();
});
test.afterEach(async ({}, testInfo) => {
  // A failure keeps the console's log (SIP messages, the services' apply errors) with the report.
  if (console_ && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console.log', { path: console_.logFile }).catch(() => undefined);
  // The console first: it would otherwise write its services again after the wipe.
  await console_?.stop();
  console_ = undefined;
  await cleanup();
  await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
  await wipeCallServices(ami, RECEPTION);
});

// ───────────────────────────── helpers ─────────────────────────────

interface OpenOptions {
  readonly services?: Record<string, unknown>;
  readonly preferences?: Record<string, unknown>;
  /** PBX mode (the `pbx` section); default true. */
  readonly pbx?: boolean;
  readonly account?: ConsoleAccount;
}

/** Starts the console (English), opens it and waits until it is registered. */
async function open(page: Page, opts: OpenOptions = {}): Promise<void> {
  console_ = await startConsole(opts.account ?? UDP, {
    preferences: { language: 'en', ...opts.preferences },
    ...(opts.pbx !== false && { pbx: PBX }),
    ...(opts.services && { services: opts.services }),
  });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

/** PBX mode: the console wrote its state once (it always writes the DND action). */
async function appliedOnPbx(): Promise<void> {
  await expect.poll(() => dbGet(ami, 'RC', `${RECEPTION}/dndaction`), { timeout: 20_000 }).not.toBeUndefined();
}

const db = (family: string, key: string) => () => dbGet(ami, family, key);

/** The live call rows; `who` narrows to the rows mentioning it. */
const liveCalls = (page: Page, who?: string): Locator => page.locator('li.call:not(.ended)', who ? { hasText: who } : {});
const ringingRow = (page: Page, who: string): Locator => page.locator('li.call.incoming', { hasText: who });

/** Opens Settings › Services. */
async function servicesTab(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByTestId('services-tab').click();
  const panel = page.getByTestId('services-panel');
  await expect(panel).toBeVisible();
  return panel;
}

/** Saves the Services tab, expects "Saved." and closes Settings. */
async function saveServices(page: Page): Promise<void> {
  await page.getByTestId('services-save').click();
  await expect(page.getByTestId('services-status')).toHaveAttribute('data-status', 'saved');
  await page.getByTestId('services-close').click();
  await expect(page.getByTestId('services-panel')).toHaveCount(0);
}

/** The message history of the info pane (opened once). */
async function messageHistory(page: Page): Promise<Locator> {
  const history = page.locator('#message-history');
  if (!(await history.isVisible())) await page.getByRole('button', { name: 'Messages', exact: true }).click();
  await expect(history).toBeVisible();
  return history;
}

/** The Dial() the dialplan ran for this call toward 2001 (its AppData: devices, ring time, options). */
async function dialOf(c: Call): Promise<string> {
  const e = await recorder.waitFor(
    (m) => m.Event === 'Newexten' && m.Application === 'Dial' && m.Linkedid === c.linkedid && m.Exten === RECEPTION,
    `the Dial() of 2001 for ${c.channel}`,
  );
  return e.AppData ?? '';
}

/** Devices this call dialled (DialBegin), Local channels left out. */
const dialled = (c: Call): string[] =>
  recorder
    .of(c.linkedid)
    .filter((s) => s.e.Event === 'DialBegin' && !s.e.DestChannel?.startsWith('Local/'))
    .map((s) => (s.e.DestChannel ?? '').replace(/-[0-9a-f]+$/, ''));

/** The control that ends the forwarding tests: a call from 2005 rings the console, with the plain Dial(). */
async function expectNormalRinging(page: Page): Promise<void> {
  const c = await call(recorder, '2005', RECEPTION);
  expect(await dialOf(c)).toBe(PLAIN_DIAL);
  await recorder.waitFor(ringing(c, 'PJSIP/2001'), 'the console ringing');
  await expect(ringingRow(page, '2005')).toBeVisible();
  expect(dialled(c)).not.toContain('PJSIP/2003');
  await c.hangup();
  await expect(ringingRow(page, '2005')).toHaveCount(0);
}

const newexten = (c: Call, app: string) => (e: AmiMessage): boolean => e.Event === 'Newexten' && e.Application === app && e.Linkedid === c.linkedid;

// ───────────────────────────── forwarding and follow-me (PBX mode) ─────────────────────────────

test('forward always to 2003, set in Settings › Services: the call rings 2003 instead, the info pane shows it; off, the console rings again', async ({ page }) => {
  await open(page);
  await appliedOnPbx();
  await phone('2003', 'ring');

  const panel = await servicesTab(page);
  await expect(panel.getByTestId('services-forward-where')).toHaveAttribute('data-place', 'pbx');
  await panel.getByTestId('services-forward-always-enabled').check();
  await panel.getByTestId('services-forward-always-to').selectOption('number');
  await panel.getByTestId('services-forward-always-target').fill('2003');
  await saveServices(page);

  const indicator = page.getByTestId('info-forward-indicator');
  await expect(indicator).toHaveAttribute('data-target', '2003');
  await expect(indicator).toHaveAttribute('data-place', 'pbx');
  await expect(indicator).toContainText('Forwarded to 2003');
  await expect.poll(db('CF', RECEPTION)).toBe('2003');
  await expect(indicator).toHaveAttribute('data-apply-state', 'applied');

  const c = await call(recorder, '2005', RECEPTION);
  await recorder.waitFor(ringing(c, 'PJSIP/2003'), '2003 ringing for the forwarded call');
  expect(dialled(c)).toEqual(['PJSIP/2003']);
  await expect(liveCalls(page)).toHaveCount(0);
  await c.hangup();

  const off = await servicesTab(page);
  await off.getByTestId('services-forward-always-enabled').uncheck();
  await saveServices(page);
  await expect(indicator).toHaveCount(0);
  await expect.poll(db('CF', RECEPTION)).toBeUndefined();
  await expectNormalRinging(page);
});

test('forward when busy: call waiting off and the console on a call, it answers 486 and Asterisk forwards to 2003; off, nobody else rings', async ({ page }) => {
  await open(page, { preferences: { callWaiting: false }, services: { forwardBusy: { enabled: true, target: '2003' } } });
  await expect.poll(db('CFB', RECEPTION), { timeout: 20_000 }).toBe('2003');
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveAttribute('data-rules', 'forwardBusy');
  await phone('2003', 'ring');

  await page.getByLabel('Number', { exact: true }).fill('9999');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(liveCalls(page, '9999')).toContainText('Connected');

  const c = await call(recorder, '2005', RECEPTION);
  const busy = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), 'the console refusing');
  expect(busy.DialStatus).toBe('BUSY');
  await recorder.waitFor(ringing(c, 'PJSIP/2003'), '2003 ringing for the busy forward');
  await expect(liveCalls(page)).toHaveCount(1); // the echo call only: the second call never showed
  await c.hangup();

  const off = await servicesTab(page);
  await off.getByTestId('services-forward-busy-enabled').uncheck();
  await saveServices(page);
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveCount(0);
  await expect.poll(db('CFB', RECEPTION)).toBeUndefined();
  // Still busy: the caller now meets the busy voicemail of 2001, 2003 is left alone.
  const again = await call(recorder, '2005', RECEPTION);
  expect((await recorder.waitFor(dialEnd(again, 'PJSIP/2001'), 'the console refusing again')).DialStatus).toBe('BUSY');
  expect((await recorder.waitFor(newexten(again, 'VoiceMail'), 'the busy voicemail')).AppData).toMatch(/^2001@default,b/);
  expect(dialled(again)).not.toContain('PJSIP/2003');
  await again.hangup();

  await liveCalls(page, '9999').getByRole('button', { name: 'Hang up' }).click();
  await expect(liveCalls(page)).toHaveCount(0);
  await expectNormalRinging(page);
});

test('forward on no answer after 5 s: the console rings 5 s, then 2003 rings; off, the console rings with the normal ring time', async ({ page }) => {
  await open(page, { services: { forwardNoAnswer: { enabled: true, target: '2003', seconds: 5 } } });
  await expect.poll(db('AMPUSER', `${RECEPTION}/ringtimer`), { timeout: 20_000 }).toBe('5');
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveAttribute('data-rules', 'forwardNoAnswer');
  await phone('2003', 'ring');

  const c = await call(recorder, '2005', RECEPTION);
  expect(await dialOf(c)).toBe('PJSIP/2001&PJSIP/2011,5,tTkK');
  const first = await recorder.waitForSeen(ringing(c, 'PJSIP/2001'), 'the console ringing');
  await expect(ringingRow(page, '2005')).toBeVisible();
  const end = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), 'the console given up', 15_000);
  expect(end.DialStatus).toBe('NOANSWER');
  const forward = await recorder.waitForSeen(ringing(c, 'PJSIP/2003'), '2003 ringing for the no-answer forward');
  const waited = (forward.at - first.at) / 1000;
  expect(waited).toBeGreaterThanOrEqual(4.5);
  expect(waited).toBeLessThan(8);
  await expect(ringingRow(page, '2005')).toHaveCount(0);
  await c.hangup();

  const off = await servicesTab(page);
  await off.getByTestId('services-forward-no-answer-enabled').uncheck();
  await saveServices(page);
  await expect.poll(db('AMPUSER', `${RECEPTION}/ringtimer`)).toBeUndefined();
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveCount(0);
  await expectNormalRinging(page);
});

test('follow-me, set in Settings › Services: 2003 rings after 3 s while the console still rings; off, only the console rings', async ({ page }) => {
  await open(page);
  await appliedOnPbx();
  await phone('2003', 'ring');

  const panel = await servicesTab(page);
  await expect(panel.getByTestId('services-follow-me-where')).toHaveAttribute('data-place', 'pbx');
  await panel.getByTestId('services-follow-me-enabled').check();
  await panel.getByTestId('services-follow-me-number').fill('2003');
  await panel.getByTestId('services-follow-me-seconds').fill('3');
  await saveServices(page);
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveAttribute('data-rules', 'followMe');
  await expect.poll(db('RC', `${RECEPTION}/followme`)).toBe('2003');
  await expect.poll(db('RC', `${RECEPTION}/followme_delay`)).toBe('3');

  const c = await call(recorder, '2005', RECEPTION);
  expect(await dialOf(c)).toBe('PJSIP/2001&PJSIP/2011&Local/2001@rc-followme/n,20,tTkK');
  const first = await recorder.waitForSeen(ringing(c, 'PJSIP/2001'), 'the console ringing');
  await expect(ringingRow(page, '2005')).toBeVisible();
  const second = await recorder.waitForSeen(ringing(c, 'PJSIP/2003'), '2003 ringing (follow-me)');
  const waited = (second.at - first.at) / 1000;
  expect(waited).toBeGreaterThanOrEqual(2.5);
  expect(waited).toBeLessThan(6);
  // Both ring: the console's leg had not ended when 2003 started, and the console still shows the call ringing.
  expect(recorder.of(c.linkedid).filter((s) => dialEnd(c, 'PJSIP/2001')(s.e))).toEqual([]);
  await expect(ringingRow(page, '2005')).toBeVisible();
  await c.hangup();

  const off = await servicesTab(page);
  await off.getByTestId('services-follow-me-enabled').uncheck();
  await saveServices(page);
  await expect(page.getByTestId('info-conditional-forward-indicator')).toHaveCount(0);
  await expect.poll(db('RC', `${RECEPTION}/followme`)).toBeUndefined();
  await expectNormalRinging(page);
});

// ───────────────────────────── do-not-disturb ─────────────────────────────

test("DND on this console: the console answers 486, and a colleague's BLF of 2001 still shows it idle", async ({ page }) => {
  await open(page, { preferences: { doNotDisturb: true }, services: { dndScope: 'console' } });
  await appliedOnPbx();
  const dnd = page.getByTestId('info-dnd-indicator');
  await expect(dnd).toHaveAttribute('data-scope', 'console');
  await expect(dnd).toHaveAttribute('data-place', 'console');
  expect(await dbGet(ami, 'DND', RECEPTION)).toBeUndefined();
  await expect.poll(async () => (await extensionState(ami, RECEPTION)).status).toBe('0'); // Idle

  // A colleague (2003) watches 2001's BLF (dialog-info) until 6 s after the last NOTIFY.
  const blf = await spawnSipp(scenarioFile('blf-2001', BLF_XML(6000)), '2003');
  await expect.poll(() => blfStates(blf)).toEqual(['terminated']); // idle

  const c = await call(recorder, '2005', RECEPTION);
  const refused = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), 'the console refusing');
  expect(refused.DialStatus).toBe('BUSY');
  await expect(await messageHistory(page)).toContainText('called while you were on do not disturb: they heard a busy tone');
  await expect(liveCalls(page)).toHaveCount(0);
  await c.hangup();

  expect(await extensionState(ami, RECEPTION)).toEqual({ status: '0', text: 'Idle' });
  expect(await blf.done).toBe(0); // unsubscribed cleanly after the quiet time
  const states = blfStates(blf);
  expect(states).not.toContain('confirmed');
  expect(states.at(-1)).toBe('terminated');
});

test('DND on this console with the voicemail action: the console sends the caller to the deposit number, VoiceMail of 2001', async ({ page }) => {
  await open(page, { preferences: { doNotDisturb: true }, services: { dndScope: 'console', dndAction: 'voicemail' } });
  await appliedOnPbx();
  await expect(page.getByTestId('info-dnd-indicator')).toHaveAttribute('data-scope', 'console');

  const c = await call(recorder, '2005', RECEPTION, 10_000);
  // The console redirects (302) to *2001; Dial() follows it into the deposit extension, which runs VoiceMail.
  await recorder.waitFor((e) => e.Event === 'Newexten' && e.Linkedid === c.linkedid && e.Exten === '*2001', 'the deposit number *2001');
  const vm = await recorder.waitFor(newexten(c, 'VoiceMail'), 'VoiceMail() for this call');
  expect(vm.AppData).toMatch(/^2001@default/);
  expect(vm.Exten).toBe('*2001');
  await expect(await messageHistory(page)).toContainText('called while you were on do not disturb: sent to your voicemail');
  await expect(liveCalls(page)).toHaveCount(0);
  await c.hangup();
});

test("DND everywhere: Asterisk refuses (486, the console never rings), 2001's hint and a colleague's BLF show busy; a priority caller still rings", async ({ page }) => {
  await open(page, { preferences: { doNotDisturb: true }, services: { dndScope: 'everywhere', priorityCallers: ['2004'] } });
  await expect.poll(db('DND', RECEPTION), { timeout: 20_000 }).toBe('YES');
  await expect.poll(db('RC', `${RECEPTION}/priority/2004`)).toBe('1');
  const dnd = page.getByTestId('info-dnd-indicator');
  await expect(dnd).toHaveAttribute('data-scope', 'everywhere');
  await expect(dnd).toHaveAttribute('data-place', 'pbx');
  await expect.poll(async () => (await extensionState(ami, RECEPTION)).text).toBe('Busy');

  const blf = await spawnSipp(scenarioFile('blf-2001', BLF_XML(5000)), '2003');
  await expect.poll(() => blfStates(blf)).toContain('confirmed'); // busy

  const refused = await call(recorder, '2005', RECEPTION);
  expect(await refused.sipp.done).toBe(0);
  expect(refused.finals()).toEqual(['486']);
  expect(recorder.of(refused.linkedid).filter((s) => s.e.Event === 'DialBegin')).toEqual([]);
  await expect(liveCalls(page)).toHaveCount(0);

  const priority = await call(recorder, '2004', RECEPTION);
  await recorder.waitFor(ringing(priority, 'PJSIP/2001'), 'the priority caller ringing the console');
  await expect(ringingRow(page, '2004')).toBeVisible();
  await priority.hangup();
  await expect(liveCalls(page)).toHaveCount(0);
  expect(await blf.done).toBe(0); // unsubscribed cleanly after the quiet time
});

// ───────────────────────────── blacklist and anonymous callers ─────────────────────────────

test('blacklist, busy: 2005 is refused by the console (486) and the info pane says why', async ({ page }) => {
  await open(page, { services: { blacklist: ['2005'], blacklistAction: 'busy' } });
  await appliedOnPbx();
  const c = await call(recorder, '2005', RECEPTION);
  const refused = await recorder.waitFor(dialEnd(c, 'PJSIP/2001'), 'the console refusing');
  expect(refused.DialStatus).toBe('BUSY');
  await expect(await messageHistory(page)).toContainText(/2005.* was refused: number on your blacklist \(they heard a busy tone\)\./);
  await expect(liveCalls(page)).toHaveCount(0);
  await c.hangup();
});

test("blacklist, voicemail: 2005 is sent to 2001's voicemail and the info pane says so", async ({ page }) => {
  await open(page, { services: { blacklist: ['2005'], blacklistAction: 'voicemail' } });
  await appliedOnPbx();
  const c = await call(recorder, '2005', RECEPTION, 10_000);
  await recorder.waitFor((e) => e.Event === 'Newexten' && e.Linkedid === c.linkedid && e.Exten === '*2001', 'the deposit number *2001');
  expect((await recorder.waitFor(newexten(c, 'VoiceMail'), 'VoiceMail() for this call')).AppData).toMatch(/^2001@default/);
  await expect(await messageHistory(page)).toContainText(/2005.* was sent to your voicemail: number on your blacklist\./);
  await expect(liveCalls(page)).toHaveCount(0);
  await c.hangup();
});

test('anonymous callers (Kamailio): refused 486 with "busy"; with "allow", set in Settings › Services, the console rings', async ({ page }) => {
  await open(page, { account: { transport: 'udp', port: 5060, media: 'rtp' }, pbx: false, services: { anonymous: 'busy' } });
  const anonymous = () =>
    dialOut('anonymous', '1001', { server: KAMAILIO_SIP, auth: false, from: '"Anonymous" <sip:anonymous@anonymous.invalid>' });

  const refused = await anonymous();
  expect(await refused.sipp.done).toBe(0);
  expect(refused.finals()).toEqual(['486']);
  await expect(await messageHistory(page)).toContainText('An anonymous caller was refused (they heard a busy tone).');
  await expect(liveCalls(page)).toHaveCount(0);

  const panel = await servicesTab(page);
  await panel.getByTestId('services-anonymous').selectOption('allow');
  await saveServices(page);

  const allowed = await anonymous();
  const row = ringingRow(page, 'Anonymous');
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Decline' }).click();
  expect(await allowed.sipp.done).toBe(0);
  expect(allowed.finals()).toHaveLength(1);
  expect(allowed.finals()[0]).toMatch(/^(486|603)$/);
});

// ───────────────────────────── outgoing number ─────────────────────────────

test('outgoing number: "Present as" in the dial field, 2005 sees 0140000000 in From and PAI; anonymous hides 2001', async ({ page }) => {
  await open(page, { services: { identities: [{ number: '0140000000', label: 'Accueil' }] } });
  await appliedOnPbx();
  const far = await phone('2005', 'busy');
  const header = (invite: string, name: RegExp): string | undefined =>
    (invite.split('\n\n')[0] ?? '')
      .split('\n')
      .find((l) => name.test(l))
      ?.replace(/^[^:]+:\s*/, '');

  const presentAs = page.getByTestId('dial-present-as');
  await expect(presentAs.locator('option')).toHaveText(['My own number (2001)', 'Accueil (0140000000)', 'Anonymous (number hidden)']);
  await presentAs.selectOption('0140000000');
  await page.getByLabel('Number', { exact: true }).fill('2005');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect.poll(() => far.invites().length).toBe(1);
  const invite = far.invites()[0]!;
  expect(header(invite, /^(From|f)\s*:/i)).toMatch(/<sip:0140000000@/);
  expect(header(invite, /^P-Asserted-Identity\s*:/i)).toMatch(/<sip:0140000000@/);
  await expect(liveCalls(page)).toHaveCount(0); // 2005 answered busy

  await presentAs.selectOption('anonymous');
  await page.getByLabel('Number', { exact: true }).fill('2005');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect.poll(() => far.invites().length).toBe(2);
  const hidden = far.invites()[1]!;
  expect(header(hidden, /^(From|f)\s*:/i)).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>/);
  expect(header(hidden, /^P-Asserted-Identity\s*:/i)).toBeUndefined();
  expect(hidden.split('\n\n')[0]).not.toMatch(/2001|Reception/);
  await expect(liveCalls(page)).toHaveCount(0);
});

// ───────────────────────────── feature codes (no PBX connection) ─────────────────────────────

test('feature codes: DND everywhere from the console dials *78 (DND/2001 set, Asterisk refuses 2005); forward always dials *722003', async ({ page }) => {
  await open(page, { pbx: false, services: { dndScope: 'everywhere', featureCodes: FEATURE_CODES } });

  const panel = await servicesTab(page);
  await expect(panel.getByTestId('services-dnd-where')).toHaveAttribute('data-place', 'codes');
  await expect(panel.getByTestId('services-forward-where')).toHaveAttribute('data-place', 'codes');
  await panel.getByTestId('services-dnd-enabled').check();
  await saveServices(page);
  await expect.poll(db('DND', RECEPTION), { timeout: 20_000 }).toBe('YES');
  await expect(page.getByTestId('info-dnd-indicator')).toHaveAttribute('data-place', 'codes');
  await expect.poll(async () => (await extensionState(ami, RECEPTION)).text).toBe('Busy');

  const refused = await call(recorder, '2005', RECEPTION);
  expect(await refused.sipp.done).toBe(0);
  expect(refused.finals()).toEqual(['486']);
  expect(recorder.of(refused.linkedid).filter((s) => s.e.Event === 'DialBegin')).toEqual([]);

  const fwd = await servicesTab(page);
  await fwd.getByTestId('services-forward-always-enabled').check();
  await fwd.getByTestId('services-forward-always-to').selectOption('number');
  await fwd.getByTestId('services-forward-always-target').fill('2003');
  await saveServices(page);
  await expect.poll(db('CF', RECEPTION), { timeout: 20_000 }).toBe('2003');
  await expect(page.getByTestId('info-forward-indicator')).toHaveAttribute('data-place', 'codes');

  // Both off: *79 and *73.
  const off = await servicesTab(page);
  await off.getByTestId('services-dnd-enabled').uncheck();
  await off.getByTestId('services-forward-always-enabled').uncheck();
  await saveServices(page);
  await expect.poll(db('DND', RECEPTION), { timeout: 20_000 }).toBeUndefined();
  await expect.poll(db('CF', RECEPTION), { timeout: 20_000 }).toBeUndefined();
  await expect(page.getByTestId('info-dnd-indicator')).toHaveCount(0);
  await expect(page.getByTestId('info-forward-indicator')).toHaveCount(0);
  // The codes were dialled silently: no line ever showed.
  await expect(page.locator('li.call')).toHaveCount(0);
});
