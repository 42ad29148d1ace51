/**
 * The outgoing number (issue 12 item 4): sip-core's dial(target, { identity, identityHeader }) and what the far end
 * really receives.
 *
 * - Asterisk bed (127.0.0.1:5070): the console registers as 2001 (`trust_id_inbound = yes`) and calls 2005
 *   (`send_pai = yes`, `trust_id_outbound = no`). Asterisk turns our P-Asserted-Identity into the caller ID it puts
 *   in From and PAI toward the phone; `Privacy: id` makes it send From "Anonymous" <sip:anonymous@anonymous.invalid>
 *   and no PAI; P-Preferred-Identity is not read (the endpoint's configured caller ID goes out).
 * - Kamailio bed (127.0.0.1:5060): a proxy passes our headers through; the far end gets them byte for byte.
 *
 * The far end is a sipp phone (tests/testbed/asterisk/phones.ts): registered from a free UDP port, a UAS scenario on
 * that same port answers the INVITE 486 Busy Here and sipp's message trace (-trace_msg) gives us the INVITE as received.
 * Needs tests/testbed/asterisk/start.sh and tests/testbed/start.sh.
 */
import { createSoftphone } from '../../sip-core';
import type { SipAccountConfig } from '../../sip-core/api/account';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { MediaSessionFactory } from '../../sip-core/api/media';
import { CallError, type Call, type DialOptions, type Softphone } from '../../sip-core/api/softphone';
import { ASTERISK_SIP, KAMAILIO_SIP, cleanup, phone as sippPhone, until } from '../testbed/asterisk/phones';
import { account1001, CountingRtpMedia, waitForRegistration } from './sip-core-helpers';

jest.setTimeout(60_000);

interface FarEnd {
  /** The INVITE as the phone received it. */
  readonly invite: Promise<string>;
  /** Un-register (the beds are shared: no stale contact for the next test). */
  close(): Promise<void>;
}

/** A phone that registers as `user` on `server`, refuses calls 486 and shows the first INVITE it received. */
async function busyPhone(server: string, user: string): Promise<FarEnd> {
  const far = await sippPhone(user, 'busy', { server });
  const invite = until(async () => far.invites()[0], `the INVITE ${user} received`, 30_000);
  invite.catch(() => undefined); // awaited by the test; close() must not leave an unhandled rejection behind
  return { invite, close: () => far.stop() };
}

/** A header's value (first occurrence; compact forms for From). */
function header(message: string, name: string, compact?: string): string | undefined {
  const head = message.split('\n\n')[0] ?? '';
  for (const line of head.split('\n')) {
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    if (key === name.toLowerCase() || (compact !== undefined && key === compact)) return (m[2] ?? '').trim();
  }
  return undefined;
}

