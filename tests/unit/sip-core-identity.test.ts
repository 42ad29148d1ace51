/**
 * The presented identity of an outgoing call (issue 12 item 4): which headers dial() adds for DialOptions, and that a
 * hostile number or display name can never add a header, end the URI or spoof the far end's display.
 */
import { Grammar } from 'sip.js';
import type { SipAccountConfig } from '../../sip-core/api/account';
import { CallError, type DialOptions } from '../../sip-core/api/softphone';
import {
  MAX_PRESENTED_NAME,
  MAX_PRESENTED_USER,
  presentedIdentity,
  quoteDisplayName,
} from '../../sip-core/adapters/sipjs/softphone';

const account: SipAccountConfig = {
  id: 'acc-1',
  server: 'pbx.example.com',
  port: 5060,
  transport: 'udp',
  user: '2001',
  password: 'secret',
  displayName: 'Reception',
  domain: 'example.com',
  media: 'rtp',
};

function refused(options: DialOptions, acc: SipAccountConfig = account): void {
  let error: unknown;
  try {
    presentedIdentity(acc, options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CallError);
  expect((error as CallError).code).toBe('invalid-target');
}

/** The value of a generated header line, parsed the way a SIP stack reads a name-addr. */
function parsed(line: string | undefined): { displayName: string | undefined; user: string | undefined; uri: string } {
  const value = (line ?? '').replace(/^[A-Za-z-]+: /, '');
  const nameAddr = Grammar.nameAddrHeaderParse(value);
  if (!nameAddr) throw new Error(`not a name-addr: ${value}`);
  return { displayName: nameAddr.displayName || undefined, user: nameAddr.uri.user, uri: nameAddr.uri.toString() };
}

describe('presented identity headers (RFC 3325 / RFC 3323)', () => {
  it('no identity: nothing added, the From display name untouched', () => {
    expect(presentedIdentity(account, undefined)).toEqual({ headers: [] });
    expect(presentedIdentity(account, {})).toEqual({ headers: [] });
    expect(presentedIdentity(account, { identityHeader: 'ppi' })).toEqual({ headers: [] });
  });

  it('a number: P-Asserted-Identity by default, on the account domain, with its label', () => {
    expect(presentedIdentity(account, { identity: { user: '0140000000', displayName: 'Accueil' } })).toEqual({
      headers: ['P-Asserted-Identity: "Accueil" <sip:0140000000@example.com>'],
    });
    expect(
      presentedIdentity(account, { identity: { user: '0140000000', displayName: 'Accueil' }, identityHeader: 'pai' }),
    ).toEqual({ headers: ['P-Asserted-Identity: "Accueil" <sip:0140000000@example.com>'] });
  });

  it('P-Preferred-Identity on request', () => {
    expect(presentedIdentity(account, { identity: { user: '100' }, identityHeader: 'ppi' })).toEqual({
      headers: ['P-Preferred-Identity: "Reception" <sip:100@example.com>'],
    });
  });

  it("display name: the account's by default, none with '', none when the account has none", () => {
    expect(presentedIdentity(account, { identity: { user: '100' } }).headers).toEqual([
      'P-Asserted-Identity: "Reception" <sip:100@example.com>',
    ]);
    expect(presentedIdentity(account, { identity: { user: '100', displayName: '' } }).headers).toEqual([
      'P-Asserted-Identity: <sip:100@example.com>',
    ]);
    const { displayName: _omitted, ...noName } = account;
    expect(presentedIdentity(noName, { identity: { user: '100' } }).headers).toEqual([
      'P-Asserted-Identity: <sip:100@example.com>',
    ]);
    // The domain defaults to the server, as for the From header.
    const { domain: _d, ...noDomain } = account;
    expect(presentedIdentity(noDomain, { identity: { user: '100', displayName: '' } }).headers).toEqual([
      'P-Asserted-Identity: <sip:100@pbx.example.com>',
    ]);
  });

  it('a global number gets ;user=phone (RFC 3261 §19.1.6); # is escaped in the user part', () => {
    expect(parsed(presentedIdentity(account, { identity: { user: '+33140000000' } }).headers[0])).toEqual({
      displayName: 'Reception',
      user: '+33140000000',
      uri: 'sip:+33140000000@example.com;user=phone',
    });
    const line = presentedIdentity(account, { identity: { user: '*31#100', displayName: '' } }).headers[0];
    expect(line).toBe('P-Asserted-Identity: <sip:*31%23100@example.com>');
    expect(parsed(line).user).toBe('*31#100');
    // Not a global number: no user=phone.
    expect(presentedIdentity(account, { identity: { user: '+33a', displayName: '' } }).headers[0]).toBe(
      'P-Asserted-Identity: <sip:+33a@example.com>',
    );
  });

  it('anonymous: Privacy: id, our own number in the identity header, From display name "Anonymous"', () => {
    expect(presentedIdentity(account, { identity: 'anonymous' })).toEqual({
      headers: ['P-Asserted-Identity: "Reception" <sip:2001@example.com>', 'Privacy: id'],
      fromDisplayName: 'Anonymous',
    });
    expect(presentedIdentity(account, { identity: 'anonymous', identityHeader: 'ppi' })).toEqual({
      headers: ['P-Preferred-Identity: "Reception" <sip:2001@example.com>', 'Privacy: id'],
      fromDisplayName: 'Anonymous',
    });
    // A display name that cannot be sent is left out of our own identity instead of failing every call.
    expect(presentedIdentity({ ...account, displayName: 'Re\r\nception' }, { identity: 'anonymous' }).headers[0]).toBe(
      'P-Asserted-Identity: <sip:2001@example.com>',
    );
    refused({ identity: 'anonymous' }, { ...account, user: 'a b' });
  });

  it('accepts every allowed character and the longest number', () => {
    const all = '0123456789abcXYZ+*#._-';
    expect(parsed(presentedIdentity(account, { identity: { user: all, displayName: '' } }).headers[0]).user).toBe(all);
    const longest = '1'.repeat(MAX_PRESENTED_USER);
    expect(presentedIdentity(account, { identity: { user: longest, displayName: '' } }).headers[0]).toContain(longest);
  });

  it.each([
    ['empty', ''],
    ['too long', '1'.repeat(MAX_PRESENTED_USER + 1)],
    ['CRLF header injection', '0140000000\r\nX-Evil: 1'],
    ['bare LF', '0140000000\nVia: x'],
    ['ends the URI', '0140000000>'],
    ['name-addr injection', '1@evil.example>, <sip:2'],
    ['host part', '100@evil.example'],
    ['URI parameter', '100;user=phone'],
    ['URI header', '100?Subject=x'],
    ['space', '01 40 00 00 00'],
    ['quote', '100"'],
    ['percent escape', '100%0d%0a'],
    ['NUL', '100\u0000'],
    ['non-ASCII digits', '١٠٠'],
    ['fullwidth plus', '＋33140000000'],
  ])('refuses a number with %s', (_what, user) => {
    refused({ identity: { user } });
  });

  it('refuses identities of the wrong shape', () => {
    refused({ identity: 'Anonymous' as unknown as 'anonymous' });
    refused({ identity: null as unknown as 'anonymous' });
    refused({ identity: { user: 100 as unknown as string } });
    refused({ identity: {} as unknown as { user: string } });
    refused({ identity: { user: '100' }, identityHeader: 'rpid' as unknown as 'pai' });
    refused({ identity: { user: '100', displayName: 42 as unknown as string } });
  });
});

describe('display names are RFC 3261 quoted-strings, never a way out of the header', () => {
  it('escapes quotes and backslashes; <, >, commas and UTF-8 stay inside the quotes', () => {
    expect(quoteDisplayName('Accueil')).toBe('"Accueil"');
    expect(quoteDisplayName('')).toBeUndefined();
    expect(quoteDisplayName('Q "R" \\ <S>')).toBe('"Q \\"R\\" \\\\ <S>"');
    expect(quoteDisplayName('Société Générale, accueil')).toBe('"Société Générale, accueil"');
    expect(quoteDisplayName('\\')).toBe('"\\\\"');
    expect(quoteDisplayName('"')).toBe('"\\""');
  });

  it.each([
    'Evil" <sip:666@evil.example>',
    '"><sip:666@evil.example>;x="',
    'A\\", <sip:666@evil.example>',
    'trailing backslash \\',
    'B <sip:666@evil.example>, "C',
  ])('hostile %j parses back as one name-addr with our URI and the same text', (name) => {
    const line = presentedIdentity(account, { identity: { user: '0140000000', displayName: name } }).headers[0];
    expect(line?.split(/\r|\n/)).toHaveLength(1);
    const p = parsed(line);
    expect(p.uri).toBe('sip:0140000000@example.com');
    // SIP.js drops the quotes and keeps the quoted-pairs; unescaping them gives the original text back.
    expect(p.displayName?.replace(/\\(.)/g, '$1')).toBe(name);
  });

  it.each([
    ['CR LF', 'A\r\nVia: SIP/2.0/UDP evil'],
    ['LF', 'A\nB'],
    ['CR', 'A\rB'],
    ['tab', 'A\tB'],
    ['NUL', 'A\u0000'],
    ['DEL', 'A\u007f'],
    ['C1 NEL', 'A\u0085B'],
    ['line separator', 'A\u2028B'],
    ['RLO bidi override', 'Bank \u202eknaB'],
    ['isolate', 'A\u2066B\u2069'],
    ['zero-width space', 'A\u200bB'],
    ['BOM', '\ufeffA'],
    ['lone surrogate', 'A\ud800B'],
  ])('refuses a display name with %s', (_what, displayName) => {
    refused({ identity: { user: '100', displayName } });
  });

  it('caps the length in code points', () => {
    const emoji = '😀'.repeat(MAX_PRESENTED_NAME); // 2 UTF-16 units each: counted as one character
    expect(quoteDisplayName(emoji)).toBe(`"${emoji}"`);
    refused({ identity: { user: '100', displayName: 'x'.repeat(MAX_PRESENTED_NAME + 1) } });
  });
});
