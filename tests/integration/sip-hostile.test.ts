/**
 * Hostile SIP (issue 15, suite b): the console against a PBX that sends it garbage.
 *
 * A fake PBX we own (helpers/fake-pbx.ts: registrar with a Digest challenge, notifier, caller) on 127.0.0.1 over UDP,
 * TCP and WebSocket. The console (createSoftphone) registers, watches a colleague (BLF, RFC 4235) and its mailbox
 * (MWI, RFC 3842); then, on the very flow it uses, the PBX sends
 *   1. our own cases for each RFC 4475 category (helpers/sip-torture.ts): valid but tortuous, invalid, application
 *      layer, transaction layer, plus in-dialog oddities during an answered call;
 *   2. a few thousand seeded mutations of a valid INVITE and of NOTIFY bodies (dialog-info+xml, message-summary).
 * After each case and each batch: no uncaught exception or unhandled rejection anywhere in the process, the event loop
 * answers a setImmediate probe within 1 s, the console still answers OPTIONS on the flow, it is still registered
 * (no state change, no new REGISTER), and a valid INVITE still rings and is then answered (and hung up by the PBX)
 * or declined properly.
 *
 * Over TCP, bytes that break the console's stream framing by design (a header section over 64 KiB, a body over 1 MiB)
 * cost the connection: those are sent in a test of their own, which expects the console to come back registered.
 *
 * Seed: SIP_HOSTILE_SEED=<n> replays a run (printed at the start; every failure repeats it and saves the batch).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSoftphone } from '../../sip-core';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSession, MediaSessionFactory } from '../../sip-core/api/media';
import type { MailboxWatch, Watch } from '../../sip-core/api/presence';
import type { RegistrationState } from '../../sip-core/api/registration-state';
import type { Call, SipLogger, Softphone } from '../../sip-core/api/softphone';
import { FakePbx, defaultContentType } from './helpers/fake-pbx';
import {
  dialogInfoBody,
  inviteTemplate,
  messageSummaryBody,
  mutateBody,
  mutateMessage,
  notifyAround,
  offerSdp,
  TORTURE_CASES,
  type TortureCase,
  type TortureContext,
} from './helpers/sip-torture';
import { deriveSeed, header, Rng, suiteSeed, type WireTransport } from './helpers/sip-wire';
import { sleep, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(150_000);

const SEED = suiteSeed(process.env.SIP_HOSTILE_SEED);
const USER = '1001';
const PASSWORD = 'hostile-secret';
/** Mutations per transport (× 3 transports: a few thousand in all). */
const INVITE_MUTATIONS = Number(process.env.SIP_HOSTILE_INVITES ?? 600);
const DIALOG_MUTATIONS = Number(process.env.SIP_HOSTILE_BLF ?? 400);
const MWI_MUTATIONS = Number(process.env.SIP_HOSTILE_MWI ?? 300);
const BATCH = 100;
/** Every this many messages, an OPTIONS ping: a failure then names a short stretch of the batch. */
const PING_EVERY = 25;

// Jest hands test files a copy of `process`: listeners added to it never hear the real process's uncaught exceptions.
// A function made by the outer realm's Function constructor sees the real one.
const hostProcess = (Buffer.constructor as FunctionConstructor)('return process')() as NodeJS.Process;
const crashes: string[] = [];
const onCrash = (e: unknown): void => {
  crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
};
let dumpDir: string | undefined;

beforeAll(() => {
  hostProcess.prependListener('uncaughtException', onCrash);
  hostProcess.prependListener('unhandledRejection', onCrash);
  console.log(`sip-hostile: seed ${SEED} (replay with SIP_HOSTILE_SEED=${SEED})`);
});
afterAll(() => {
  hostProcess.off('uncaughtException', onCrash);
  hostProcess.off('unhandledRejection', onCrash);
});

