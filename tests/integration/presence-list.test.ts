/**
 * BLF at scale against the bed's real Kamailio: RFC 4662 resource list (rls + xcap_server, tests/testbed/kamailio.cfg).
 * The console publishes its favorites over XCAP (digest with its SIP credentials), subscribes once to the list URI
 * and follows 1004 through the list's NOTIFYs while baresip 1002 calls it. A list URI the server does not have falls
 * back to one SUBSCRIBE per extension.
 */
import { createSoftphone } from '../../sip-core';
import type { PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
import { baresip, baresipCalls, hangupAll, restartProxy, waitFor } from '../testbed/baresip';
import { account1001, noMedia, sleep, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(90_000);

interface Stats {
  list: string;
  viaList: number;
  lists: number;
  listsActive: number;
}
const stats = (p: Softphone) => (p as unknown as { presenceStats(): Stats }).presenceStats();

function waitState(w: Watch, pred: (s: PresenceStatus) => boolean, what: string, ms = 15_000): Promise<PresenceStatus> {
  return waitFor(`${w.extension} ${what} (now ${JSON.stringify(w.status())})`, async () => (pred(w.status()) ? w.status() : undefined), ms, 50);
}

const phones: Softphone[] = [];
const watches: Watch[] = [];
async function phoneWith(overrides: Parameters<typeof account1001>[0], list: { uri?: string; xcapRoot?: string }): Promise<Softphone> {
  const phone = createSoftphone({ account: account1001({ registerExpires: 120, ...overrides }), media: noMedia, presence: { expires: 120, list } });
  phones.push(phone);
  await phone.start();
  await waitForRegistration(phone, (s) => s.state === 'registered');
  return phone;
}

beforeAll(async () => {
  await hangupAll();
  // Presence state from earlier suites goes (as in presence.test.ts): a call whose final PUBLISH lost Kamailio's
  // pua_dialoginfo race left 1002 "confirmed" for the publication's lifetime (seen on a loaded machine: every lamp
  // test here then waited for an idle 1002 in vain).
  restartProxy();
});

afterEach(async () => {
  await hangupAll().catch(() => undefined);
  for (const w of watches.splice(0)) w.dispose();
  for (const p of phones.splice(0)) await p.stop();
});

test('Kamailio rls: the favorites published over XCAP come through one list subscription; 1004 rings and goes idle again', async () => {
  const phone = await phoneWith({ transport: 'tcp' }, { xcapRoot: 'http://127.0.0.1:8080/xcap-root' });
  const exts = ['1002', '1003', '1004', ...Array.from({ length: 20 }, (_, i) => String(31000 + i))];
  watches.push(...exts.map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state === 'idle', 'idle', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'active' });
  // Every lamp but those the rls left without a state (then watched on their own) comes from the list.
  expect(stats(phone).viaList).toBeGreaterThanOrEqual(exts.length - 2);
  const w1004 = watches[2]!;
  const states: string[] = [];
  w1004.onDidChange((s) => states.push(s.state));
  expect((await baresip('1002', 'dial', 'sip:1004@127.0.0.1')).ok).toBe(true);
  await waitState(w1004, (s) => s.state === 'busy' || s.state === 'ringing', 'ringing or busy');
  await waitFor('1002 established', async () => /ESTABLISHED/.test(await baresipCalls('1002')), 10_000, 50);
  await sleep(300);
  await baresip('1002', 'hangup');
  await waitState(w1004, (s) => s.state === 'idle', 'idle after hangup');
  expect(states.some((s) => s === 'busy' || s === 'ringing')).toBe(true);
  expect(states.at(-1)).toBe('idle');
});

test('a list URI the server does not have: every extension gets its own SUBSCRIBE, and the lamps still work', async () => {
  const phone = await phoneWith({}, { uri: 'sip:no-such-list@127.0.0.1' });
  watches.push(...['1002', '1004'].map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state === 'idle', 'idle', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'fallback', viaList: 0 });
  const w1004 = watches[1]!;
  expect((await baresip('1002', 'dial', 'sip:1004@127.0.0.1')).ok).toBe(true);
  await waitState(w1004, (s) => s.state === 'busy' || s.state === 'ringing', 'ringing or busy');
  await waitFor('1002 established', async () => /ESTABLISHED/.test(await baresipCalls('1002')), 10_000, 50);
  await baresip('1002', 'hangup');
  await waitState(w1004, (s) => s.state === 'idle', 'idle after hangup');
});

