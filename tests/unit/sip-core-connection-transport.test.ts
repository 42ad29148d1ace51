/**
 * The SIP.js transport survives its connections: a dropped connection is replaced under the same UserAgent, the
 * Contact follows the new connection, and what a dialog sends while nothing is connected (a BYE) goes out on the
 * next connection — a call ended during an outage still ends at the far end.
 */
import { TransportState } from 'sip.js';
import {
  boundInviteExpires,
  ConnectionTransport,
  HELD_MAX_AGE_MS,
  rewriteIncoming,
  rewriteOutgoing,
} from '../../sip-core/adapters/sipjs/sipjs-transport';
import { SipConnectionError, type SipConnection, type SipEndpoint } from '../../sip-core/transports';

/** A connection we script: a seam we own (the real ones are covered by the transports' own tests). */
class ScriptedConnection implements SipConnection {
  sent: string[] = [];
  closed = false;
  onMessage: ((text: string) => void) | undefined;
  onClose: ((error?: SipConnectionError) => void) | undefined;
  constructor(
    readonly kind: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss',
    readonly local: SipEndpoint,
    readonly remote: SipEndpoint = { host: '198.18.0.2', port: 5060 },
  ) {}
  async connect(): Promise<void> {}
  async send(text: string): Promise<void> {
    if (this.closed) throw new SipConnectionError('network', 'closed');
    this.sent.push(text);
  }
  close(): void {
    this.closed = true;
  }
  drop(): void {
    this.closed = true;
    this.onClose?.(new SipConnectionError('network', 'Connection closed by peer', 'ECONNRESET'));
  }
}

const VIA = 'abc123.invalid';
const BYE = `BYE sip:1003@198.18.0.2 SIP/2.0\r\nVia: SIP/2.0/TCP ${VIA};branch=z9hG4bK1\r\nContact: <sip:rc1@${VIA}>\r\nCSeq: 3 BYE\r\n\r\n`;

function transportWith(connections: ScriptedConnection[], now = () => Date.now()) {
  const queue = [...connections];
  const lost: (SipConnectionError | undefined)[] = [];
  const t = new ConnectionTransport(
    { log: () => undefined },
    {
      viaHost: VIA,
      rewriteHost: true,
      open: async () => {
        const c = queue.shift();
        if (!c) throw new SipConnectionError('network', 'no more', 'ECONNREFUSED');
        return c;
      },
      onConnectionLost: (e) => lost.push(e),
      now,
    },
  );
  return { t, lost };
}

describe('the transport outlives its connections', () => {
  it('a lost TCP connection is replaced; the Contact names the new one', async () => {
    const first = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 40001 });
    const second = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 40002 });
    const { t, lost } = transportWith([first, second]);
    await t.connect();
    expect(t.protocol).toBe('TCP');
    await t.send(BYE);
    expect(first.sent[0]).toContain('Contact: <sip:rc1@198.18.0.1:40001;transport=tcp>');
    expect(first.sent[0]).toContain(`Via: SIP/2.0/TCP 198.18.0.1:40001;branch`);

    first.drop();
    expect(lost).toHaveLength(1);
    expect(t.state).toBe(TransportState.Disconnected);
    await t.connect();
    await t.send(BYE);
    expect(second.sent[0]).toContain('Contact: <sip:rc1@198.18.0.1:40002;transport=tcp>');
  });

  it('a BYE sent while disconnected is held and goes out on the next connection, once', async () => {
    const first = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const second = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const { t } = transportWith([first, second]);
    await t.connect();
    first.drop();
    // SIP.js retransmits over UDP while we are away: held once.
    await t.send(BYE);
    await t.send(BYE);
    await t.send('REGISTER sip:pbx.test SIP/2.0\r\nVia: x\r\n\r\n').catch(() => undefined);
    expect(t.heldCount).toBe(1);
    await t.connect();
    await new Promise((r) => setImmediate(r));
    expect(second.sent).toHaveLength(1);
    expect(second.sent[0]).toMatch(/^BYE /);
    expect(second.sent[0]).toContain('Contact: <sip:rc1@198.18.0.1:5062>');
    expect(t.heldCount).toBe(0);
  });

  it('REGISTER/SUBSCRIBE are not held (the softphone redoes them); old held messages expire', async () => {
    let clock = 1_000_000;
    const first = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 1 });
    const second = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 2 });
    const { t } = transportWith([first, second], () => clock);
    await t.connect();
    first.drop();
    await expect(t.send('SUBSCRIBE sip:1003@pbx.test SIP/2.0\r\n\r\n')).rejects.toThrow(SipConnectionError);
    await t.send(BYE);
    clock += HELD_MAX_AGE_MS + 1;
    await t.connect();
    await new Promise((r) => setImmediate(r));
    expect(second.sent).toEqual([]);
  });

  it('messages naming an earlier local address are still recognised as ours', async () => {
    const first = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 40001 });
    const second = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 40002 });
    const { t } = transportWith([first, second]);
    const received: string[] = [];
    t.onMessage = (m) => received.push(m);
    await t.connect();
    first.drop();
    await t.connect();
    second.onMessage?.('BYE sip:rc1@198.18.0.1:40001;transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP 198.18.0.2\r\n\r\n');
    expect(received[0]).toMatch(new RegExp(`^BYE sip:rc1@${VIA} SIP/2.0`));
    // A message from a replaced connection is ignored.
    first.onMessage?.('SIP/2.0 200 OK\r\n\r\n');
    expect(received).toHaveLength(1);
  });
});

