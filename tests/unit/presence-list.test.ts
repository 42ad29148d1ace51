/**
 * BLF at scale: the RFC 4662 list subscription and the paced fallback, driven by a scripted SIP peer (the state
 * machine; the real Kamailio rls and Asterisk resource_list are in tests/integration/presence-list.test.ts).
 */
import { createSoftphone } from '../../sip-core';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import type { PresenceOptions, PresenceState, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
import { ScriptedSipPeer, type SipRequest } from './helpers/sip-peer';

const noMedia: MediaSessionFactory = { create: () => { throw new Error('no media'); } };
const quiet = process.env.H3_DEBUG ? { debug() {}, info: (m: string) => console.log(m), warn: (m: string) => console.log(m), error: (m: string) => console.log(m) } : { debug() {}, info() {}, warn() {}, error() {} };
const LIST = 'sip:1001-blf@127.0.0.1';

const dialogInfo = (ext: string, version: number, dialogs = '') =>
  `<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:${ext}@127.0.0.1">${dialogs}</dialog-info>`;
const early = '<dialog id="d1" direction="recipient"><state>early</state><remote><identity>sip:1002@127.0.0.1</identity></remote></dialog>';

/** A list NOTIFY body as Kamailio's rls builds it: RLMI root, one dialog-info part per instance. */
function listBody(version: number, full: boolean, resources: { ext: string; body?: string; state?: string; reason?: string }[]): { body: string; contentType: string } {
  const b = `bnd${version}`;
  const rl = resources
    .map((r, i) => `<resource uri="sip:${r.ext}@127.0.0.1">${r.body !== undefined || r.state ? `<instance id="i${i}" state="${r.state ?? 'active'}"${r.reason ? ` reason="${r.reason}"` : ''}${r.body !== undefined ? ` cid="c${i}@x"` : ''}/>` : ''}</resource>`)
    .join('');
  const parts = [
    `--${b}\r\nContent-ID: <root@x>\r\nContent-Type: application/rlmi+xml;charset="UTF-8"\r\n\r\n<?xml version="1.0"?>\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="${LIST}" version="${version}" fullState="${full}">${rl}</list>\r\n`,
    ...resources.map((r, i) => (r.body !== undefined ? `--${b}\r\nContent-ID: <c${i}@x>\r\nContent-Type: application/dialog-info+xml\r\n\r\n${r.body}\r\n` : '')),
  ];
  return { body: `${parts.join('')}--${b}--\r\n`, contentType: `multipart/related;type="application/rlmi+xml";start="<root@x>";boundary="${b}"` };
}

jest.setTimeout(20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, f: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

let peer: ScriptedSipPeer;
let phone: Softphone | undefined;
afterEach(async () => {
  await phone?.stop();
  phone = undefined;
  peer.close();
});

async function start(handler: (req: SipRequest, p: ScriptedSipPeer) => void, presence: PresenceOptions): Promise<Softphone> {
  peer = new ScriptedSipPeer(handler);
  await peer.start();
  phone = createSoftphone({
    account: { id: 't', server: '127.0.0.1', port: peer.port, transport: 'udp', user: '1001', password: 'x', domain: '127.0.0.1', media: 'rtp', registerExpires: 300 },
    media: noMedia,
    logger: quiet,
    presence,
  });
  await phone.start();
  await until('registered', () => phone!.registration().state === 'registered');
  return phone;
}
const stats = (p: Softphone) => (p as unknown as { presenceStats(): { list: string; viaList: number; inFlight: number; window: number; lists: number; listsActive: number } }).presenceStats();
const states = (ws: Watch[]) => Object.fromEntries(ws.map((w) => [w.extension, w.status().state])) as Record<string, PresenceState>;
const subscribesTo = (user: string) => peer.requests.filter((r) => r.method === 'SUBSCRIBE' && r.uri.startsWith(`sip:${user}@`));
/** SUBSCRIBEs within the dialog `first` created (refreshes, un-SUBSCRIBE): sent to the notifier's Contact. */
const inDialog = (first: SipRequest) => peer.requests.filter((r) => r !== first && r.method === 'SUBSCRIBE' && r.header('call-id') === first.header('call-id'));

test('list offered: one SUBSCRIBE carries the favorites; a partial NOTIFY rings 1004; a colleague off the list gets its own SUBSCRIBE', async () => {
  let listSub: SipRequest | undefined;
  const p = await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    // In-dialog requests (refresh) go to our Contact, not to the list URI: recognise them by their Call-ID.
    if (req.uri === LIST || (listSub && req.header('call-id') === listSub.header('call-id'))) {
      peer.reply(req, 200, 'OK', ['Expires: 2', 'Require: eventlist']);
      if (req.header('to')?.includes('tag=')) {
        // A refresh: RFC 6665 §4.2.2 a NOTIFY follows (full state, as Kamailio does).
        const f = listBody(10 + inDialog(listSub!).length, true, [{ ext: '1002', body: dialogInfo('1002', 9) }, { ext: '1004', body: dialogInfo('1004', 9) }]);
        peer.notify(listSub!, 'active;expires=2', f.body, f.contentType);
        return;
      }
      listSub = req;
      // First NOTIFY as Kamailio sends it: full state, no instance yet; then the states.
      const a = listBody(1, true, [{ ext: '1002' }, { ext: '1004' }]);
      peer.notify(req, 'active;expires=2', a.body, a.contentType);
      const b = listBody(2, false, [{ ext: '1002', body: dialogInfo('1002', 1) }, { ext: '1004', body: dialogInfo('1004', 1) }]);
      setTimeout(() => peer.notify(req, 'active;expires=2', b.body, b.contentType), 30);
      return;
    }
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    peer.notify(req, 'active;expires=600');
  }, { list: { uri: LIST } });
  const ws = ['1002', '1004', '1005'].map((e) => p.watch!(e, { listed: e !== '1005' }));
  await until('every lamp has a state', () => ws.every((w) => w.status().state !== 'unknown'));
  expect(states(ws)).toEqual({ '1002': 'idle', '1004': 'idle', '1005': 'idle' });
  expect(subscribesTo('1002')).toHaveLength(0);
  expect(subscribesTo('1004')).toHaveLength(0);
  expect(subscribesTo('1005')).toHaveLength(1); // not in the list: a SUBSCRIBE of its own
  const first = subscribesTo('1001-blf')[0]!;
  expect(first.header('supported')).toMatch(/eventlist/);
  expect(first.header('accept')).toMatch(/application\/rlmi\+xml/);
  expect(first.header('accept')).toMatch(/multipart\/related/);
  expect(stats(p)).toMatchObject({ list: 'active', viaList: 2 });

  const ring = listBody(3, false, [{ ext: '1004', body: dialogInfo('1004', 2, early) }]);
  peer.notify(listSub!, 'active;expires=2', ring.body, ring.contentType);
  await until('1004 ringing', () => ws[1]!.status().state === 'ringing');
  expect(ws[1]!.status().caller).toEqual({ user: '1002' });
  expect(ws[0]!.status().state).toBe('idle');
  const done = listBody(4, false, [{ ext: '1004', body: dialogInfo('1004', 3) }]);
  peer.notify(listSub!, 'active;expires=2', done.body, done.contentType);
  await until('1004 idle again', () => ws[1]!.status().state === 'idle');

  // The refresh (90 % of the 2 s granted) says `Supported: eventlist` too, or Kamailio's rls would not know it.
  const refresh = await until('list refresh', () => inDialog(listSub!)[0], 5000);
  expect(refresh.header('supported')).toMatch(/eventlist/);
});

