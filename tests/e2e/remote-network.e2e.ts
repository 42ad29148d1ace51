/**
 * Issue "Real networks": the console against a PBX on ANOTHER host. The remote test bed (tests/testbed/remote/) runs
 * Kamailio ×2 + rtpengine + baresip + an echo far end in network namespaces at 198.18.0.0/24; the console (web host,
 * root namespace) reaches it over a veth pair from 198.18.0.1, through a "WAN" that the tests cut, make lossy or
 * jittery. Audio is checked by frequency on both sides, as in basic-calls.e2e.ts.
 *
 * Far ends: 1003 (baresip, answers, plays 1000 Hz, records what it hears — until the first re-INVITE), 1002 (baresip,
 * calls us, 440 Hz), 1010 (sipp echo: we hear our own 440 Hz tone back, across any number of re-INVITEs — the proof
 * that audio flows both ways after a reconnection).
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { dominantFrequency, near } from '../testbed/audio';
import { waitFor } from '../testbed/baresip';
import {
  blockRtp,
  clearImpairments,
  cutLink,
  injectRtp,
  jitterOff,
  kamailio,
  REMOTE,
  remoteBaresip,
  remoteBaresipCalls,
  remoteHangupAll,
  remoteRecordings,
  remoteUri,
  restoreLink,
  setJitter,
  setLoss,
  startRemoteBed,
  unblockRtp,
} from '../testbed/remote';
import { expect, heardOn, startConsole, test, type ConsoleAccount, type RunningConsole } from './console';

type Transport = NonNullable<ConsoleAccount['transport']>;
type RemoteAccount = ConsoleAccount & Record<string, unknown>;

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

const registration = (page: Page) => page.locator('.registration');
const callRow = (page: Page, text: string) => page.locator('li.call', { hasText: text });

function account(transport: Transport, extra: RemoteAccount = {}): RemoteAccount {
  const port = REMOTE.ports[transport];
  const secure = transport === 'tls' || transport === 'wss';
  return {
    server: REMOTE.primary,
    port,
    transport,
    domain: REMOTE.domain,
    media: transport === 'ws' || transport === 'wss' ? 'webrtc' : 'rtp',
    ...(secure && { tlsCaFile: REMOTE.caFile }),
    ...extra,
  };
}

async function openConsole(page: Page, acc: RemoteAccount): Promise<RunningConsole> {
  console_ = await startConsole(acc as ConsoleAccount);
  await page.goto(console_.url);
  await expect(registration(page)).toHaveText(/Registered/, { timeout: 20_000 });
  return console_;
}

/** SIP messages of the console's trace (its log file), in order: `out …` / `in …`. */
/** The console's log as written so far. */
function consoleLog(c: RunningConsole): string {
  return readFileSync(c.logFile, 'utf8');
}

function sipTrace(c: RunningConsole): string[] {
  return readFileSync(c.logFile, 'utf8').split(/^\S+ DEBUG SIP /m).slice(1);
}