function waitForCall(call: Call, predicate: (s: CallSnapshot) => boolean, timeoutMs = 15_000): Promise<CallSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(call.snapshot())) return resolve(call.snapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out; call is ${JSON.stringify(call.snapshot())}`));
    }, timeoutMs);
    const off = call.onDidChange((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

const medias: CountingRtpMedia[] = [];
const media: MediaSessionFactory = {
  create() {
    const m = new CountingRtpMedia();
    medias.push(m);
    return m;
  },
};

async function startConsole(account: SipAccountConfig): Promise<Softphone> {
  const phone = createSoftphone({ account, media });
  await phone.start();
  await waitForRegistration(phone, (s) => s.state === 'registered');
  return phone;
}

/** Dial `target` with `options` while `far` is the only phone of the target; returns the INVITE it received. */
async function dialAndCapture(phone: Softphone, far: FarEnd, target: string, options?: DialOptions): Promise<string> {
  const call = phone.dial(target, options);
  const invite = await far.invite;
  const ended = await waitForCall(call, (s) => s.state === 'ended');
  expect(ended.endStatus).toBe(486);
  return invite;
}

afterEach(() => {
  for (const m of medias.splice(0)) m.close();
});
afterAll(async () => {
  await cleanup();
});

describe('Asterisk (2001 trusted → 2005 with send_pai): the far end sees the chosen number', () => {
  const console2001: SipAccountConfig = {
    id: 'acc-identity-asterisk',
    server: '127.0.0.1',
    port: 5070,
    transport: 'udp',
    user: '2001',
    password: 'secret',
    domain: '127.0.0.1',
    displayName: 'Reception',
    media: 'rtp',
    registerExpires: 60,
  };
  let phone: Softphone;
  let far: FarEnd | undefined;
  beforeAll(async () => {
    phone = await startConsole(console2001);
  });
  afterAll(async () => {
    await phone?.stop();
  });
  beforeEach(async () => {
    far = await busyPhone(ASTERISK_SIP, '2005');
  });
  afterEach(async () => {
    await far?.close();
    far = undefined;
  });

  it('a provisioned number with a label: From and P-Asserted-Identity carry it', async () => {
    const invite = await dialAndCapture(phone, far!, '2005', { identity: { user: '0140000000', displayName: 'Accueil' } });
    expect(header(invite, 'From', 'f')).toMatch(/^"Accueil" <sip:0140000000@/);
    expect(header(invite, 'P-Asserted-Identity')).toMatch(/^"Accueil" <sip:0140000000@[^>]*>$/);
    expect(header(invite, 'Privacy')).toBeUndefined();
  });

  it('a global number (user=phone) with the account name: the E.164 digits reach the phone', async () => {
    const invite = await dialAndCapture(phone, far!, '2005', { identity: { user: '+33140000000' } });
    expect(header(invite, 'From', 'f')).toMatch(/^"Reception" <sip:\+33140000000@/);
    expect(header(invite, 'P-Asserted-Identity')).toMatch(/^"Reception" <sip:\+33140000000@/);
  });

  it('anonymous: From "Anonymous" <sip:anonymous@anonymous.invalid>, no PAI, the extension nowhere', async () => {
    const invite = await dialAndCapture(phone, far!, '2005', { identity: 'anonymous' });
    expect(header(invite, 'From', 'f')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>/);
    expect(header(invite, 'P-Asserted-Identity')).toBeUndefined();
    expect(header(invite, 'Remote-Party-ID')).toBeUndefined();
    const head = invite.split('\n\n')[0] ?? '';
    expect(head).not.toMatch(/2001|Reception/);
  });

  it('no identity: the endpoint caller ID as before ("Reception" <2001>)', async () => {
    const invite = await dialAndCapture(phone, far!, '2005');
    expect(header(invite, 'From', 'f')).toMatch(/^"Reception" <sip:2001@/);
    expect(header(invite, 'P-Asserted-Identity')).toMatch(/^"Reception" <sip:2001@/);
  });

  it('P-Preferred-Identity is not read by Asterisk: the endpoint caller ID goes out', async () => {
    const invite = await dialAndCapture(phone, far!, '2005', {
      identity: { user: '0140000000', displayName: 'Accueil' },
      identityHeader: 'ppi',
    });
    expect(header(invite, 'From', 'f')).toMatch(/^"Reception" <sip:2001@/);
    expect(invite).not.toContain('0140000000');
  });

  it('a hostile number is refused before anything is sent', async () => {
    expect(() => phone.dial('2005', { identity: { user: '0140000000>\r\nX-Evil: 1' } })).toThrow(CallError);
    expect(() => phone.dial('2005', { identity: { user: '1', displayName: 'A\r\nVia: x' } })).toThrow(CallError);
    expect(phone.calls()).toHaveLength(0);
    // Quotes and backslashes are sent as quoted-pairs (RFC 3261 §25.1); the far end gets one header, the number
    // intact. Asterisk 22 keeps the quoted-pairs in the caller name and escapes them again on the way out, so the
    // phone shows `Q \"R\" \\ <S>`: cosmetic, and only for names with `"` or `\`.
    const invite = await dialAndCapture(phone, far!, '2005', { identity: { user: '0140000001', displayName: 'Q "R" \\ <S>' } });
    const pai = header(invite, 'P-Asserted-Identity') ?? '';
    expect(pai).toMatch(/^"Q (?:[^"\\]|\\.)*R(?:[^"\\]|\\.)* <S>" <sip:0140000001@127\.0\.0\.1>$/);
    expect(header(invite, 'From', 'f')).toMatch(/<sip:0140000001@/);
    expect(invite).not.toMatch(/X-Evil|^Via: x/m);
  });
});

describe('Kamailio (a proxy, no privacy service): our identity headers reach the far end untouched', () => {
  let phone: Softphone;
  let far: FarEnd | undefined;
  beforeAll(async () => {
    phone = await startConsole(account1001({ id: 'acc-identity-kamailio', displayName: 'Reception' }));
  });
  afterAll(async () => {
    await phone?.stop();
  });
  beforeEach(async () => {
    far = await busyPhone(KAMAILIO_SIP, '1005');
  });
  afterEach(async () => {
    await far?.close();
    far = undefined;
  });

  it('P-Asserted-Identity as sent; From keeps the account (the proxy authenticates by it)', async () => {
    const invite = await dialAndCapture(phone, far!, '1005', { identity: { user: '+33140000000', displayName: 'Accueil' } });
    expect(header(invite, 'P-Asserted-Identity')).toBe('"Accueil" <sip:+33140000000@127.0.0.1;user=phone>');
    expect(header(invite, 'From', 'f')).toMatch(/^"Reception" <sip:1001@127\.0\.0\.1>;tag=/);
    expect(header(invite, 'Privacy')).toBeUndefined();
  });

  it('a display name with quotes and a backslash arrives as RFC 3261 quoted-pairs, in one header', async () => {
    const invite = await dialAndCapture(phone, far!, '1005', { identity: { user: '0140000001', displayName: 'Q "R" \\ <S>' } });
    expect(header(invite, 'P-Asserted-Identity')).toBe('"Q \\"R\\" \\\\ <S>" <sip:0140000001@127.0.0.1>');
  });

  it('P-Preferred-Identity as sent', async () => {
    const invite = await dialAndCapture(phone, far!, '1005', { identity: { user: '0140000000', displayName: '' }, identityHeader: 'ppi' });
    expect(header(invite, 'P-Preferred-Identity')).toBe('<sip:0140000000@127.0.0.1>');
    expect(header(invite, 'P-Asserted-Identity')).toBeUndefined();
  });

  it('anonymous: Privacy: id, our own number in PAI, From "Anonymous" with the account URI', async () => {
    const invite = await dialAndCapture(phone, far!, '1005', { identity: 'anonymous' });
    expect(header(invite, 'Privacy')).toBe('id');
    expect(header(invite, 'P-Asserted-Identity')).toBe('"Reception" <sip:1001@127.0.0.1>');
    expect(header(invite, 'From', 'f')).toMatch(/^"Anonymous" <sip:1001@127\.0\.0\.1>;tag=/);
  });
});