test.each([489, 404, 403])('no list (%i): every favorite gets its own SUBSCRIBE, at most `subscribeWindow` awaiting a NOTIFY', async (code) => {
  let outstanding = 0;
  let most = 0;
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    if (req.uri === LIST) return peer.reply(req, code, 'No list');
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    outstanding++;
    most = Math.max(most, outstanding);
    setTimeout(() => {
      outstanding--;
      peer.notify(req, 'active;expires=600');
    }, 20);
  }, { list: { uri: LIST }, subscribeWindow: 4 });
  const exts = Array.from({ length: 24 }, (_, i) => String(2000 + i));
  const ws = exts.map((e) => phone!.watch!(e, { listed: true }));
  await until('all idle', () => ws.every((w) => w.status().state === 'idle'));
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(4);
  for (const e of exts) expect(subscribesTo(e)).toHaveLength(1);
  expect(stats(phone!)).toMatchObject({ list: 'fallback', viaList: 0, inFlight: 0 });
});

test('the list URI answered as a plain resource (a dialog-info NOTIFY, no RLMI): fallback, and that subscription is ended', async () => {
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    if (req.header('to')?.includes('tag=')) return; // the un-SUBSCRIBE
    peer.notify(req, 'active;expires=600', req.uri === LIST ? dialogInfo('1001-blf', 1) : '');
  }, { list: { uri: LIST } });
  const ws = ['1002', '1003'].map((e) => phone!.watch!(e, { listed: true }));
  await until('all idle', () => ws.every((w) => w.status().state === 'idle'));
  expect(stats(phone!).list).toBe('fallback');
  const listSub = subscribesTo('1001-blf')[0]!;
  await until('list un-SUBSCRIBEd', () => inDialog(listSub).find((r) => r.header('expires') === '0'));
});