test('no XCAP server at that root (404): the console falls back instead of leaving the lamps dark', async () => {
  const phone = await phoneWith({}, { xcapRoot: 'http://127.0.0.1:8080/not-xcap' });
  watches.push(phone.watch!('1003', { listed: true }));
  await waitState(watches[0]!, (s) => s.state === 'idle', 'idle', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'fallback', viaList: 0 });
});

test('Asterisk resource_list (pjsip.conf [blf-2001]): one list subscription carries the configured colleagues; others on their own', async () => {
  const phone = await phoneWith({ user: '2001', port: 5070, server: '127.0.0.1', domain: '127.0.0.1' }, { uri: 'blf-2001' });
  // 2002–2005 are in the admin's list; 2011 is not (a hint of its own): it gets a SUBSCRIBE of its own.
  watches.push(...['2002', '2003', '2004', '2005', '2011'].map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state !== 'unknown', 'a first state', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'active', viaList: 4 });
  for (const w of watches) expect(['idle', 'offline']).toContain(w.status().state);
});

test('Kamailio rls, 150 favorites: the console publishes two lists of 75 in one XCAP document and subscribes to both', async () => {
  const phone = await phoneWith({ transport: 'tcp' }, { xcapRoot: 'http://127.0.0.1:8080/xcap-root' });
  const exts = ['1002', '1003', '1004', ...Array.from({ length: 147 }, (_, i) => String(32000 + i))];
  watches.push(...exts.map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state !== 'unknown', 'a first state', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'active', lists: 2, listsActive: 2 });
  // Every lamp but those the rls left without a state (then watched on their own) comes from a list.
  expect(stats(phone).viaList).toBeGreaterThanOrEqual(exts.length - 4);
  for (const w of watches.slice(0, 3)) expect(w.status().state).toBe('idle');
});

test('Asterisk, 500 colleagues over five resource_lists of 100 (blf500-2001-{1..5}): every lamp from a list', async () => {
  const phone = await phoneWith({ user: '2001', port: 5070, server: '127.0.0.1', domain: '127.0.0.1', transport: 'tcp' }, { uri: 'blf500-2001-{1..5}' });
  const exts = ['2002', '2003', '2004', '2005', ...Array.from({ length: 496 }, (_, i) => String(3000 + i))];
  watches.push(...exts.map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state !== 'unknown', 'a first state', 30_000);
  expect(stats(phone)).toMatchObject({ list: 'active', lists: 5, listsActive: 5, viaList: 500 });
  for (const w of watches) expect(['idle', 'offline']).toContain(w.status().state);
});

test('Asterisk: one list of the five missing (blf500-2001-{1..6}: no list 6): the others deliver, that one falls back alone', async () => {
  const phone = await phoneWith({ user: '2001', port: 5070, server: '127.0.0.1', domain: '127.0.0.1', transport: 'tcp' }, { uri: 'blf500-2001-{1..6}, blf-2001' });
  // 2011 is in no list: held while a list starts, then a SUBSCRIBE of its own.
  const exts = ['2002', '2003', '3100', '3499', '2011'];
  watches.push(...exts.map((e) => phone.watch!(e, { listed: true })));
  for (const w of watches) await waitState(w, (s) => s.state !== 'unknown', 'a first state', 30_000);
  const st = stats(phone);
  expect(st).toMatchObject({ list: 'active', lists: 7, listsActive: 6 });
  // 2002/2003 (lists 1 and blf-2001), 3100 (list 2), 3499 (no list: the bed's lists stop at 3495) and 2011 own.
  expect(st.viaList).toBe(3);
});