/** Media that negotiates without sockets: the media is not under test here. */
const ANSWER_SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
const fakeMedia: MediaSessionFactory = {
  create(): MediaSession {
    return {
      createOffer: () => Promise.resolve(ANSWER_SDP),
      createAnswer: () => Promise.resolve(ANSWER_SDP),
      acceptAnswer: () => Promise.resolve(),
      sendDtmf: () => Promise.resolve(false),
      close: () => undefined,
    };
  },
};

function immediateLatency(): Promise<number> {
  const at = performance.now();
  return new Promise((r) => setImmediate(() => r(performance.now() - at)));
}

function waitForCall(call: Call, predicate: (s: CallSnapshot) => boolean, timeoutMs = 8000): Promise<CallSnapshot | undefined> {
  return new Promise((resolve) => {
    if (predicate(call.snapshot())) return resolve(call.snapshot());
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, timeoutMs);
    const off = call.onDidChange((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, sleep(ms).then(() => undefined)]);
}

describe.each(['udp', 'tcp', 'ws'] as const)('hostile SIP over %s from a fake PBX', (transport: WireTransport) => {
  const seed = deriveSeed(SEED, transport);
  const rng = new Rng(seed);
  let pbx: FakePbx;
  let phone: Softphone;
  let blf: Watch;
  let mailbox: MailboxWatch;
  /** Registration changes since the last healthy baseline (must stay empty outside the framing test). */
  let transitions: RegistrationState[] = [];
  let registrationsAtBaseline = 0;
  const hostileCalls: Call[] = [];
  const checkWaiters: ((call: Call) => void)[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const log = { warn: 0, error: 0, traced: 0, dropped: 0 };
  const stats = { sent: 0, cases: 0, mutations: 0, rang: 0, checks: 0, deferred: 0, reconnects: 0 };
  const outcomes: string[] = [];
  /** TCP: cases and mutations whose bytes break the stream framing; sent by the framing test. */
  const framingKillers: { label: string; bytes: (string | Buffer)[] }[] = [];
  const maxBytes = transport === 'udp' ? 65_000 : 256 * 1024;

  const logger: SipLogger = {
    // SIP.js's warnings arrive here; the transport's guard says "Dropped a SIP message SIP.js could not handle".
    debug: (m) => void (/Dropped a SIP message/.test(m) && log.dropped++),
    info: () => undefined,
    warn: () => void log.warn++,
    error: () => void log.error++,
    // The production trace path (redaction, password scrubbing) runs on every hostile message too.
    sipTrace: () => void log.traced++,
  };

  const ctx = (): TortureContext => ({ transport, pbx, rng, maxBytes });

  function fail(why: string, label: string, batch: readonly (string | Buffer)[]): never {
    dumpDir ??= mkdtempSync(path.join(tmpdir(), 'sip-hostile-'));
    const file = path.join(dumpDir, `${transport}-${SEED}-${label.replace(/[^\w.-]+/g, '_')}.json`);
    writeFileSync(file, JSON.stringify(batch.map((m) => (typeof m === 'string' ? Buffer.from(m, 'utf8') : m).toString('base64')), null, 1));
    throw new Error(`[${transport}] ${why} — after ${label}. Seed ${SEED} (SIP_HOSTILE_SEED=${SEED}); the messages (base64) are in ${file}`);
  }

  /** Resolves with the next incoming call from the checker (the valid INVITE), or undefined. */
  function nextCheckCall(timeoutMs: number): Promise<Call | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = checkWaiters.indexOf(got);
        if (i >= 0) checkWaiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      const got = (call: Call): void => {
        clearTimeout(timer);
        resolve(call);
      };
      checkWaiters.push(got);
    });
  }

  async function send(batch: readonly (string | Buffer)[], label: string): Promise<void> {
    let n = 0;
    for (const m of batch) {
      if (await pbx.sendRaw(m)) stats.sent++;
      // One at a time: the console reads each before the next (and UDP receive buffers never overflow).
      await new Promise((r) => setImmediate(r));
      if (++n % PING_EVERY === 0) await pingOrFail(label, batch);
    }
  }

  /** A crash is reported once, by the check that first sees it (later tests then report their own). */
  function noCrash(label: string, batch: readonly (string | Buffer)[]): void {
    const seen = crashes.splice(0);
    if (seen.length > 0) fail(`${seen.length} uncaught exception(s) or unhandled rejection(s), the first:\n${seen[0]}`, label, batch);
  }

  async function pingOrFail(label: string, batch: readonly (string | Buffer)[]): Promise<void> {
    noCrash(label, batch);
    if (!(await pbx.ping())) fail('the console no longer answers OPTIONS on its flow', label, batch);
  }

  /** Decline whatever hostile INVITEs made ring (they were left ringing so CANCELs had something to cancel). */
  async function declineHostileCalls(): Promise<void> {
    for (const call of hostileCalls.splice(0)) {
      const s = call.snapshot().state;
      if (s === 'incoming') await call.decline(486).catch(() => undefined);
      else if (s !== 'ended') await call.hangup().catch(() => undefined);
    }
  }

  /** A valid INVITE from the PBX rings; odd checks are answered (then the PBX hangs up), even ones declined. */
  async function validInviteRings(label: string, batch: readonly (string | Buffer)[]): Promise<void> {
    const n = ++stats.checks;
    const rang = nextCheckCall(10_000);
    const pc = pbx.invite('checker', 'Valid Caller');
    const call = await rang;
    if (!call) fail('a valid INVITE no longer rings (no onIncomingCall)', label, batch);
    if ((await within(pc.ringing.then(() => true), 5000)) === undefined) fail('a valid INVITE got no 180 Ringing', label, batch);
    expect(call.snapshot()).toMatchObject({ direction: 'incoming', state: 'incoming', remote: { user: 'checker', displayName: 'Valid Caller' } });
    if (n % 2 === 1) {
      await call.answer();
      if ((await within(pc.final, 5000)) !== 200) fail(`answering sent ${pc.statuses.join(',')} instead of 200`, label, batch);
      if (!(await waitForCall(call, (s) => s.state === 'active'))) fail(`answered call is ${call.snapshot().state}, not active`, label, batch);
      const bye = await pbx.bye(pc);
      if (bye !== 200) fail(`BYE answered ${bye}`, label, batch);
      const ended = await waitForCall(call, (s) => s.state === 'ended');
      if (ended?.endReason !== 'remote-hangup') fail(`call ended ${JSON.stringify(ended ?? call.snapshot())}`, label, batch);
    } else {
      await call.decline(486);
      if ((await within(pc.final, 5000)) !== 486) fail(`declining sent ${pc.statuses.join(',')} instead of 486`, label, batch);
      const ended = await waitForCall(call, (s) => s.state === 'ended');
      if (ended?.endReason !== 'declined') fail(`declined call ended ${JSON.stringify(ended ?? call.snapshot())}`, label, batch);
    }
  }

  /** Re-watch when the console dropped a subscription the hostile NOTIFYs ended (481 to our NOTIFYs), or on demand. */
  async function keepSubscriptions(force: readonly ('dialog' | 'message-summary')[] = []): Promise<void> {
    const stale = (['dialog', 'message-summary'] as const).filter((e) => force.includes(e) || !pbx.subscriptions.get(e) || pbx.subscriptions.get(e)!.gone);
    const old = new Map(stale.map((e) => [e, pbx.subscriptions.get(e)?.callId]));
    for (const event of stale) {
      if (event === 'dialog') {
        blf.dispose();
        blf = phone.watch!('1002');
      } else {
        mailbox.dispose();
        mailbox = phone.watchMailbox!();
      }
    }
    // Wait for the new SUBSCRIBE dialogs (not the old ones, whose un-SUBSCRIBE may still be on its way).
    const deadline = Date.now() + 10_000;
    while ([...old].some(([e, callId]) => (pbx.subscriptions.get(e)?.callId ?? callId) === callId) && Date.now() < deadline) await sleep(50);
    if (!(await subscriptionsEstablished(10_000))) throw new Error(`[${transport}] subscriptions not re-established (seed ${SEED})`);
  }

  async function subscriptionsEstablished(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const subs = ['dialog', 'message-summary'].map((e) => pbx.subscriptions.get(e));
      if (subs.every((s) => s && !s.gone) && (await within(Promise.all(subs.map((s) => s!.established)), 500)) !== undefined) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  /** Everything the suite promises, after a case or a batch. */
  async function assertHealthy(label: string, batch: readonly (string | Buffer)[]): Promise<void> {
    noCrash(label, batch);
    const lag = await immediateLatency();
    if (lag > 1000) fail(`event loop stalled: setImmediate took ${Math.round(lag)} ms`, label, batch);
    await pingOrFail(label, batch);
    await declineHostileCalls();
    const reg = phone.registration();
    if (reg.state !== 'registered' || transitions.length > 0 || pbx.registrations !== registrationsAtBaseline) {
      fail(`registration changed: now ${JSON.stringify(reg)}, transitions ${JSON.stringify(transitions)}, ${pbx.registrations - registrationsAtBaseline} new REGISTER`, label, batch);
    }
    await validInviteRings(label, batch);
    noCrash(label, batch);
  }

  function resetBaseline(): void {
    transitions = [];
    registrationsAtBaseline = pbx.registrations;
  }

  /** Send one case, note what the console answered, check it is still there. */
  async function runCase(c: TortureCase): Promise<void> {
    const shots = c.build(ctx());
    if (shots.some((s) => pbx.wouldKill(s))) {
      framingKillers.push({ label: `case ${c.id}`, bytes: shots });
      stats.deferred++;
      return;
    }
    const answers: number[] = [];
    const rangBefore = stats.rang;
    pbx.tap = (m) => {
      if (m.status !== undefined && !(header(m, 'call-id') ?? '').startsWith('ping-')) answers.push(m.status);
    };
    await send(shots, `case ${c.id}`);
    await pingOrFail(`case ${c.id}`, shots);
    pbx.tap = undefined;
    stats.cases++;
    const rang = stats.rang - rangBefore;
    outcomes.push(`${c.id}${c.after ? ` (${c.after})` : ''}: ${[...new Set(answers)].join(',') || 'no answer'}${rang > 0 ? `; rang ${rang}` : ''}`);
  }

  beforeAll(async () => {
    pbx = await FakePbx.start(transport, { user: USER, password: PASSWORD, expires: 600 });
    phone = createSoftphone({
      account: {
        id: `hostile-${transport}`,
        server: pbx.host,
        port: pbx.port,
        transport,
        user: USER,
        password: PASSWORD,
        domain: pbx.host,
        // auto: the console guesses the media mode from each offer (sip-core code that reads hostile SDP).
        media: 'auto',
        registerExpires: 600,
        mediaTimeoutSeconds: 0,
      },
      media: fakeMedia,
      logger,
      presence: { expires: 600 },
    });
    phone.onIncomingCall((call) => {
      if (call.snapshot().remote.user === 'checker') {
        const waiter = checkWaiters.shift();
        if (waiter) waiter(call);
        else void call.decline(486).catch(() => undefined);
        return;
      }
      stats.rang++;
      hostileCalls.push(call);
    });
    blf = phone.watch!('1002');
    mailbox = phone.watchMailbox!();
    await phone.start();
    await waitForRegistration(phone, (s) => s.state === 'registered', 15_000);
    phone.onDidChangeRegistration((s) => transitions.push(s));
    expect(pbx.contact).toMatch(/^sip:rc[0-9a-f]+@/);
    expect(await subscriptionsEstablished(10_000)).toBe(true);
    resetBaseline();
    loopDelay.enable();
  });

  afterAll(async () => {
    loopDelay.disable();
    if (pbx) pbx.tap = undefined;
    await phone?.stop();
    await pbx?.close();
    console.log(
      [
        `sip-hostile over ${transport}: seed ${SEED} (transport seed ${seed}); ${stats.cases} cases, ${stats.mutations} mutations, ${stats.sent} messages sent,` +
          ` ${stats.rang} hostile INVITEs rang, ${stats.checks} valid INVITEs checked, ${stats.deferred} framing killers deferred (${pbx?.refusedKills ?? 0} PBX answers withheld as killers), ${stats.reconnects} reconnects;` +
          ` event loop delay max ${Math.round(loopDelay.max / 1e6)} ms, p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms; console log: ${log.warn} warn, ${log.error} error, ${log.traced} traced, ${log.dropped} dropped by the transport guard`,
        ...(process.env.SIP_HOSTILE_VERBOSE ? outcomes.map((o) => `  ${o}`) : []),
      ].join('\n'),
    );
  });

  it('registers through a Digest challenge and a valid INVITE rings', async () => {
    // One REGISTER challenged (401), one with credentials the PBX checked.
    expect(pbx.counts.get('REGISTER')).toBe(2);
    expect(pbx.registrations).toBe(1);
    expect(blf.status().state).toBe('idle');
    await assertHealthy('start-up', []);
    expect(mailbox.summary()).toMatchObject({ waiting: false, newMessages: 0 });
  });

  it.each([
    ['valid but tortuous (RFC 4475 §3.1.1)', ['valid-tricky']],
    ['invalid (RFC 4475 §3.1.2) and application-layer (§3.3)', ['invalid', 'application']],
    ['transaction-layer oddities (RFC 4475 §3.2 and more)', ['transaction']],
  ] as const)('survives our own cases: %s', async (_title, categories) => {
    const cases = TORTURE_CASES.filter((c) => (categories as readonly string[]).includes(c.category));
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) await runCase(c);
    await assertHealthy(`categories ${categories.join('+')}`, []);
  });

  it('survives in-dialog oddities during an answered call, which then ends normally', async () => {
    const rang = nextCheckCall(10_000);
    const pc = pbx.invite('checker', 'Valid Caller');
    const call = await rang;
    expect(call).toBeDefined();
    await call!.answer();
    expect(await within(pc.final, 5000)).toBe(200);
    expect(await waitForCall(call!, (s) => s.state === 'active')).toBeDefined();
    const sdp = offerSdp();
    const shots: string[] = [
      pbx.inDialog(pc, 'INVITE', ['Content-Type: application/sdp', `Contact: ${pbx.ourContact}`], 'this is not sdp\r\nm=\r\nc=IN IP9 :::\r\n'),
      pbx.inDialog(pc, 'INVITE', ['Content-Type: application/sdp', `Contact: ${pbx.ourContact}`], sdp.replace('a=sendrecv', 'a=sendonly')),
      pbx.inDialog(pc, 'INVITE', ['Content-Type: application/sdp', `Contact: ${pbx.ourContact}`], sdp.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0').replace('m=audio 41000 RTP/AVP 0 101', `m=audio 99999999 RTP/AVP 0 101\r\n${'m=video 0 RTP/AVP 96\r\n'.repeat(50)}`)),
      pbx.inDialog(pc, 'INVITE', ['Content-Type: application/sdp', `Contact: ${pbx.ourContact}`], sdp),
      pbx.inDialog(pc, 'INFO', ['Content-Type: application/dtmf-relay'], 'Signal=\u0000\r\nDuration=-1\r\n'),
      pbx.inDialog(pc, 'INFO', ['Content-Type: application/dtmf-relay'], `Signal=${'9'.repeat(5000)}\r\nDuration=99999999999999999999\r\n`),
      pbx.inDialog(pc, 'UPDATE'),
      pbx.inDialog(pc, 'REFER', [`Refer-To: <sip:evil@${pbx.host}>`, `Referred-By: <sip:evil@${pbx.host}>`]),
      pbx.inDialog(pc, 'NOTIFY', ['Event: refer', 'Subscription-State: active', 'Content-Type: message/sipfrag'], 'SIP/2.0 999999 Nonsense\r\n'),
      pbx.inDialog(pc, 'OPTIONS'),
      pbx.inDialog(pc, 'PRACK', ['RAck: 1 1 INVITE']),
      pbx.inDialog(pc, 'INFO', [], '', 1), // CSeq going backwards: 500
      pbx.inDialog(pc, 'ACK', [], '', 1), // a second ACK for the answered INVITE
      pbx.inDialog(pc, 'CANCEL', [], '', 1), // CANCEL after the answer
      pbx.inDialog(pc, 'BYE').replace(`;tag=${pc.fromTag}`, ';tag=not-the-callers'), // wrong dialog: 481
      pbx.inDialog(pc, 'INFO', [], '', 2147483646), // CSeq at the top of its range (RFC 3261 §8.1.1.5: < 2**31)
    ];
    pc.cseq = 2147483646;
    await send(shots, 'in-dialog oddities');
    await pingOrFail('in-dialog oddities', shots);
    expect(call!.snapshot().state === 'active' || call!.snapshot().state === 'held').toBe(true);
    expect(await pbx.bye(pc)).toBe(200);
    const ended = await waitForCall(call!, (s) => s.state === 'ended');
    expect(ended?.endReason).toBe('remote-hangup');
    await assertHealthy('in-dialog oddities', shots);
  });

  it('a NOTIFY granting an absurd expiry or retry-after does not make the lamp stale or the console re-subscribe', async () => {
    // setTimeout turns a delay past 2**31-1 ms into 1 ms: the subscription's safety timers must not fire at once.
    const lamp = pbx.subscriptions.get('dialog')!;
    const subscribes = pbx.counts.get('SUBSCRIBE') ?? 0;
    const busy = `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${lamp.cseq + 100}" state="full" entity="sip:1002@${pbx.host}"><dialog id="x" direction="recipient"><state>confirmed</state></dialog></dialog-info>`;
    const cseq = `${lamp.cseq + 1} NOTIFY`;
    const answered = pbx.waitFor((m) => m.status !== undefined && header(m, 'call-id') === lamp.callId && header(m, 'cseq') === cseq, 5000);
    await pbx.sendRaw(pbx.notify('dialog', busy, { state: 'active;expires=99999999999999999999;retry-after=1e30' })!);
    expect((await answered)?.status).toBe(200);
    expect(blf.status().state).toBe('busy');
    await sleep(1500);
    expect(blf.status().state).toBe('busy');
    expect(pbx.counts.get('SUBSCRIBE') ?? 0).toBe(subscribes);
    await assertHealthy('absurd expiry', []);
  });

  it('an INVITE whose Expires no timer can hold rings until the caller gives up, not 487 at once; a valid Expires still runs out', async () => {
    // SIP.js hands an INVITE's Expires to setTimeout as it is: 1e26 s or "soon" became a 1 ms timer, and the call was
    // rejected (487) as it started to ring.
    for (const expires of ['99999999999999999999999999', '4294967296', 'soon']) {
      const rang = nextCheckCall(10_000);
      const pc = pbx.invite('checker', 'Valid Caller', [`Expires: ${expires}`]);
      const call = await rang;
      expect(call).toBeDefined();
      expect(await within(pc.ringing.then(() => true), 5000)).toBe(true);
      await sleep(500);
      expect(call!.snapshot().state).toBe('incoming');
      expect(pc.statuses).not.toContain(487);
      await call!.decline(486);
      expect(await within(pc.final, 5000)).toBe(486);
    }
    const rang = nextCheckCall(10_000);
    const pc = pbx.invite('checker', 'Valid Caller', ['Expires: 1']);
    const call = await rang;
    expect(call).toBeDefined();
    expect(await within(pc.final, 5000)).toBe(487);
    expect(await waitForCall(call!, (s) => s.state === 'ended')).toBeDefined();
    await assertHealthy('INVITE Expires', []);
  });

  it(`survives ${INVITE_MUTATIONS} seeded mutations of a valid INVITE`, async () => {
    for (let done = 0; done < INVITE_MUTATIONS; done += BATCH) {
      const batch: Buffer[] = [];
      for (let i = done; i < Math.min(INVITE_MUTATIONS, done + BATCH); i++) {
        const { bytes } = mutateMessage(rng, inviteTemplate(ctx()), maxBytes);
        if (pbx.wouldKill(bytes)) {
          stats.deferred++;
          if (framingKillers.length < 12) framingKillers.push({ label: `INVITE mutation ${i}`, bytes: [bytes] });
          continue;
        }
        batch.push(bytes);
      }
      stats.mutations += batch.length;
      await send(batch, `INVITE mutations ${done}..${done + BATCH - 1}`);
      await assertHealthy(`INVITE mutations ${done}..${done + BATCH - 1}`, batch);
    }
  });

  it(`survives ${DIALOG_MUTATIONS} mutated BLF NOTIFYs (dialog-info+xml) and ${MWI_MUTATIONS} mutated MWI NOTIFYs (message-summary)`, async () => {
    const jobs: ('dialog' | 'message-summary')[] = [...Array<'dialog'>(DIALOG_MUTATIONS).fill('dialog'), ...Array<'message-summary'>(MWI_MUTATIONS).fill('message-summary')];
    for (let done = 0; done < jobs.length; done += BATCH) {
      const batch: Buffer[] = [];
      for (const event of jobs.slice(done, done + BATCH)) {
        const sub = pbx.subscriptions.get(event);
        const body = event === 'dialog' ? dialogInfoBody(rng, (sub?.cseq ?? 0) + 1, pbx.host) : messageSummaryBody(rng, USER, pbx.host);
        const damaged = mutateBody(rng, body, event, maxBytes - 2000);
        const wrongLength = rng.chance(0.1) ? String(rng.pick([0, damaged.bytes.length - 1, damaged.bytes.length + 1, 9999])) : undefined;
        let head: string | undefined;
        if (event === 'message-summary' && rng.chance(0.5)) {
          // Unsolicited MWI (RFC 3842 §3 allows it): out of dialog, straight to the console's Contact.
          head = [
            `NOTIFY ${pbx.contact} SIP/2.0`,
            pbx.via(),
            'Max-Forwards: 70',
            `From: <sip:voicemail@${pbx.host}>;tag=${rng.hex(4)}`,
            `To: <sip:${USER}@${pbx.host}>`,
            `Call-ID: mwi-${rng.hex(8)}`,
            'CSeq: 1 NOTIFY',
            `Contact: ${pbx.ourContact}`,
            'Event: message-summary',
            'Subscription-State: active',
            `Content-Type: ${defaultContentType(event)}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n');
        } else {
          head = pbx.notify(event, '', { contentType: defaultContentType(event) });
        }
        if (!head) continue;
        let bytes = notifyAround(head, damaged.bytes, wrongLength);
        // Some damage to the NOTIFY itself too (Event, Subscription-State, CSeq…), not only to its body.
        if (rng.chance(0.2)) bytes = mutateMessage(rng, bytes, maxBytes).bytes;
        if (pbx.wouldKill(bytes)) {
          stats.deferred++;
          if (framingKillers.length < 12) framingKillers.push({ label: `${event} NOTIFY mutation`, bytes: [bytes] });
          continue;
        }
        batch.push(bytes);
      }
      stats.mutations += batch.length;
      const label = `NOTIFY mutations ${done}..${done + BATCH - 1}`;
      await send(batch, label);
      await assertHealthy(label, batch);
      await keepSubscriptions();
    }
    // The lamp and the mailbox still work: a valid NOTIFY after all that is applied. (The lamp on a fresh
    // subscription: hostile bodies may have taken its dialog-info version anywhere.)
    await keepSubscriptions(['dialog']);
    const lamp = pbx.subscriptions.get('dialog')!;
    const lampCSeq = `${lamp.cseq + 1} NOTIFY`;
    const lit = pbx.waitFor((m) => m.status !== undefined && header(m, 'call-id') === lamp.callId && header(m, 'cseq') === lampCSeq, 5000);
    const busy = [
      '<?xml version="1.0"?>',
      `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:1002@${pbx.host}">`,
      '<dialog id="final" direction="recipient"><state>confirmed</state>',
      `<remote><identity display="Final Caller">sip:555@${pbx.host}</identity></remote></dialog>`,
      '</dialog-info>',
      '',
    ].join('\r\n');
    await pbx.sendRaw(pbx.notify('dialog', busy)!);
    expect((await lit)?.status).toBe(200);
    expect(blf.status().state).toBe('busy');
    const sub = pbx.subscriptions.get('message-summary')!;
    const expectedCSeq = `${sub.cseq + 1} NOTIFY`;
    const answered = pbx.waitFor((m) => m.status !== undefined && header(m, 'call-id') === sub.callId && header(m, 'cseq') === expectedCSeq, 5000);
    await pbx.sendRaw(pbx.notify('message-summary', `Messages-Waiting: yes\r\nMessage-Account: sip:${USER}@${pbx.host}\r\nVoice-Message: 4/2 (1/0)\r\n`)!);
    expect((await answered)?.status).toBe(200);
    expect(mailbox.summary()).toMatchObject({ waiting: true, newMessages: 4, oldMessages: 2, newUrgent: 1 });
  });

  it('bytes that break stream framing cost at most the connection: the console comes back registered', async () => {
    const killers: { label: string; bytes: (string | Buffer)[] }[] = [
      { label: 'Content-Length of 2 MiB', bytes: [`OPTIONS ${pbx.contact} SIP/2.0\r\nVia: SIP/2.0/TCP ${pbx.hostPort};branch=z9hG4bKbig\r\nContent-Length: 2097152\r\n\r\nshort`] },
      { label: '70 KiB of header without its end', bytes: [`INVITE ${pbx.contact} SIP/2.0\r\nX-Endless: ${'e'.repeat(Math.min(70 * 1024, maxBytes - 100))}`] },
      { label: 'Content-Length of 2**64', bytes: [`OPTIONS ${pbx.contact} SIP/2.0\r\nContent-Length: 18446744073709551616\r\n\r\n`] },
      ...framingKillers,
    ];
    for (const k of killers) {
      const before = pbx.registrations;
      for (const b of k.bytes) await pbx.sendRaw(b, { allowKill: true });
      noCrash(k.label, k.bytes);
      // Either the console read it as one (hostile) message and carries on, or its framer gave up on the connection
      // (TCP, by design): then it reconnects and registers again by itself.
      const deadline = Date.now() + 20_000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        ok = phone.registration().state === 'registered' && (await pbx.ping(2000));
        if (!ok) await sleep(200);
      }
      if (!ok) fail(`not registered again within 20 s: ${JSON.stringify(phone.registration())}`, k.label, k.bytes);
      if (pbx.registrations > before) {
        stats.reconnects++;
        expect(transport).toBe('tcp'); // only a stream can lose its framing
        expect(transitions.map((t) => t.state)).toEqual(expect.arrayContaining(['failed', 'registering', 'registered']));
        expect(await subscriptionsEstablished(10_000)).toBe(true);
      }
      resetBaseline();
      await assertHealthy(k.label, k.bytes);
    }
    if (transport === 'tcp') expect(stats.reconnects).toBeGreaterThanOrEqual(3);
  });
});
