/**
 * The console against ASTERISK on another host: the Asterisk bed (tests/testbed/asterisk/: Asterisk 22, same
 * dialplan and endpoints) started a second time inside the remote bed's PBX namespace at 198.18.0.4
 * (tests/testbed/remote/asterisk.sh); the console (web host, root namespace) reaches it from 198.18.0.1 over the
 * veth "WAN". asterisk.e2e.ts does the same on 127.0.0.1, where media bound to loopback would go unnoticed.
 *
 * Far end: the echo test, 9999 (Answer + Echo): the console's fake microphone plays 440 Hz and hears it back, which
 * proves audio flows both ways. The console is 2001 over UDP/TCP (RTP bridge, plain RTP/AVP) and 2011 over
 * WebSocket (WebRTC: ICE, DTLS-SRTP); TCP exists only in the remote copy of the bed (remote/astconf.py).
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { near } from '../testbed/audio';
import { waitFor } from '../testbed/baresip';
import { REMOTE, REMOTE_ASTERISK, remoteAsteriskCli, startRemoteAsterisk, startRemoteBed } from '../testbed/remote';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

const AST = REMOTE_ASTERISK;
const ECHO = AST.echoExtension;

const rtpAccount = (transport: 'udp' | 'tcp'): ConsoleAccount => ({
  server: AST.address,
  port: AST.ports[transport],
  transport,
  user: AST.user,
  password: AST.password,
  media: 'rtp',
});
const WEBRTC: ConsoleAccount = {
  server: AST.address,
  port: AST.ports.ws,
  transport: 'ws',
  wsPath: AST.wsPath,
  user: AST.webrtcUser,
  password: AST.password,
  media: 'webrtc',
};

let console_: RunningConsole | undefined;

test.beforeAll(() => {
  // Both idempotent; both stay up for whoever comes next.
  startRemoteBed();
  startRemoteAsterisk();
});
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
  // A call whose client died without a BYE stays up in Asterisk (no RTP timeout).
  remoteAsteriskCli('channel request hangup all');
});

const registration = (page: Page) => page.locator('.registration');
const callRow = (page: Page, text: string) => page.locator('li.call', { hasText: text });

async function openConsole(page: Page, acc: ConsoleAccount): Promise<RunningConsole> {
  console_ = await startConsole(acc);
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/, { timeout: 20_000 });
  return console_;
}

/** SIP messages of the console's trace (its log file), in order: `out …` / `in …`. */
function sipTrace(c: RunningConsole): string[] {
  return readFileSync(c.logFile, 'utf8').split(/^\S+ DEBUG SIP /m).slice(1);
}

/** The last SDP we sent (`out`) or received (`in`), '' if none. */
function lastSdp(c: RunningConsole, dir: 'out' | 'in'): string {
  const sdps = sipTrace(c).filter((m) => m.startsWith(dir) && /\r?\nm=audio /.test(m));
  return sdps[sdps.length - 1] ?? '';
}

/** Audio address and port of an SDP. */
function media(sdp: string): { address: string; port: number } {
  const address = /\r?\nc=IN IP4 (\S+)/.exec(sdp)?.[1] ?? '';
  const port = Number(/\r?\nm=audio (\d+)/.exec(sdp)?.[1] ?? 0);
  return { address, port };
}

/** Asterisk has a contact for `user` registered from the console's address (so it is this Asterisk, not loopback). */
function registeredAtRemoteAsterisk(user: string): boolean {
  return remoteAsteriskCli('pjsip show contacts').split('\n').some((l) => l.includes(`${user}/sip:`) && l.includes(REMOTE.host));
}

async function dial(page: Page, target: string): Promise<void> {
  await page.getByLabel('Number', { exact: true }).fill(target);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await expect(callRow(page, target)).toContainText('Connected', { timeout: 20_000 });
}

/** What the console hears on the call with `who` is `hz` (checked a few times: media may need a moment). */
async function hears(page: Page, who: string, hz: number, timeoutMs = 10_000): Promise<void> {
  let last = 0;
  await waitFor(`the console to hear ${hz} Hz from ${who} (last ${last} Hz)`, async () => {
    last = await heardOn(page, callRow(page, who));
    return near(last, hz);
  }, timeoutMs, 500);
}

async function hangUp(page: Page, who: string): Promise<void> {
  await callRow(page, who).getByRole('button', { name: 'Hang up' }).click();
  await expect(callRow(page, who).first()).toContainText('Ended');
}

for (const transport of ['udp', 'tcp'] as const) {
  test(`RTP bridge over ${transport.toUpperCase()} to Asterisk on another host: the echo test (${ECHO}) sends our 440 Hz back`, async ({ page }) => {
    const c = await openConsole(page, rtpAccount(transport));
    expect(registeredAtRemoteAsterisk(AST.user)).toBe(true);
    await dial(page, ECHO);
    // The bridge advertises the address that routes to the PBX, not loopback; Asterisk answers from its own.
    const ours = media(lastSdp(c, 'out'));
    expect(ours.address).toBe(REMOTE.host);
    expect(ours.port).toBeGreaterThan(0);
    const theirs = media(lastSdp(c, 'in'));
    expect(theirs.address).toBe(AST.address);
    expect(theirs.port).toBeGreaterThanOrEqual(AST.rtpPorts.min);
    expect(theirs.port).toBeLessThanOrEqual(AST.rtpPorts.max);
    // The call really went over this transport.
    expect(sipTrace(c).some((m) => m.startsWith('out') && /\bINVITE sip:/.test(m) && new RegExp(`Via: SIP/2\\.0/${transport}`, 'i').test(m))).toBe(true);
    await page.waitForTimeout(1500);
    await hears(page, ECHO, 440);
    await hangUp(page, ECHO);
  });
}

test('WebRTC over WS to Asterisk on another host: DTLS-SRTP with a 198.18.0.4 candidate, the echo test sends our 440 Hz back', async ({ page }) => {
  const c = await openConsole(page, WEBRTC);
  expect(registeredAtRemoteAsterisk(AST.webrtcUser)).toBe(true);
  await dial(page, ECHO);
  // Asterisk's answer (the SIP stack runs in the web host, so it is in the trace): WebRTC profile, and its only ICE
  // candidate is the address RTP is bound to (the ACL in the generated rtp.conf drops 198.18.0.2/.3/.9).
  const answer = lastSdp(c, 'in');
  expect(answer).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF /);
  expect(answer).toMatch(/a=fingerprint:/);
  const candidates = [...answer.matchAll(/a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ host/g)].map((m) => m[1]);
  expect(candidates.length).toBeGreaterThan(0);
  expect(new Set(candidates)).toEqual(new Set([AST.address]));
  // Our offer's candidates include the console's address on the link to the PBX.
  expect(lastSdp(c, 'out')).toContain(` ${REMOTE.host} `);
  await page.waitForTimeout(1500);
  await hears(page, ECHO, 440);
  await hangUp(page, ECHO);
});