test('503 with Retry-After: that SUBSCRIBE is tried again after the delay the server asked for, and the window halves', async () => {
  let refused: number | undefined;
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    if (req.uri.startsWith('sip:1003@') && refused === undefined) {
      refused = Date.now();
      return peer.reply(req, 503, 'Busy', ['Retry-After: 1']);
    }
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    peer.notify(req, 'active;expires=600');
  }, { subscribeWindow: 16 });
  const ws = ['1002', '1003'].map((e) => phone!.watch!(e));
  await until('1003 refused', () => refused !== undefined);
  await sleep(20);
  expect(stats(phone!).window).toBeLessThan(16);
  await until('both idle', () => ws.every((w) => w.status().state === 'idle'), 5000);
  const [a, b] = subscribesTo('1003');
  expect(b!.at - a!.at).toBeGreaterThanOrEqual(950);
});

test('list resources: terminated/noresource is offline, a later full state without 1004 hands 1004 back to its own SUBSCRIBE', async () => {
  let listSub: SipRequest | undefined;
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    if (req.uri === LIST) {
      listSub = req;
      const a = listBody(1, true, [{ ext: '1002', body: dialogInfo('1002', 1) }, { ext: '1004', body: dialogInfo('1004', 1) }, { ext: '1099', state: 'terminated', reason: 'noresource' }]);
      peer.notify(req, 'active;expires=600', a.body, a.contentType);
      return;
    }
    peer.notify(req, 'active;expires=600', dialogInfo(req.uri.slice(4, 8), 1, early));
  }, { list: { uri: LIST } });
  const ws = ['1002', '1004', '1099'].map((e) => phone!.watch!(e, { listed: true }));
  await until('states', () => ws.every((w) => w.status().state !== 'unknown'));
  expect(states(ws)).toEqual({ '1002': 'idle', '1004': 'idle', '1099': 'offline' });
  const b = listBody(2, true, [{ ext: '1002', body: dialogInfo('1002', 1) }, { ext: '1099', state: 'terminated', reason: 'noresource' }]);
  peer.notify(listSub!, 'active;expires=600', b.body, b.contentType);
  await until('1004 on its own SUBSCRIBE (ringing there)', () => ws[1]!.status().state === 'ringing');
  expect(subscribesTo('1004')).toHaveLength(1);
  expect(subscribesTo('1002')).toHaveLength(0);
});

test('several lists (`blf-{1..3}`): each falls back on its own — list 2 refused (489), list 3 silent; their colleagues get their own SUBSCRIBE', async () => {
  const lists = ['sip:blf-1@127.0.0.1', 'sip:blf-2@127.0.0.1', 'sip:blf-3@127.0.0.1'];
  let list1: SipRequest | undefined;
  const p = await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    if (req.uri === lists[0]) {
      peer.reply(req, 200, 'OK', ['Expires: 600', 'Require: eventlist']);
      if (req.header('to')?.includes('tag=')) return;
      list1 = req;
      const a = listBody(1, true, [{ ext: '1002', body: dialogInfo('1002', 1) }, { ext: '1003', body: dialogInfo('1003', 1) }]);
      peer.notify(req, 'active;expires=600', a.body, a.contentType);
      return;
    }
    if (req.uri === lists[1]) return peer.reply(req, 489, 'Bad Event');
    if (req.uri === lists[2]) return; // no answer at all: that list's first-NOTIFY deadline ends it
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    peer.notify(req, 'active;expires=600');
  }, { list: { uri: 'blf-{1..3}' } });
  const ws = ['1002', '1003', '1004'].map((e) => p.watch!(e, { listed: true }));
  await until('1002 and 1003 from list 1', () => ws[0]!.status().state === 'idle' && ws[1]!.status().state === 'idle');
  expect(subscribesTo('blf-2')).toHaveLength(1);
  expect(stats(p)).toMatchObject({ lists: 3, listsActive: 1, viaList: 2 });
  // 1004 is held while list 3 is still starting (it may carry 1004), then subscribed on its own.
  await until('1004 idle on its own SUBSCRIBE', () => ws[2]!.status().state === 'idle', 10_000);
  expect(subscribesTo('1004')).toHaveLength(1);
  expect(subscribesTo('1002')).toHaveLength(0);
  expect(subscribesTo('1003')).toHaveLength(0);
  expect(stats(p)).toMatchObject({ list: 'active', lists: 3, listsActive: 1, viaList: 2 });
  // List 1 keeps delivering while the others are in fallback.
  const ring = listBody(2, false, [{ ext: '1003', body: dialogInfo('1003', 2, early) }]);
  peer.notify(list1!, 'active;expires=600', ring.body, ring.contentType);
  await until('1003 ringing via list 1', () => ws[1]!.status().state === 'ringing');
});

