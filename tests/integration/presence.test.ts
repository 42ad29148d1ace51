/**
 * BLF (RFC 4235) and MWI (RFC 3842) against the test bed's real Kamailio presence (pua_dialoginfo publishes the
 * dialogs of calls it routes; presence_mwi relays message-summary PUBLISHes). Calls happen between baresip UAs only.
 */
import { createSoftphone } from '../../sip-core';
import type { MessageSummary, PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
import { baresip, hangupAll, restartProxy, waitFor } from '../testbed/baresip';
import { sendMwi } from '../testbed/mwi';
import { account1001, noMedia, sleep, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(90_000);

let phone: Softphone;
const watches: Watch[] = [];
const seen = new Map<string, PresenceStatus[]>();

function watch(ext: string): Watch {
  const w = phone.watch!(ext);
  const log: PresenceStatus[] = [w.status()];
  seen.set(ext, log);
  w.onDidChange((s) => log.push(s));
  watches.push(w);
  return w;
}

function waitState(w: Watch, pred: (s: PresenceStatus) => boolean, what: string, ms = 10_000): Promise<PresenceStatus> {
  return waitFor(`${w.extension} ${what} (now ${JSON.stringify(w.status())})`, async () => (pred(w.status()) ? w.status() : undefined), ms, 50);
}

beforeAll(async () => {
  await hangupAll();
  restartProxy(); // presence state from earlier suites (a dialog whose BYE or final PUBLISH never happened) goes
  phone = createSoftphone({ account: account1001({ registerExpires: 120 }), media: noMedia, presence: { expires: 120 } });
  await phone.start();
  await waitForRegistration(phone, (s) => s.state === 'registered');
});

afterAll(async () => {
  await hangupAll().catch(() => undefined);
  for (const w of watches) w.dispose();
  await phone.stop();
});

test('favorites are idle once subscribed', async () => {
  const ws = ['1002', '1003', '1004'].map(watch);
  for (const w of ws) await waitState(w, (s) => s.state === 'idle', 'idle', 30_000);
});

test('ringing shows the caller, then both are in a call, then idle again', async () => {
  const w1002 = watches.find((w) => w.extension === '1002')!;
  const w1003 = watches.find((w) => w.extension === '1003')!;
  expect((await baresip('1003', 'dial', 'sip:1002@127.0.0.1')).ok).toBe(true);
  const ringing = await waitState(w1002, (s) => s.state === 'ringing', 'ringing');
  expect(ringing.caller?.user).toBe('1003');
  await waitState(w1003, (s) => s.state === 'busy', 'busy (calling)');
  expect((await baresip('1002', 'accept')).ok).toBe(true);
  await waitState(w1002, (s) => s.state === 'busy', 'busy');
  await waitState(w1003, (s) => s.state === 'busy', 'busy');
  await baresip('1002', 'hangup');
  await waitState(w1002, (s) => s.state === 'idle', 'idle after hangup');
  await waitState(w1003, (s) => s.state === 'idle', 'idle after hangup');
});

test('an auto-answering callee goes busy and back to idle (1002 → 1004)', async () => {
  const w1004 = watches.find((w) => w.extension === '1004')!;
  const log = seen.get('1004')!;
  const before = log.length;
  await baresip('1002', 'dial', 'sip:1004@127.0.0.1');
  await waitState(w1004, (s) => s.state === 'busy', 'busy');
  await sleep(500);
  await baresip('1002', 'hangup');
  await waitState(w1004, (s) => s.state === 'idle', 'idle');
  expect(log.slice(before).map((s) => s.state)).toContain('busy');
});

test('message-summary: a PUBLISH for 1001 shows its count, a second one updates it; unsolicited NOTIFY too', async () => {
  const mb = phone.watchMailbox!();
  const counts: MessageSummary[] = [];
  mb.onDidChange((s) => counts.push(s));
  await sleep(500); // subscribed (rate-limited queue drains within ms)
  let r = await sendMwi('1001', 3);
  expect(r.code).toBe(0);
  await waitFor('3 new messages', async () => mb.summary()?.newMessages === 3, 10_000, 50);
  expect(mb.summary()).toMatchObject({ waiting: true, newMessages: 3, oldMessages: 1 });
  r = await sendMwi('1001', 5);
  expect(r.code).toBe(0);
  await waitFor('5 new messages', async () => mb.summary()?.newMessages === 5, 10_000, 50);
  r = await sendMwi('1001', 7, 'notify');
  expect(r.code).toBe(0);
  await waitFor('7 new messages (unsolicited)', async () => mb.summary()?.newMessages === 7, 10_000, 50);
  await sendMwi('1001', 0);
  mb.dispose();
});

test('reconnect: stale at once, re-subscribed and fresh again by itself', async () => {
  const w = watches.find((x) => x.extension === '1003')!;
  const log = seen.get('1003')!;
  const before = log.length;
  await phone.reconnect();
  await waitForRegistration(phone, (s) => s.state === 'registered');
  await waitState(w, (s) => s.state !== 'stale' && s.state !== 'unknown', 'fresh again');
  expect(log.slice(before)[0]?.state).toBe('stale');
});

test('a removed favorite is unsubscribed; an unknown extension is not shown as idle forever', async () => {
  const stats = () => (phone as unknown as { presenceStats(): { watched: number } }).presenceStats();
  const n = stats().watched;
  const w = watch('1999');
  expect(stats().watched).toBe(n + 1);
  await waitState(w, (s) => s.state !== 'unknown', 'a state');
  w.dispose();
  watches.splice(watches.indexOf(w), 1);
  expect(stats().watched).toBe(n);
});