describe('Contact and Via rewriting', () => {
  it('outgoing: the transport parameter follows the connection (none for UDP, RFC 3261 §19.1.1)', () => {
    const msg = `INVITE sip:1003@pbx.test SIP/2.0\r\nVia: SIP/2.0/TLS ${VIA};branch=z\r\nContact: <sip:rc1@${VIA};transport=tcp>\r\n\r\nc=IN IP4 ${VIA}`;
    const tls = rewriteOutgoing(msg, VIA, '198.18.0.1:41000', ';transport=tls');
    expect(tls).toContain('Contact: <sip:rc1@198.18.0.1:41000;transport=tls>');
    expect(tls).toContain('Via: SIP/2.0/TLS 198.18.0.1:41000;branch=z');
    expect(tls.endsWith(`c=IN IP4 ${VIA}`)).toBe(true); // the body is not ours to touch
    expect(rewriteOutgoing(msg, VIA, '198.18.0.1:5062', '')).toContain('Contact: <sip:rc1@198.18.0.1:5062>');
  });

  it('incoming: our address and the parameter after it become the placeholder, not a longer port', () => {
    const msg = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 198.18.0.1:4100;rport=4100\r\nContact: <sip:rc1@198.18.0.1:4100;TRANSPORT=TCP>;expires=300\r\nX: 198.18.0.1:41000\r\n\r\n';
    const out = rewriteIncoming(msg, '198.18.0.1:4100', VIA);
    expect(out).toContain(`Contact: <sip:rc1@${VIA}>;expires=300`);
    expect(out).toContain(`Via: SIP/2.0/TCP ${VIA};rport=4100`);
    expect(out).toContain('X: 198.18.0.1:41000');
  });

  it('every message is rewritten alike, whatever was rewritten before it (patterns built once per address)', () => {
    const msg = (port: number) => `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.0.1:${port};rport=${port}\r\nContact: <sip:rc1@198.18.0.1:${port}>\r\n\r\n`;
    const expected = `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP ${VIA};rport=4100\r\nContact: <sip:rc1@${VIA}>\r\n\r\n`;
    const first = rewriteIncoming(msg(4100), '198.18.0.1:4100', VIA);
    expect(first).toBe(expected);
    expect(rewriteIncoming(msg(4200), '198.18.0.1:4200', VIA)).toBe(expected.replace(';rport=4100', ';rport=4200'));
    expect(rewriteIncoming(msg(4100), '198.18.0.1:4100', VIA)).toBe(first);
    const invite = `INVITE sip:1003@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP ${VIA};branch=z\r\nContact: <sip:rc1@${VIA}>\r\n\r\n`;
    const out = rewriteOutgoing(invite, VIA, '198.18.0.1:4100', '');
    expect(out).toBe('INVITE sip:1003@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.1:4100;branch=z\r\nContact: <sip:rc1@198.18.0.1:4100>\r\n\r\n');
    expect(rewriteOutgoing(invite, VIA, '198.18.0.1:4100', '')).toBe(out);
  });
});

describe('keep-alive pongs on a stream (RFC 5626 §4.4.1)', () => {
  it('a CRLF between messages counts as a pong; CRLFs inside a message do not', async () => {
    const { SipStreamFramer } = await import('../../sip-core/transports');
    const f = new SipStreamFramer();
    expect(f.push(Buffer.from('\r\n'))).toEqual([]);
    expect(f.pongs).toBe(1);
    const msg = 'SIP/2.0 200 OK\r\nContent-Length: 4\r\n\r\n\r\n\r\n';
    expect(f.push(Buffer.from(msg))).toEqual([msg]);
    expect(f.pongs).toBe(1);
    f.push(Buffer.from('\r\n'));
    expect(f.pongs).toBe(2);
  });
});