test('several lists: a colleague carried by two lists stays on the lists when one of them fails', async () => {
  const lists = ['sip:blf-a@127.0.0.1', 'sip:blf-b@127.0.0.1'];
  const subs: Record<string, SipRequest> = {};
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    const which = lists.indexOf(req.uri);
    if (which >= 0) {
      peer.reply(req, 200, 'OK', ['Expires: 600', 'Require: eventlist']);
      subs[req.uri] = req;
      const a = listBody(1, true, which === 0 ? [{ ext: '1002', body: dialogInfo('1002', 1) }, { ext: '1003', body: dialogInfo('1003', 1) }] : [{ ext: '1003', body: dialogInfo('1003', 1) }]);
      peer.notify(req, 'active;expires=600', a.body, a.contentType);
      return;
    }
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    peer.notify(req, 'active;expires=600');
  }, { list: { uri: 'blf-a, sip:blf-b@127.0.0.1' } });
  const ws = ['1002', '1003'].map((e) => phone!.watch!(e, { listed: true }));
  await until('both from the lists', () => stats(phone!).listsActive === 2 && ws.every((w) => w.status().state === 'idle'));
  // List a ends for good (noresource): 1002 needs a SUBSCRIBE of its own, 1003 stays with list b.
  peer.notify(subs[lists[0]!]!, 'terminated;reason=noresource');
  await until('1002 on its own SUBSCRIBE', () => subscribesTo('1002').length === 1);
  await until('1002 idle again', () => ws[0]!.status().state === 'idle');
  expect(subscribesTo('1003')).toHaveLength(0);
  expect(stats(phone!)).toMatchObject({ lists: 2, listsActive: 1, viaList: 1 });
});

test('digest: after the first challenge, further SUBSCRIBEs carry the credentials at once (no 401 each), and a 403 to them falls back to challenges', async () => {
  let refuseReused = false;
  const challenged = new Set<string>();
  await start((req, peer) => {
    if (req.method !== 'SUBSCRIBE') return peer.reply(req, 200, 'OK');
    const auth = req.header('authorization');
    if (!auth) {
      challenged.add(req.uri);
      return peer.reply(req, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="127.0.0.1", nonce="n0nce", qop="auth"']);
    }
    expect(auth).toMatch(/username="1001", realm="127.0.0.1", nonce="n0nce"/);
    // Once told to, refuse credentials the peer did not just ask for (a server that wants one challenge each).
    if (refuseReused && !challenged.has(req.uri)) return peer.reply(req, 403, 'Forbidden');
    peer.reply(req, 200, 'OK', ['Expires: 600']);
    peer.notify(req, 'active;expires=600');
  }, { subscribeWindow: 1 });
  const first = phone!.watch!('1002');
  await until('1002 idle', () => first.status().state === 'idle');
  const ws = ['1003', '1004', '1005'].map((e) => phone!.watch!(e));
  await until('all idle', () => ws.every((w) => w.status().state === 'idle'));
  for (const e of ['1003', '1004', '1005']) {
    expect(subscribesTo(e)).toHaveLength(1);
    expect(subscribesTo(e)[0]!.header('authorization')).toMatch(/^Digest /);
  }
  refuseReused = true;
  const late = phone!.watch!('1006');
  await until('1006 idle after a challenge of its own', () => late.status().state === 'idle');
  // Reused credentials refused (403), again without (401), then with the answer to that challenge.
  expect(subscribesTo('1006').map((r) => !!r.header('authorization'))).toEqual([true, false, true]);
});
