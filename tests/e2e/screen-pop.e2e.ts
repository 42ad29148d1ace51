/**
 * Issue 12 §6 acceptance, screen pop under the web host: the console (1001 on the Kamailio bed) is provisioned with
 * `services.screenPop`; an outside caller (sipp, From "Zoë Ünal & Co" <sip:+33-1-23-45-67-89@example.com>) calls it;
 * a local HTTP server records the URLs the browser opens. Checks the encoding (+, spaces, UTF-8, &), the trigger
 * (ring or answer), single-window reuse, one window per call in multi mode, and the message when pop-ups are blocked.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { freeMediaPort, freeUdpPort } from '../testbed/asterisk/sipp';
import { expect, startConsole, test, type RunningConsole } from './console';

const NAME = 'Zo\u00eb \u00dcnal & Co';
const NUMBER = '+33-1-23-45-67-89';
/** What the browser must request for NAME / NUMBER (percent-encoded UTF-8; `+` as %2B, spaces as %20, `&` as %26). */
const ENCODED = 'n=%2B33-1-23-45-67-89&e=33123456789&p=%2B33123456789&name=Zo%C3%AB%20%C3%9Cnal%20%26%20Co';

let console_: RunningConsole | undefined;
let crm: Crm | undefined;
const callers: Promise<unknown>[] = [];
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  await Promise.allSettled(callers.splice(0));
  await crm?.close();
  crm = undefined;
});

/** The "CRM": answers every request with a small page and records the request line's target as received. */
interface Crm {
  readonly base: string;
  readonly urls: string[];
  close(): Promise<void>;
}
async function startCrm(): Promise<Crm> {
  const urls: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url !== '/favicon.ico') urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>CRM</title><p>Customer record</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    urls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const work = mkdtempSync(join(tmpdir(), 'rc-screenpop-'));

/**
 * An outside caller (no authentication: Kamailio lets foreign domains call its users) calls the console. It hangs up
 * `holdMs` after the console answers, or ACKs a decline. Resolves when sipp exits.
 */
async function callConsole(holdMs = 2000): Promise<{ code: number; output: string }> {
  const xml = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="screen-pop caller">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "${NAME}" <sip:${NUMBER}@example.com>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:caller@[local_ip]:[local_port]>
      Max-Forwards: 70
      User-Agent: sipp-screenpop
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="486" optional="true" next="1"/>
  <recv response="603" optional="true" next="1"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "${NAME}" <sip:${NUMBER}@example.com>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="${holdMs}"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "${NAME}" <sip:${NUMBER}@example.com>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true" next="2"/>
  <label id="1"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: "${NAME}" <sip:${NUMBER}@example.com>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <label id="2"/>
</scenario>
`;
  const file = join(work, 'caller.xml');
  writeFileSync(file, xml);
  const [sipPort, mediaPort] = [await freeUdpPort(), freeMediaPort()];
  const args = [
    '127.0.0.1:5060', '-sf', file, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-m', '1', '-s', '1001', '-nostdin', '-timeout', '40s', '-timeout_error',
    '-trace_err', '-error_file', join(work, `caller-${sipPort}.err.log`),
  ];
  return new Promise((resolve) => {
    execFile('sipp', args, { cwd: work, timeout: 50_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `sipp ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

function ring(holdMs?: number): Promise<{ code: number; output: string }> {
  const p = callConsole(holdMs);
  callers.push(p);
  return p;
}

const callRow = (page: Page) => page.locator('li.call', { hasText: NAME });

async function openConsole(page: Page, screenPop: Record<string, string>): Promise<void> {
  console_ = await startConsole({ transport: 'udp', port: 5060, media: 'rtp' }, { services: { screenPop } });
  await page.goto(console_.url);
  await expect(page.locator('.registration')).toHaveText(/Registered/);
}

/** Pages the console opened (every page of the context but the console's own). */
const popups = (context: BrowserContext, console: Page) => context.pages().filter((p) => p !== console);

/** The receptionist declines the ringing call and waits until it has ended. */
async function decline(page: Page, sipp: Promise<{ code: number; output: string }>): Promise<void> {
  await callRow(page).last().getByRole('button', { name: 'Decline' }).click();
  const r = await sipp;
  expect(r.code, r.output).toBe(0);
  await expect(callRow(page).last()).toContainText('Ended');
}

test('on ring: the CRM gets the caller\'s number (+, E.164) and name (spaces, UTF-8, &) percent-encoded, in a new tab', async ({ page, context }) => {
  crm = await startCrm();
  await openConsole(page, { incomingUrl: `${crm.base}/pop?n={caller}&e={caller_e164}&p={caller_e164plus}&name={name}&id={callid}`, outgoingUrl: '', trigger: 'ringing', window: 'browser' });
  const opened = context.waitForEvent('page');
  const sipp = ring();
  const row = callRow(page);
  await expect(row).toContainText('Ringing');
  const callId = await row.getAttribute('data-call-id');
  await expect.poll(() => crm!.urls).toEqual([`/pop?${ENCODED}&id=${callId}`]);
  const tab = await opened;
  await expect.poll(() => tab.url()).toBe(`${crm.base}/pop?${ENCODED}&id=${callId}`);
  // A new tab loses its opener: the CRM page cannot reach back into the console.
  expect(await tab.evaluate(() => (globalThis as unknown as { opener: unknown }).opener === null)).toBe(true);
  await decline(page, sipp);
  expect(crm.urls).toHaveLength(1);
});

test('on answer: nothing while it rings, one pop when the receptionist answers, none when the call ends', async ({ page }) => {
  crm = await startCrm();
  await openConsole(page, { incomingUrl: `${crm.base}/answered?name={name}&p={caller_e164plus}&id={callid}{window}`, outgoingUrl: '', trigger: 'answer', window: 'browser' });
  const sipp = ring(2500);
  const row = callRow(page);
  await expect(row).toContainText('Ringing');
  await page.waitForTimeout(1000);
  expect(crm.urls).toEqual([]);
  const callId = await row.getAttribute('data-call-id');
  await row.getByRole('button', { name: 'Answer' }).click();
  await expect(row).toContainText('Connected');
  await expect.poll(() => crm!.urls).toEqual([`/answered?name=Zo%C3%AB%20%C3%9Cnal%20%26%20Co&p=%2B33123456789&id=${callId}`]);
  const r = await sipp;
  expect(r.code, r.output).toBe(0);
  await expect(row).toContainText('Ended');
  expect(crm.urls).toHaveLength(1);
});

test('single window: the second call navigates the same pop-up window', async ({ page, context }) => {
  crm = await startCrm();
  await openConsole(page, { incomingUrl: `${crm.base}/single?p={caller_e164plus}&id={callid}`, outgoingUrl: '', trigger: 'ringing', window: 'single' });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const sipp = ring();
    const row = callRow(page).last();
    await expect(row).toContainText('Ringing');
    ids.push((await row.getAttribute('data-call-id')) ?? '');
    await expect.poll(() => crm!.urls.length).toBe(i + 1);
    await expect.poll(() => popups(context, page).map((p) => p.url())).toEqual([`${crm!.base}/single?p=%2B33123456789&id=${ids[i]}`]);
    await decline(page, sipp);
  }
  expect(ids[0]).not.toBe(ids[1]);
  expect(popups(context, page)).toHaveLength(1);
});

