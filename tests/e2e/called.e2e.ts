/**
 * Issue 13 item 3: a ringing call says who it is for — the number dialed (DNIS) named after the company the
 * receptionist answers it for, and who forwarded it (Diversion) — so she greets correctly.
 *
 * - Kamailio (a proxy: it keeps the caller's To and relays its headers): an outside caller (sipp) dials the company
 *   number 0331234567, routed to the console (Request-URI 1001); the name comes from Settings. A Diversion the caller
 *   wrote itself is not believed behind a proxy unless the account trusts it (trustRelayedHeaders, docs/security.md).
 * - Asterisk 22 (a PBX: it builds the INVITE, so its Diversion is believed): 2003 forwards all calls to 2001 (the
 *   console) with the [rc-services] dialplan, which sets REDIRECTING; Asterisk's PJSIP sends it as Diversion.
 */
import type { Page } from '@playwright/test';
import { connectTestbedAmi, type AmiClient } from '../testbed/asterisk/ami';
import { KAMAILIO_SIP, cleanup, dialOut, wipeCallServices } from '../testbed/asterisk/phones';
import { expect, startConsole, test, type RunningConsole } from './console';

let console_: RunningConsole | undefined;
let ami: AmiClient | undefined;

test.afterEach(async ({}, testInfo) => {
  if (console_ && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('console.log', { path: console_.logFile }).catch(() => undefined);
  await console_?.stop();
  console_ = undefined;
  await cleanup();
  if (ami) {
    await ami.action({ Action: 'Command', Command: 'channel request hangup all' }).catch(() => undefined);
    await wipeCallServices(ami, '2003');
    await ami.close();
    ami = undefined;
  }
});

const ringingRow = (page: Page) => page.locator('li.call.incoming');

test('Kamailio: the company number dialed is named (set in Settings); a caller-written Diversion is not believed', async ({ page }) => {
  console_ = await startConsole({ transport: 'udp', media: 'rtp' });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);

  // The receptionist lists the numbers she answers for; a line she mistyped is named, nothing is saved.
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const names = page.getByLabel('Numbers you answer for');
  await names.fill('03 31 23 45 67 Dupont SA\nMartin');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Line 2 is not understood' })).toBeVisible();
  await names.fill('03 31 23 45 67 Dupont SA\n+33 1 40 00 00 00 = Martin & Fils');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('dialog')).toBeHidden();

  const caller = await dialOut('0612345678', '1001', {
    server: KAMAILIO_SIP,
    auth: false,
    from: '"Client" <sip:0612345678@customer.invalid>',
    toUser: '0331234567',
    headers: ['Diversion: "The CEO" <sip:1000@customer.invalid>;reason=unconditional'],
    holdMs: 500,
  });
  const row = ringingRow(page);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('called-line')).toHaveText('For Dupont SA (0331234567)');
  // Kept across a reload (saved preference), and said to a screen reader with the call.
  await expect(page.getByTestId('call-announcement')).toContainText('For Dupont SA (0331234567)');
  await page.reload();
  await expect(ringingRow(page).getByTestId('called-line')).toHaveText('For Dupont SA (0331234567)');
  await caller.sipp.kill();
});

test('Kamailio with trusted relayed headers: "Forwarded by Bob (1003), no answer", in French too', async ({ page }) => {
  // trustRelayedHeaders is an account field (the administrator's: the proxy strips these headers from its users).
  console_ = await startConsole(
    { transport: 'udp', media: 'rtp', trustRelayedHeaders: true },
    { preferences: { language: 'fr', calledNames: [{ number: '+33331234567', name: 'Dupont SA' }] } },
  );
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Enregistré/);
  const caller = await dialOut('0612345678', '1001', {
    server: KAMAILIO_SIP,
    auth: false,
    from: '"Client" <sip:0612345678@customer.invalid>',
    toUser: '1001',
    headers: ['Diversion: "Bob" <sip:1003@127.0.0.1>;reason=no-answer;counter=1, <sip:0331234567@127.0.0.1>;reason=unconditional'],
    holdMs: 500,
  });
  await expect(ringingRow(page).getByTestId('called-line')).toHaveText('Pour Dupont SA (0331234567) · Renvoyé par Bob (1003), non-réponse');
  await caller.sipp.kill();
});

test('Asterisk: 2003 forwards all calls to the console; the ringing call says "Forwarded by 2003"', async ({ page }) => {
  ami = await connectTestbedAmi();
  await wipeCallServices(ami, '2003');
  console_ = await startConsole({ server: '127.0.0.1', port: 5070, transport: 'udp', user: '2001', media: 'rtp' });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
  // Forward always on 2003 (the FreePBX key the [rc-services] dialplan reads), as 2003's own *72 would set it.
  await ami.action({ Action: 'DBPut', Family: 'CF', Key: '2003', Val: '2001' });

  const caller = await dialOut('2005', '2003', { holdMs: 8000 });
  const row = ringingRow(page);
  await expect(row).toBeVisible();
  await expect(row).toContainText('2005');
  await expect(row.getByTestId('called-line')).toHaveText('Forwarded by 2003, forwards all calls');
  // Answered, the line keeps saying it (she may need it while she talks).
  await row.getByRole('button', { name: 'Answer' }).click();
  await expect(page.locator('li.call.active').getByTestId('called-line')).toHaveText('Forwarded by 2003, forwards all calls');
  await caller.sipp.kill();
});
