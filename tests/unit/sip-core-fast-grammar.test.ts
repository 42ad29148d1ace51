/**
 * The hand-written header reader in front of SIP.js's grammar (sip-core/adapters/sipjs/fast-grammar.ts) must return
 * exactly what the grammar returns, or leave the input to it. Compared here on the header values our test beds sent
 * (tests/fixtures/sip/header-values.txt: one per shape, from Kamailio, Asterisk, baresip, sipp and SIP.js, on
 * loopback and in the remote namespace bed), on values built from parts the grammar treats specially, and on random
 * mutations of both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Grammar } from 'sip.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import { fastParse, installFastGrammar } from '../../sip-core/adapters/sipjs/fast-grammar';
import { seededRandom } from '../lib/seeded-random';

/** SIP.js's own parse, kept before any test installs the fast path. */
const grammarParse = Grammar.parse.bind(Grammar);

/** The first difference between two values (classes, own keys in order, values), or undefined. */
function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (a === null || b === null || typeof a !== 'object') return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: another class`;
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys [${ka.join(', ')}] vs [${kb.join(', ')}]`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Header name as the fixture writes it → the grammar's start rule. */
const RULES: Record<string, string> = {
  Via: 'Via',
  From: 'From',
  To: 'To',
  'Call-ID': 'Call_ID',
  CSeq: 'CSeq',
  Contact: 'Contact',
  'Record-Route': 'Record_Route',
  Route: 'Record_Route', // same shape of value; Route itself is not parsed by SIP.js on receipt
  'Max-Forwards': 'Max_Forwards',
  'Content-Type': 'Content_Type',
  'Content-Length': 'Content_Length',
  Event: 'Event',
  'Subscription-State': 'Subscription_State',
};

const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'sip', 'header-values.txt'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line): [string, string] => {
    if (line.startsWith('SIP/2.0 ') || line.endsWith(' SIP/2.0')) return ['Request_Response', line];
    const colon = line.indexOf(':');
    return [RULES[line.slice(0, colon)]!, line.slice(colon + 1).trim()];
  });

/** Checks one input; returns whether the fast path read it. */
function check(input: string, rule: string): boolean {
  const fast = fastParse(input, rule);
  if (fast === undefined) return false;
  const d = difference(fast, grammarParse(input, rule));
  if (d) throw new Error(`${rule} ${JSON.stringify(input)}: ${d}`);
  return true;
}

