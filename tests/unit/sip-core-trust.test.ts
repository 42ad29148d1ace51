/**
 * What the softphone believes in an incoming INVITE (sip-core/adapters/sipjs/trust.ts): P-Asserted-Identity and the
 * auto-answer headers only from a request the PBX originated (or a proxy the account trusts), INVITE with Replaces
 * only from the replaced call's peer or the PBX itself (RFC 3891 §7). The rules as pure functions, then the softphone
 * against a small fake PBX on a real UDP socket (a registrar that also originates or "relays" INVITEs).
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { createSipConnection } from '../../sip-core';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { Call, Softphone } from '../../sip-core/api/softphone';
import {
  authorizeReplaces,
  networkHeadersTrusted,
  partyUri,
  requestOrigin,
  sameParty,
  viaCount,
  type TrustPolicy,
} from '../../sip-core/adapters/sipjs/trust';
import { loopbackSoftphone, SDP } from './helpers/loopback-softphone';

jest.setTimeout(20_000);

const domains = new Set(['pbx.example.com', '10.0.0.5']);
const policy: TrustPolicy = { trustRelayedHeaders: false, domains };
const trustingPolicy: TrustPolicy = { trustRelayedHeaders: true, domains };

describe('trust rules', () => {
  it('counts Via values over header lines and commas', () => {
    expect(viaCount(['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1'])).toBe(1);
    expect(viaCount(['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1', 'SIP/2.0/TCP 192.0.2.7:5062;branch=z9hG4bK2;rport=5062'])).toBe(2);
    expect(viaCount(['SIP/2.0/UDP 10.0.0.5;branch=a, SIP/2.0/UDP 192.0.2.7;branch=b'])).toBe(2);
    expect(viaCount(['SIP/2.0/UDP 10.0.0.5;branch=a;x="1,2"'])).toBe(1);
    expect(viaCount([])).toBe(0);
    expect(requestOrigin(['SIP/2.0/UDP 10.0.0.5;branch=a'])).toBe('server');
    expect(requestOrigin(['SIP/2.0/UDP 10.0.0.5;branch=a', 'SIP/2.0/UDP 192.0.2.7;branch=b'])).toBe('relayed');
    expect(requestOrigin([])).toBe('relayed');
  });

  it('P-Asserted-Identity and auto-answer headers: believed from the PBX, from a proxy only when trusted', () => {
    expect(networkHeadersTrusted('server', policy)).toBe(true);
    expect(networkHeadersTrusted('relayed', policy)).toBe(false);
    expect(networkHeadersTrusted('relayed', trustingPolicy)).toBe(true);
  });

  it('reduces URIs to a party and compares them with our domains as one', () => {
    expect(partyUri('<sip:%31003@PBX.example.com:5060;transport=tcp>')).toEqual({ scheme: 'sip', user: '1003', host: 'pbx.example.com' });
    expect(partyUri('tel:+33140000000;phone-context=x')).toEqual({ scheme: 'tel', user: '+33140000000', host: '' });
    expect(partyUri('mailto:x@y')).toBeUndefined();
    expect(partyUri(undefined)).toBeUndefined();
    const p = (u: string) => partyUri(u)!;
    expect(sameParty(p('sip:1003@pbx.example.com'), p('sips:1003@10.0.0.5'), domains)).toBe(true);
    expect(sameParty(p('sip:1003@pbx.example.com'), p('sip:1004@pbx.example.com'), domains)).toBe(false);
    expect(sameParty(p('sip:1003@evil.example'), p('sip:1003@pbx.example.com'), domains)).toBe(false);
    expect(sameParty(p('sip:door@outside.example'), p('sip:door@outside.example'), domains)).toBe(true);
    expect(sameParty(p('tel:+3314'), p('sip:+3314@pbx.example.com;user=phone'), domains)).toBe(true);
    expect(sameParty(p('tel:+3314'), p('sip:+3314@evil.example'), domains)).toBe(false);
    expect(sameParty(p('sip:pbx.example.com'), p('sip:pbx.example.com'), domains)).toBe(false);
  });

  it('Replaces: the PBX itself, or the replaced call’s peer (a local From the proxy authenticates, or a trusted PAI)', () => {
    const relayed = (from: string, pai?: string) => ({ origin: 'relayed' as const, from, assertedIdentity: pai });
    const peer = 'sip:1003@pbx.example.com';
    expect(authorizeReplaces({ origin: 'server', from: 'sip:anyone@x', assertedIdentity: undefined }, peer, policy)).toMatchObject({ allowed: true, why: 'pbx' });
    expect(authorizeReplaces(relayed('sip:1003@pbx.example.com'), peer, policy)).toMatchObject({ allowed: true, why: 'peer-from' });
    expect(authorizeReplaces(relayed('sip:1003@10.0.0.5'), peer, policy)).toMatchObject({ allowed: true });
    // A colleague (the BLF published the dialog's identifiers to them), an outsider, a forged PAI, a foreign From:
    expect(authorizeReplaces(relayed('sip:1004@pbx.example.com'), peer, policy).allowed).toBe(false);
    expect(authorizeReplaces(relayed('sip:door@outside.example'), peer, policy).allowed).toBe(false);
    expect(authorizeReplaces(relayed('sip:1004@pbx.example.com', '<sip:1003@pbx.example.com>'), peer, policy).allowed).toBe(false);
    expect(authorizeReplaces(relayed('sip:1003@evil.example'), peer, policy).allowed).toBe(false);
    // An outside peer's From is not authenticated by the proxy: only its trusted assertion counts.
    const outside = 'sip:door@outside.example';
    expect(authorizeReplaces(relayed('sip:door@outside.example'), outside, policy).allowed).toBe(false);
    expect(authorizeReplaces(relayed('sip:x@outside.example', 'sip:door@outside.example'), outside, trustingPolicy)).toMatchObject({ allowed: true, why: 'peer-asserted' });
    expect(authorizeReplaces(relayed('sip:1003@pbx.example.com'), undefined, policy).allowed).toBe(false);
  });
});

describe('where requests come from', () => {
  it('UDP: only datagrams from the server are read (another host or port cannot talk to the console)', async () => {
    const server = dgram.createSocket('udp4');
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
    const connection = createSipConnection({ kind: 'udp', host: '127.0.0.1', port: server.address().port });
    await connection.connect();
    const read: string[] = [];
    connection.onMessage = (text) => read.push(text);
    const to = connection.local;
    stranger.send('OPTIONS sip:x SIP/2.0\r\nX-From: stranger\r\n\r\n', to.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    server.send('OPTIONS sip:x SIP/2.0\r\nX-From: server\r\n\r\n', to.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    expect(read.map((t) => /X-From: (\w+)/.exec(t)?.[1])).toEqual(['server']);
    connection.close();
    server.close();
    stranger.close();
  });
});

// ── the softphone against a fake PBX ─────────────────────────────────────────────────────────────────────────

interface Msg {
  readonly start: string;
  readonly headers: [string, string][];
  readonly body: string;
}

function parse(text: string): Msg {
  const end = text.indexOf('\r\n\r\n');
  const head = (end >= 0 ? text.slice(0, end) : text).split('\r\n');
  const headers = head.slice(1).map((l): [string, string] => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
  });
  return { start: head[0] ?? '', headers, body: end >= 0 ? text.slice(end + 4) : '' };
}
const h = (m: Msg, name: string): string => m.headers.find(([n]) => n === name)?.[1] ?? '';
const all = (m: Msg, name: string): string[] => m.headers.filter(([n]) => n === name).map(([, v]) => v);
const tag = (v: string): string => /;\s*tag=([^;>\s]+)/.exec(v)?.[1] ?? '';
const rand = (): string => randomBytes(6).toString('hex');

interface InviteResult {
  /** Final status. */
  readonly final: Promise<number>;
  readonly callId: string;
}