describe('UDP request retransmission (RFC 3261 §17.1.1.2, §17.1.2.2: SIP.js has no Timer A/E)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const INVITE = `INVITE sip:1003@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP ${VIA};branch=z9hG4bKinv1\r\nCSeq: 2 INVITE\r\nContact: <sip:rc1@${VIA}>\r\n\r\n`;
  const OPTIONS = `OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP ${VIA};branch=z9hG4bKopt1\r\nCSeq: 5 OPTIONS\r\n\r\n`;
  const response = (status: number, branch: string, method: string) =>
    `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 198.18.0.1:5062;branch=${branch}\r\nCSeq: 2 ${method}\r\n\r\n`;

  it('a lost INVITE goes out again at 0.5, 1, 2 s… until the first response', async () => {
    const c = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const { t } = transportWith([c]);
    await t.connect();
    await t.send(INVITE);
    expect(c.sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(500);
    expect(c.sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1000);
    expect(c.sent).toHaveLength(3);
    c.onMessage?.(response(100, 'z9hG4bKinv1', 'INVITE'));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(c.sent).toHaveLength(3);
    expect(c.sent[2]).toContain('Contact: <sip:rc1@198.18.0.1:5062>');
  });

  it('other requests: until a final response, no faster than T2 after a provisional one, given up after 32 s', async () => {
    const c = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const { t } = transportWith([c]);
    await t.connect();
    await t.send(OPTIONS);
    await jest.advanceTimersByTimeAsync(40_000);
    const sentWithoutAnswer = c.sent.length;
    expect(sentWithoutAnswer).toBeGreaterThan(5);
    expect(sentWithoutAnswer).toBeLessThan(15);
    const c2 = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const { t: t2 } = transportWith([c2]);
    await t2.connect();
    await t2.send(OPTIONS.replace('opt1', 'opt2'));
    c2.onMessage?.(response(200, 'z9hG4bKopt2', 'OPTIONS').replace('2 OPTIONS', '5 OPTIONS'));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(c2.sent).toHaveLength(1);
  });

  it('never over TCP (reliable) and never for ACK', async () => {
    const c = new ScriptedConnection('tcp', { host: '198.18.0.1', port: 41000 });
    const { t } = transportWith([c]);
    await t.connect();
    await t.send(INVITE);
    await jest.advanceTimersByTimeAsync(5000);
    expect(c.sent).toHaveLength(1);
    const u = new ScriptedConnection('udp', { host: '198.18.0.1', port: 5062 });
    const { t: tu } = transportWith([u]);
    await tu.connect();
    await tu.send(INVITE.replace('INVITE sip', 'ACK sip').replace('2 INVITE', '2 ACK'));
    await jest.advanceTimersByTimeAsync(5000);
    expect(u.sent).toHaveLength(1);
  });
});

describe('an incoming INVITE\'s Expires (SIP.js gives it to setTimeout as it is)', () => {
  const invite = (expires: string | undefined, body = 'v=0\r\n'): string =>
    ['INVITE sip:1001@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', 'CSeq: 1 INVITE', ...(expires === undefined ? [] : [`Expires: ${expires}`]), 'Content-Length: 9', '', body].join('\r\n');

  it('keeps a number of seconds a timer can hold', () => {
    for (const v of ['0', '1', '180', '2147483']) expect(boundInviteExpires(invite(v))).toBe(invite(v));
    expect(boundInviteExpires(invite(undefined))).toBe(invite(undefined));
    expect(boundInviteExpires(invite('  60  '))).toBe(invite('  60  '));
  });

  it('drops the header when it is not one (too large for a timer, not a number): the INVITE then rings until cancelled', () => {
    for (const v of ['2147484', '4294967296', '99999999999999999999999999', 'soon', '-5', '1e3', '', '60 seconds']) {
      expect(boundInviteExpires(invite(v))).toBe(invite(undefined));
    }
    expect(boundInviteExpires(invite('soon').replace('Expires', 'expires'))).toBe(invite(undefined)); // any case
  });

  it('reads headers only, not the body; leaves a folded value to SIP.js\'s parser', () => {
    const inBody = invite(undefined, 'v=0\r\nExpires: soon\r\n');
    expect(boundInviteExpires(inBody)).toBe(inBody);
    const folded = invite(undefined).replace('CSeq: 1 INVITE', 'CSeq: 1 INVITE\r\nExpires:\r\n 60');
    expect(boundInviteExpires(folded)).toBe(folded);
  });
});