describe('fast SIP header reader', () => {
  it('reads what the test beds sent exactly as SIP.js does, leaving it only quoted and comma-separated values it does not read', () => {
    const declined: string[] = [];
    for (const [rule, value] of fixture) if (!check(value, rule)) declined.push(`${rule} ${value}`);
    // Left to the grammar: quoted parameter values (+sip.instance, gruu) and Content-Type parameters.
    expect(declined.filter((d) => !(d.includes('"') || d.startsWith('Content_Type')))).toEqual([]);
    expect(declined.length).toBeLessThan(fixture.length / 10);
  });

  it('reads the common shapes of every rule it covers', () => {
    const common: [string, string][] = [
      ['Request_Response', 'INVITE sip:1001@127.0.0.1:5070;transport=udp SIP/2.0'],
      ['Request_Response', 'SIP/2.0 180 Ringing'],
      ['Request_Response', 'SIP/2.0 200 OK'],
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1b3d.7c0a6a2b5f2e4a1c9d4e2f1a0b3c4d5e.0'],
      ['Via', 'SIP/2.0/UDP pbx.example.com;received=192.0.2.1;rport=5061;branch=z9hG4bK-1;alias'],
      ['From', '"Dupont, Jean" <sip:+33145678901@pbx.example.com;user=phone>;tag=abc-1'],
      ['From', 'Reception Desk <sip:2001@pbx.example.com>;tag=x;epid=1'],
      ['To', '<sip:1001@127.0.0.1:5060>'],
      ['Contact', '<sip:1002@127.0.0.1:5072;transport=TCP;ob>;reg-id=1'],
      ['Contact', '"A" <sip:a@h1>;x=1, <sip:b@h2>,  <sip:c@h3>'],
      ['Record_Route', '<sip:198.18.0.2;r2=on;lr;ftag=22g2;did=389.4d41>, <sip:198.18.0.2:8080;transport=ws;r2=on;lr>'],
      ['Call_ID', '1-28931@127.0.0.1'],
      ['CSeq', '102 INVITE'],
      ['Max_Forwards', '70'],
      ['Content_Type', 'application/sdp'],
      ['Content_Length', '0'],
      ['Event', 'dialog'],
      ['Event', 'Presence.winfo;id=7'],
      ['Subscription_State', 'active;expires=600'],
      ['Subscription_State', 'terminated;reason=noresource;retry_after=30'],
    ];
    for (const [rule, value] of common) expect([rule, value, check(value, rule)]).toEqual([rule, value, true]);
  });

  it('leaves to the grammar what it reads specially, and agrees with it on every generated value it reads', () => {
    const { int, pick } = seededRandom(1404);
    const hosts = ['127.0.0.1', '198.18.0.2', '255.255.255.255', '0.0.0.0', '01.2.3.4', '1.2.3.256', '1.2.3.4.5', 'pbx.example.com', 'PBX.Example.COM',
      'a_b.example', 'x.invalid', 'example.123', 'host-', '-h.com', 'a..b', '[::1]', 'h_st', 'localhost', 'abc.def.', 'a.b_c', '1abc.com', '25.250.249.199'];
    const users = ['', '1001', 'alice', 'Alice.Smith', '+33145678901', 'a%20b', 'user;x=1', "o'neil", 'a~b*c', 'us:pw', '*97', '**2003', '1002-0x55d255ced590'];
    const ports = ['', ':5060', ':0', ':65535', ':99999', ':123456', ':', ':05060'];
    const uriParams = ['transport=udp', 'transport=UDP', 'transport=tcp', 'transport=tls', 'transport=ws', 'transport=wss', 'transport=udpx', 'transport=tlsx',
      'Transport=Sctp', 'transport', 'lr', 'LR', 'lr=on', 'lrx', 'user=phone', 'user=PHONE', 'user=phonex', 'user=ip', 'user=ipx', 'user=dialstring', 'user',
      'method=INVITE', 'ttl=5', 'maddr=1.2.3.4', 'ob', 'x-foo=bar', 'X-Foo=Bar', 'a=', 'ftag=abc', 'did=5d1.5d', 'r2=on', 'q=1', 'x=(1)', 'k=%41', '1=2', 'gr'];
    const names = ['', '"Alice"', '""', '"Smith, John"', '"Zoë Ünal & Co"', '"a\\"b"', 'Alice', 'Alice  Smith', 'sip', 'sips', 'Bob Z.', '"\tx"', '"<sip:x@y>"', 'a:b'];
    const headerParams = ['tag=abc', 'TAG=AbC', 'tag', 'tagx=1', 'x-param=val', 'q=0.5', 'q', 'expires=3600', 'expires', 'Expires=10', 'reg-id=1', 'ob', 'lr',
      'branch=z9hG4bK-1', 'Branch=z9hG4bKx', 'branch', 'received=1.2.3.4', 'received=1.2.3.04', 'received=host.com', 'received', 'rport', 'rport=5060', 'rport=',
      'rport=5x', 'ttl=3', 'maddr=x', 'alias', '+sip.instance="<urn:uuid:1>"', 'x=1.2.3.4', 'x=[::1]', 'x=a/b', 'x=%41', '1=1'];
    const transports = ['UDP', 'udp', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP', 'TLSX', 'DTLS'];
    const methods = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'NOTIFY', 'SUBSCRIBE', 'REFER', 'INFO', 'PRACK', 'UPDATE', 'MESSAGE', 'NOTIFYX', 'INVITEs', 'invite', 'VXACH'];
    const some = (items: readonly string[], max: number): string => Array.from({ length: int(max + 1) }, () => `;${pick(items)}`).join('');
    const uri = (): string => `${pick(['sip:', 'sip:', 'sips:', 'SIP:', 'tel:'])}${((u) => (u ? `${u}@` : ''))(pick(users))}${pick(hosts)}${pick(ports)}${some(uriParams, 3)}${int(20) === 0 ? '?h=v' : ''}`;
    const nameAddr = (): string => `${pick(names)}${pick(['', ' ', '  '])}<${uri()}>`;
    const build: Record<string, () => string> = {
      Request_Response: () =>
        int(4) === 0 ? `SIP/2.0 ${pick(['100', '180', '200', '4x1', '1800'])} ${pick(['OK', 'Ringing', '', 'trying -- a/b', 'Zoë', 'a"b', '100%'])}` : `${pick(methods)} ${uri()} ${pick(['SIP/2.0', 'SIP/2.0', 'SIP/3.0', 'sip/2.0'])}`,
      Via: () => `SIP/2.0/${pick(transports)}${pick([' ', '  ', '\t'])}${pick(hosts)}${pick(ports)}${some(headerParams, 4)}${int(10) === 0 ? `, SIP/2.0/UDP ${pick(hosts)}` : ''}`,
      From: () => `${int(8) === 0 ? uri() : nameAddr()}${some(headerParams, 3)}`,
      To: () => `${int(8) === 0 ? uri() : nameAddr()}${some(headerParams, 3)}`,
      Contact: () => Array.from({ length: 1 + int(3) }, () => `${nameAddr()}${some(headerParams, 2)}`).join(pick([',', ', ', ' , '])),
      Record_Route: () => Array.from({ length: 1 + int(3) }, () => `${nameAddr()}${some(headerParams, 2)}`).join(pick([',', ', ', ' ,'])),
      Call_ID: () => pick(['1-28931@127.0.0.1', 'abc', 'a@b@c', 'x y', 'é@h', '<a>:b"c', '']),
      CSeq: () => `${pick(['1', '102', '', '4294967296'])}${pick([' ', '  ', '\t', ''])}${pick(methods)}`,
      Max_Forwards: () => pick(['70', '0', '', '7 0', '007', '+1']),
      Content_Length: () => pick(['0', '130', '', ' 1', '1e3']),
      Event: () => `${pick(['dialog', 'Dialog', 'presence', 'message-summary', 'presence.winfo', 'a.b.c', 'a..b', 'a b', '', 'x%y', '.a'])}${some(['id=1', 'ID=Ab', 'x', 'q=0.5', 'a=b=c'], 2)}`,
      Subscription_State: () =>
        `${pick(['active', 'Active', 'pending', 'terminated', 'TERMINATED', 'activex', 'pendingly', 'init', 'x-y', ''])}${some(
          ['expires=600', 'Expires=0', 'expires', 'expires=abc', 'expires=12x', 'reason=timeout', 'reason=Timeout', 'reason=timeouts', 'reason=noresource', 'reason=foo',
            'reason', 'retry_after=30', 'retry-after=30', 'retry_after=x', 'x=1', 'reasonx=1'],
          3,
        )}`,
      Content_Type: () => `${pick(['application', 'Application', 'applications', 'text', 'textual', 'message', 'x-a', 'audiox', ''])}/${pick(['sdp', 'dialog-info+xml', 'plain;charset=utf-8', '', 'a b'])}`,
    };
    // Mutations: a character the grammar treats specially inserted, deleted or replaced somewhere.
    const specials = [' ', '\t', ';', ',', '=', '<', '>', '"', '\\', ':', '@', '%', '?', '&', 'é', '[', ']', '/', '.', '-', '_', '0', '9', 'a', 'Z', '\r\n '];
    const mutate = (s: string): string => {
      const at = int(s.length + 1);
      switch (int(3)) {
        case 0:
          return s.slice(0, at) + pick(specials) + s.slice(at);
        case 1:
          return s.slice(0, at) + s.slice(at + 1);
        default:
          return s.slice(0, at) + pick(specials) + s.slice(at + 1);
      }
    };
    const read: Record<string, number> = {};
    const seen: Record<string, number> = {};
    for (const [rule, make] of Object.entries(build)) {
      const fromFixture = fixture.filter(([r]) => r === rule).map(([, v]) => v);
      for (let n = 0; n < 3000; n++) {
        let value = fromFixture.length && int(3) === 0 ? pick(fromFixture) : make();
        for (let m = int(3); m > 0; m--) value = mutate(value);
        seen[rule] = (seen[rule] ?? 0) + 1;
        if (check(value, rule)) read[rule] = (read[rule] ?? 0) + 1;
      }
    }
    // The comparison above ran on a good share of each rule's values (not only on declined ones).
    for (const rule of Object.keys(build)) expect([rule, (read[rule] ?? 0) / seen[rule]! > 0.05]).toEqual([rule, true]);
  });

  it('reads specific cases as SIP.js does, quirks included', () => {
    // A From's tag is its last parameter, wherever it was written.
    expect(Object.keys((fastParse('<sip:a@b>;tag=1;x=2', 'From') as { parameters: object }).parameters)).toEqual(['x', 'tag']);
    // A Via's `received` makes its host_type IPv4, as the grammar's IPv4 rule does.
    expect(fastParse('SIP/2.0/UDP pbx.test;received=198.18.0.1', 'Via')).toMatchObject({ host_type: 'IPv4', host: 'pbx.test', received: '198.18.0.1' });
    // Parameters after a bare URI are the URI's for the grammar: left to it.
    expect(fastParse('sip:a@b;tag=1', 'From')).toBeUndefined();
    for (const [value, rule] of [
      ['<sip:a@b;transport=udpx>', 'To'],
      ['<sip:a@b;lr=on>', 'To'],
      ['<sip:a@b>;q=0.5', 'Contact'],
      ['"a\\"b" <sip:a@b>', 'To'],
      ['<sip:a@[::1]>', 'To'],
      ['<sip:a%40b@h>', 'To'],
      ['INVITEX sip:a@b SIP/2.0', 'Request_Response'],
      ['textual/plain', 'Content_Type'],
      ['SIP/2.0/UDP h;ttl=1', 'Via'],
      ['SIP/2.0/UDP a, SIP/2.0/UDP b', 'Via'],
    ]) {
      expect([value, fastParse(value!, rule!)]).toEqual([value, undefined]);
    }
  });

  it('once installed, SIP.js parses a whole INVITE into the same message', () => {
    const invite = [
      'INVITE sip:1001@127.0.0.1:5070;transport=udp SIP/2.0',
      'Record-Route: <sip:127.0.0.1;lr;ftag=28931SIPpTag001;did=5d1.5d>',
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1b3d.7c0a6a2b5f2e4a1c9d4e2f1a0b3c4d5e.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5061;received=127.0.0.1;rport=5061;branch=z9hG4bK-28931-1-0',
      'From: "Zoë Ünal & Co" <sip:+33-1-23-45-67-89@example.com>;tag=28931SIPpTag001',
      'To: <sip:1001@127.0.0.1:5060>',
      'Call-ID: 1-28931@127.0.0.1',
      'CSeq: 1 INVITE',
      'Contact: <sip:sipp@127.0.0.1:5061;transport=UDP>',
      'Max-Forwards: 69',
      'Subject: Performance Test',
      'Content-Type: application/sdp',
      'Content-Length: 8',
      '',
      'v=0\r\ns=-',
    ].join('\r\n');
    const logger = { warn: jest.fn(), error: jest.fn() } as never;
    const before = Parser.parseMessage(invite, logger);
    installFastGrammar();
    expect(Grammar.parse).not.toBe(grammarParse);
    const after = Parser.parseMessage(invite, logger);
    expect(difference(after, before)).toBeUndefined();
    expect(after!.from.displayName).toBe('Zoë Ünal & Co');
    // Values it does not read still reach the grammar, errors included.
    expect(Grammar.parse('<sip:a@[::1]>', 'To')).toBeInstanceOf(Object);
    expect(Grammar.parse('<sip:a@b', 'To')).toBe(-1);
  });
});