/** The audio address and port our last SDP gave the PBX (RTP bridge). */
function ourMedia(c: RunningConsole): { address: string; port: number } {
  const sdps = sipTrace(c).filter((m) => m.startsWith('out') && /\r?\nm=audio /.test(m));
  const last = sdps[sdps.length - 1] ?? '';
  const address = /\r?\nc=IN IP4 (\S+)/.exec(last)?.[1] ?? '';
  const port = Number(/\r?\nm=audio (\d+)/.exec(last)?.[1] ?? 0);
  return { address, port };
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

/** 1003's newest recording (what it heard from us) has our 440 Hz tone. */
async function farEndHeard440(user: '1003' | '1002'): Promise<void> {
  await waitFor(`${user} to hang up`, async () => !/sip:/.test(await remoteBaresipCalls(user)), 10_000);
  const rec = await waitFor(`${user}'s recording`, async () => remoteRecordings.newest(user));
  expect(near(dominantFrequency(rec, 0.5, 1), 440)).toBe(true);
}

for (const transport of ['udp', 'tcp', 'tls'] as const) {
  test(`RTP bridge over ${transport.toUpperCase()} to a PBX on another host: the console calls 1003, both sides hear each other`, async ({ page }) => {
    const c = await openConsole(page, account(transport));
    remoteRecordings.clear('1003');
    await dial(page, '1003');
    // The bridge advertises the address that routes to the PBX, not loopback (the silent-audio bug).
    // The log is written asynchronously: our SDP may reach the file just after the row shows Connected.
    await expect.poll(() => ourMedia(c).address).toBe(REMOTE.host);
    await page.waitForTimeout(1500);
    await hears(page, '1003', 1000);
    await page.waitForTimeout(1000);
    await hangUp(page, '1003');
    await farEndHeard440('1003');
  });

  test(`RTP bridge over ${transport.toUpperCase()}: 1002 on the other host calls the console, two-way audio`, async ({ page }) => {
    const c = await openConsole(page, account(transport));
    remoteRecordings.clear('1002');
    await remoteBaresip('1002', 'dial', remoteUri('1001'));
    const row = callRow(page, '1002');
    await row.getByRole('button', { name: 'Answer' }).click();
    await expect(row).toContainText('Connected');
    // The log is written asynchronously: our SDP may reach the file just after the row shows Connected.
    await expect.poll(() => ourMedia(c).address).toBe(REMOTE.host);
    await page.waitForTimeout(1500);
    await hears(page, '1002', 440);
    await page.waitForTimeout(1000);
    await hangUp(page, '1002');
    await farEndHeard440('1002');
  });
}

for (const transport of ['ws', 'wss'] as const) {
  test(`WebRTC over ${transport.toUpperCase()} to a PBX on another host: outgoing and incoming calls, both sides hear each other`, async ({ page }) => {
    await openConsole(page, account(transport));
    remoteRecordings.clear('1003');
    await dial(page, '1003');
    await page.waitForTimeout(1500);
    await hears(page, '1003', 1000);
    await page.waitForTimeout(1000);
    await hangUp(page, '1003');
    await farEndHeard440('1003');

    remoteRecordings.clear('1002');
    await remoteBaresip('1002', 'dial', remoteUri('1001'));
    const row = callRow(page, '1002');
    await row.getByRole('button', { name: 'Answer' }).click();
    await expect(row).toContainText('Connected');
    await page.waitForTimeout(1500);
    await hears(page, '1002', 440);
    await page.waitForTimeout(1000);
    await hangUp(page, '1002');
    await farEndHeard440('1002');
  });
}

for (const transport of ['udp', 'tcp', 'ws'] as const) {
  test(`a 4 s link cut during a call over ${transport.toUpperCase()}: the call stays up at both ends and audio comes back`, async ({ page }) => {
    test.setTimeout(120_000);
    const c = await openConsole(page, account(transport, { keepAliveSeconds: 2 }));
    await dial(page, REMOTE.echoUser);
    await hears(page, REMOTE.echoUser, 440);
    cutLink();
    await page.waitForTimeout(4000);
    restoreLink();
    await expect(callRow(page, REMOTE.echoUser)).toContainText('Connected');
    // The echo answers again: our audio reaches the far end and its audio reaches us.
    await hears(page, REMOTE.echoUser, 440, 20_000);
    await expect(registration(page)).toHaveText(/Registered/, { timeout: 30_000 });
    // The log says when the far end's audio stopped and when it came back (what an administrator reads first).
    await expect.poll(() => consoleLog(c)).toMatch(/INFO Call \S+: audio from the far end again \(a gap of about \d+ s\)/);
    expect(consoleLog(c)).toMatch(/INFO Call \S+: no audio from the far end for [2-9] s/);
    expect(sipTrace(c).filter((m) => m.startsWith('out') && /^out\s+BYE /m.test(m.replace(/\r/g, '')))).toHaveLength(0);
    await hangUp(page, REMOTE.echoUser);
  });

  test(`a Kamailio restart during a call over ${transport.toUpperCase()}: the call survives, audio and registration come back`, async ({ page }) => {
    test.setTimeout(120_000);
    const c = await openConsole(page, account(transport, { keepAliveSeconds: 2 }));
    await dial(page, REMOTE.echoUser);
    await hears(page, REMOTE.echoUser, 440);
    kamailio('primary', 'restart');
    await expect(registration(page)).toHaveText(/Registered/, { timeout: 30_000 });
    await expect(callRow(page, REMOTE.echoUser)).toContainText('Connected');
    await hears(page, REMOTE.echoUser, 440, 20_000);
    if (transport !== 'udp') {
      // A new connection ⇒ a new Contact: the call told the far end (target-refresh re-INVITE), so the far end's
      // requests reach us again.
      await waitFor('the target-refresh re-INVITE to be answered', async () =>
        sipTrace(c).some((m) => m.startsWith('in') && /SIP\/2\.0 200 /.test(m) && /CSeq: \d+ INVITE/.test(m) && /m=audio/.test(m)) &&
        sipTrace(c).filter((m) => m.startsWith('out') && /\bINVITE sip:/.test(m)).length >= 2,
      );
    }
    await hangUp(page, REMOTE.echoUser);
    // Our BYE went through the restarted proxy and was answered.
    await waitFor('the BYE to be answered', async () =>
      sipTrace(c).some((m) => m.startsWith('in') && /SIP\/2\.0 200 /.test(m) && /CSeq: \d+ BYE/.test(m)),
    );
  });
}

test('the machine wakes up / the network changes during a call over TCP: a new connection, the call goes on', async ({ page }) => {
  test.setTimeout(120_000);
  const c = await openConsole(page, account('tcp'));
  await dial(page, REMOTE.echoUser);
  await hears(page, REMOTE.echoUser, 440);
  const invitesBefore = sipTrace(c).filter((m) => m.startsWith('out') && /\bINVITE sip:/.test(m)).length;
  // What Electron's powerMonitor "resume" / "unlock-screen" and the network "online" event do (web host: SIGUSR2).
  c.process.kill('SIGUSR2');
  await expect(registration(page)).toHaveText(/Registered/, { timeout: 20_000 });
  await waitFor('the target-refresh re-INVITE', async () =>
    sipTrace(c).filter((m) => m.startsWith('out') && /\bINVITE sip:/.test(m)).length > invitesBefore,
  );
  await expect(callRow(page, REMOTE.echoUser)).toContainText('Connected');
  await hears(page, REMOTE.echoUser, 440, 15_000);
  await hangUp(page, REMOTE.echoUser);
  await waitFor('the BYE to be answered', async () =>
    sipTrace(c).some((m) => m.startsWith('in') && /SIP\/2\.0 200 /.test(m) && /CSeq: \d+ BYE/.test(m)),
  );
});

test('media gone for longer than the RTP timeout: the console ends the call with a BYE, the far end too, and says why', async ({ page }) => {
  test.setTimeout(120_000);
  const c = await openConsole(page, account('udp', { mediaTimeoutSeconds: 5 }));
  await dial(page, '1003');
  await hears(page, '1003', 1000);
  expect(await remoteBaresipCalls('1003')).toMatch(/ESTABLISHED/);
  blockRtp(); // signalling keeps working, audio is gone
  await expect(callRow(page, '1003').first()).toContainText('Line lost', { timeout: 20_000 });
  const log = consoleLog(c);
  expect(log).toMatch(/INFO Call (\S+): no audio from the far end for [23] s\n(?:.*\n)*?.*WARN Call \1: no audio for 5 s, the line is lost/);
  await expect(page.locator('body')).toContainText('The line to 1003 was lost');
  expect(sipTrace(c).some((m) => m.startsWith('out') && /\bBYE sip:/.test(m))).toBe(true);
  await waitFor("1003's call to end", async () => !/sip:/.test(await remoteBaresipCalls('1003')), 10_000);
  unblockRtp();
});

test('5 % packet loss each way, then 40 ms ± 20 ms jitter: the far end still hears the tone', async ({ page }) => {
  test.setTimeout(120_000);
  await openConsole(page, account('udp'));
  setLoss(0.05);
  remoteRecordings.clear('1003');
  await dial(page, '1003');
  await page.waitForTimeout(3000);
  await hears(page, '1003', 1000);
  await hangUp(page, '1003');
  await farEndHeard440('1003');
  setLoss(0);

  setJitter(40, 20);
  try {
    remoteRecordings.clear('1003');
    await dial(page, '1003');
    await page.waitForTimeout(3000);
    await hears(page, '1003', 1000);
    await hangUp(page, '1003');
    await farEndHeard440('1003');
  } finally {
    jitterOff();
  }
});

test('RTP sent to the bridge from a third address on the network is not heard by the receptionist', async ({ page }) => {
  const c = await openConsole(page, account('udp'));
  await page.getByLabel('Number', { exact: true }).fill('1003');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  // Inject as early as the port is known (before or while the PBX's audio starts), 3000 Hz from 198.18.0.9.
  const media = await waitFor('our SDP', async () => {
    const m = ourMedia(c);
    return m.port > 0 ? m : undefined;
  });
  expect(media.address).toBe(REMOTE.host);
  const injection = injectRtp({ to: media, freqHz: 3000, seconds: 8 });
  try {
    await expect(callRow(page, '1003')).toContainText('Connected');
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(700);
      expect(near(await heardOn(page, callRow(page, '1003')), 1000)).toBe(true);
    }
  } finally {
    await injection.stop();
  }
  expect(await injection.done).toMatch(/sent/i);
  await hangUp(page, '1003');
});