test('multi: one window per call', async ({ page, context }) => {
  crm = await startCrm();
  await openConsole(page, { incomingUrl: `${crm.base}/multi?id={callid}`, outgoingUrl: '', trigger: 'ringing', window: 'multi' });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const sipp = ring();
    const row = callRow(page).last();
    await expect(row).toContainText('Ringing');
    ids.push((await row.getAttribute('data-call-id')) ?? '');
    await expect.poll(() => popups(context, page).length).toBe(i + 1);
    await decline(page, sipp);
  }
  await expect.poll(() => popups(context, page).map((p) => p.url()).sort()).toEqual(ids.map((id) => `${crm!.base}/multi?id=${id}`).sort());
  expect(crm.urls).toHaveLength(2);
});

test('pop-ups blocked by the browser: the console says to allow them', async ({ page, context }) => {
  // Headless Chromium runs no pop-up blocker; a blocked window.open returns null (HTML §7.2.2.1), which is what the
  // receptionist's browser does when pop-ups are not allowed for the console.
  await context.addInitScript(() => {
    (globalThis as unknown as { open: () => null }).open = () => null;
  });
  crm = await startCrm();
  await openConsole(page, { incomingUrl: `${crm.base}/blocked?id={callid}`, outgoingUrl: '', trigger: 'ringing', window: 'single' });
  const sipp = ring();
  await expect(callRow(page)).toContainText('Ringing');
  // The newest toast is main's "incoming call" (it comes right after); the warning is in the message history.
  await page.getByRole('button', { name: 'Messages', exact: true }).click();
  await expect(page.locator('#message-history')).toContainText('The screen pop could not open: allow pop-ups for the console in this browser');
  expect(popups(context, page)).toHaveLength(0);
  expect(crm.urls).toEqual([]);
  await decline(page, sipp);
  // Said once, not at every call, until a pop opens again.
  const again = ring();
  await expect(callRow(page).last()).toContainText('Ringing');
  await expect(page.locator('#message-history li', { hasText: 'The screen pop could not open' })).toHaveCount(1);
  await decline(page, again);
});