/** A registrar on 127.0.0.1 that answers everything 200, answers our INVITEs with SDP, and sends INVITEs to us. */
class FakePbx {
  readonly socket = dgram.createSocket('udp4');
  port = 0;
  console: { address: string; port: number } | undefined;
  contact = '';
  readonly #registered: Promise<void>;
  #onRegistered: () => void = () => undefined;
  readonly #finals = new Map<string, (status: number, msg: Msg) => void>();
  /** Our answers to the console's INVITEs: Call-ID → { console tag, our tag }. */
  readonly answered = new Map<string, { ours: string; theirs: string }>();

  constructor() {
    this.#registered = new Promise((r) => (this.#onRegistered = r));
    this.socket.on('message', (buf, rinfo) => this.#receive(buf.toString('utf8'), rinfo));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.socket.address().port;
  }

  registered(): Promise<void> {
    return this.#registered;
  }

  close(): void {
    this.socket.close();
  }

  #send(text: string): void {
    if (this.console) this.socket.send(text, this.console.port, this.console.address);
  }

  #reply(m: Msg, status: string, extra: string[] = [], body = ''): void {
    const toTag = tag(h(m, 'to')) ? '' : `;tag=${rand()}`;
    this.#send(
      [
        `SIP/2.0 ${status}`,
        ...all(m, 'via').map((v) => `Via: ${v}`),
        `From: ${h(m, 'from')}`,
        `To: ${h(m, 'to')}${toTag}`,
        `Call-ID: ${h(m, 'call-id')}`,
        `CSeq: ${h(m, 'cseq')}`,
        ...extra,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
  }