test('primary server stopped: registered on the secondary within 10 s and calls work; primary back: returns to it', async ({ page }) => {
  test.setTimeout(150_000);
  await openConsole(page, {
    ...account('udp'),
    servers: [
      { host: REMOTE.primary, port: 5060, transport: 'udp' },
      { host: REMOTE.secondary, port: 5060, transport: 'udp' },
    ],
    keepAliveSeconds: 2,
  });
  await expect(registration(page)).not.toContainText('backup');
  try {
    const stoppedAt = Date.now();
    kamailio('primary', 'stop');
    await expect(registration(page)).toContainText(`on backup server ${REMOTE.secondary}:5060`, { timeout: 15_000 });
    await expect(registration(page)).toContainText('Registered');
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
    await dial(page, '1004');
    await hears(page, '1004', 2000);
    await hangUp(page, '1004');
  } finally {
    kamailio('primary', 'start');
  }
  // The first server answers again: the console returns to it (probe every 15 s, once no call is up).
  await expect(registration(page)).not.toContainText('backup', { timeout: 45_000 });
  await expect(registration(page)).toContainText('Registered');
  await dial(page, '1003');
  await hears(page, '1003', 1000);
  await hangUp(page, '1003');
});

test('a domain account resolved through DNS SRV to two servers fails over and back the same way', async ({ page }) => {
  test.setTimeout(150_000);
  await openConsole(page, {
    ...account('udp'),
    server: REMOTE.domain,
    port: undefined,
    servers: [{ host: REMOTE.domain, transport: 'udp' }],
    dnsServers: [REMOTE.dns],
    keepAliveSeconds: 2,
  });
  await expect(registration(page)).not.toContainText('backup');
  try {
    kamailio('primary', 'stop');
    await expect(registration(page)).toContainText('on backup server sip2.pbx.test:5060', { timeout: 15_000 });
    await dial(page, '1004');
    await hears(page, '1004', 2000);
    await hangUp(page, '1004');
  } finally {
    kamailio('primary', 'start');
  }
  await expect(registration(page)).not.toContainText('backup', { timeout: 45_000 });
  await expect(registration(page)).toContainText('Registered');
});

test('the company CA is required for TLS: without it the receptionist reads why, in plain words', async ({ page }) => {
  console_ = await startConsole({ ...account('tls'), tlsCaFile: undefined } as ConsoleAccount);
  await page.goto(console_.url);
  await expect(registration(page)).toContainText('not signed by a trusted authority', { timeout: 20_000 });
});

test('a TLS server name that is not in the certificate is refused in plain words', async ({ page }) => {
  console_ = await startConsole({ ...account('tls'), server: 'other.test', dnsServers: [REMOTE.dns] } as ConsoleAccount);
  await page.goto(console_.url);
  await expect(registration(page)).toContainText('for another name', { timeout: 20_000 });
});