  #receive(text: string, rinfo: dgram.RemoteInfo): void {
    if (text.trim() === '') return;
    const m = parse(text);
    if (m.start.startsWith('SIP/2.0 ')) {
      const status = Number(m.start.slice(8, 11));
      const key = h(m, 'call-id');
      if (status >= 200 && /INVITE/.test(h(m, 'cseq'))) {
        if (status < 300) this.#ack(m);
        this.#finals.get(key)?.(status, m);
      }
      return;
    }
    const method = m.start.split(' ')[0];
    if (method === 'REGISTER') {
      this.console = { address: rinfo.address, port: rinfo.port };
      const contact = h(m, 'contact');
      this.contact = /<([^>]+)>/.exec(contact)?.[1] ?? '';
      this.#reply(m, '200 OK', [`Contact: ${contact.replace(/;expires=\d+/, '')};expires=300`]);
      if (!/expires=0/.test(contact) && h(m, 'expires') !== '0') this.#onRegistered();
    } else if (method === 'INVITE' && !tag(h(m, 'to'))) {
      const ours = rand();
      this.answered.set(h(m, 'call-id'), { ours, theirs: tag(h(m, 'from')) });
      const answer = { ...m, headers: m.headers.map(([n, v]): [string, string] => (n === 'to' ? [n, `${v};tag=${ours}`] : [n, v])) };
      const user = /sip:([^@]+)@/.exec(m.start)?.[1] ?? 'x';
      this.#reply(answer, '200 OK', [`Contact: <sip:${user}@127.0.0.1:${this.port}>`], SDP);
    } else if (method !== 'ACK') {
      this.#reply(m, '200 OK');
    }
  }

  #ack(r: Msg): void {
    const target = /<([^>]+)>/.exec(h(r, 'contact'))?.[1] ?? this.contact;
    this.#send(
      [
        `ACK ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${rand()}`,
        'Max-Forwards: 70',
        `From: ${h(r, 'from')}`,
        `To: ${h(r, 'to')}`,
        `Call-ID: ${h(r, 'call-id')}`,
        `CSeq: ${h(r, 'cseq').replace(/INVITE/, 'ACK')}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  /**
   * An INVITE to the console. `relayed`: as a proxy forwards another user agent's request (its Via under ours);
   * otherwise as a PBX that originates it (our Via only).
   */
  invite(opts: { from: string; relayed: boolean; headers?: string[] }): InviteResult {
    const callId = `${rand()}@fake`;
    let settle: (s: number) => void = () => undefined;
    const final = new Promise<number>((r) => (settle = r));
    this.#finals.set(callId, (status) => settle(status));
    this.#send(
      [
        `INVITE ${this.contact} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${rand()};rport`,
        ...(opts.relayed ? [`Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK${rand()};received=192.0.2.7;rport=5062`] : []),
        'Max-Forwards: 69',
        `From: ${opts.from};tag=${rand()}`,
        'To: <sip:1001@127.0.0.1>',
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:caller@127.0.0.1:${this.port}>`,
        ...(opts.headers ?? []),
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(SDP)}`,
        '',
        SDP,
      ].join('\r\n'),
    );
    return { final, callId };
  }
}

let pbx: FakePbx;
let phone: Softphone;

async function start(overrides: Partial<SipAccountConfig> = {}): Promise<void> {
  pbx = new FakePbx();
  await pbx.start();
  phone = loopbackSoftphone('acc-trust', pbx.port, overrides);
  await phone.start();
  await pbx.registered();
}

afterEach(async () => {
  await phone?.stop();
  pbx?.close();
});

function nextIncoming(): Promise<Call> {
  return new Promise((resolve) => {
    const off = phone.onIncomingCall((c) => {
      off();
      resolve(c);
    });
  });
}

function waitFor(call: Call, predicate: (s: CallSnapshot) => boolean): Promise<CallSnapshot> {
  return new Promise((resolve) => {
    if (predicate(call.snapshot())) return resolve(call.snapshot());
    const off = call.onDidChange((s) => {
      if (predicate(s)) {
        off();
        resolve(s);
      }
    });
  });
}

const PAI = 'P-Asserted-Identity: "Boss" <sip:0140000000@127.0.0.1>';
const AUTO = ['Call-Info: <sip:127.0.0.1>;answer-after=0', 'Alert-Info: <http://x>;info=alert-autoanswer', 'Answer-Mode: Auto'];

describe('incoming INVITE: caller ID and auto-answer', () => {
  it('relayed from another user agent: its P-Asserted-Identity and auto-answer request are ignored', async () => {
    await start();
    for (const header of AUTO) {
      const incoming = nextIncoming();
      pbx.invite({ from: '"Door" <sip:door@outside.example>', relayed: true, headers: [PAI, header] });
      const s = (await incoming).snapshot();
      expect(s.remote).toMatchObject({ user: 'door', displayName: 'Door' });
      expect(s.autoAnswerAfter).toBeUndefined();
      expect(s.state).toBe('incoming');
    }
  });

  it('originated by the PBX (one Via): P-Asserted-Identity is the caller ID, the auto-answer request is reported', async () => {
    await start();
    const incoming = nextIncoming();
    pbx.invite({ from: '"Door" <sip:door@outside.example>', relayed: false, headers: [PAI, AUTO[0]!] });
    const s = (await incoming).snapshot();
    expect(s.remote).toMatchObject({ user: '0140000000', displayName: 'Boss' });
    expect(s.autoAnswerAfter).toBe(0);
  });

  it('relayed by a proxy the account trusts (trustRelayedHeaders): both are believed', async () => {
    await start({ trustRelayedHeaders: true });
    const incoming = nextIncoming();
    pbx.invite({ from: '"Door" <sip:door@outside.example>', relayed: true, headers: [PAI, 'Call-Info: <sip:127.0.0.1>;answer-after=3'] });
    const s = (await incoming).snapshot();
    expect(s.remote.user).toBe('0140000000');
    expect(s.autoAnswerAfter).toBe(3);
  });
});

describe('INVITE with Replaces (RFC 3891 §7)', () => {
  /** Our active call to 1003 and the Replaces header value that names its dialog. */
  async function callTo1003(): Promise<{ call: Call; replaces: string }> {
    const call = phone.dial('1003');
    await waitFor(call, (s) => s.state === 'active');
    const [callId, tags] = [...pbx.answered.entries()].at(-1)!;
    return { call, replaces: `Replaces: ${callId};to-tag=${tags.theirs};from-tag=${tags.ours}` };
  }

  it('a colleague (who learnt the dialog from a BLF NOTIFY) or an outsider gets 403; the call stays as it was', async () => {
    await start();
    const { call, replaces } = await callTo1003();
    let rang = 0;
    phone.onIncomingCall(() => rang++);
    for (const [from, extra] of [
      ['<sip:1004@127.0.0.1>', []],
      ['"Door" <sip:door@outside.example>', []],
      ['<sip:1004@127.0.0.1>', ['P-Asserted-Identity: <sip:1003@127.0.0.1>']],
      ['<sip:1003@evil.example>', []],
    ] as const) {
      expect(await pbx.invite({ from, relayed: true, headers: [replaces, ...extra] }).final).toBe(403);
    }
    expect(rang).toBe(0);
    expect(call.snapshot().state).toBe('active');
    expect(phone.calls().map((c) => c.id)).toEqual([call.id]);
  });

  it('the replaced call’s own peer (1003, authenticated by the proxy) takes it over', async () => {
    await start();
    const { call, replaces } = await callTo1003();
    const incoming = nextIncoming();
    const invite = pbx.invite({ from: '<sip:1003@127.0.0.1>', relayed: true, headers: [replaces] });
    const replacing = await incoming;
    expect(replacing.snapshot().replaces).toBe(call.id);
    expect(await invite.final).toBe(200);
    expect((await waitFor(call, (s) => s.state === 'ended')).endReason).toBe('replaced');
  });

  it('an INVITE the PBX originated (one Via) may replace any of our calls with it', async () => {
    await start();
    const { call, replaces } = await callTo1003();
    const invite = pbx.invite({ from: '<sip:2005@127.0.0.1>', relayed: false, headers: [replaces] });
    expect(await invite.final).toBe(200);
    expect((await waitFor(call, (s) => s.state === 'ended')).endReason).toBe('replaced');
  });
});
