import { parseNameAddr, sanitizeRemoteParty, sanitizeText } from '../../sip-core';

describe('hostile caller IDs are made safe to show', () => {
  it('prefers the display name and user of a PAI/From header', () => {
    expect(parseNameAddr('"Reception \\"Desk\\"" <sip:1002@127.0.0.1>;tag=abc')).toEqual({
      displayName: '"Reception \\"Desk\\""',
      user: '1002',
      uri: 'sip:1002@127.0.0.1',
    });
    expect(sanitizeRemoteParty(parseNameAddr('"Reception \\"Desk\\"" <sip:1002@h>') ?? {})).toEqual({
      displayName: 'Reception "Desk"',
      user: '1002',
      uri: 'sip:1002@h',
    });
    expect(parseNameAddr('<tel:+33123456789>')?.user).toBe('+33123456789');
    expect(parseNameAddr('sip:1003@host;tag=1')).toEqual({ displayName: undefined, user: '1003', uri: 'sip:1003@host' });
  });

  it('strips control characters and bidi overrides', () => {
    const party = sanitizeRemoteParty({ displayName: 'Bank\u202e\u0007 of\r\nEvil\u200b', user: '10%0a02\u0000', uri: 'sip:x' });
    expect(party.displayName).toBe('Bank of Evil');
    expect(party.user).toBe('1002');
  });

  it('caps lengths on code points', () => {
    const long = '😀'.repeat(100);
    expect(Array.from(sanitizeText(long, 64))).toHaveLength(64);
    expect(sanitizeRemoteParty({ displayName: 'a'.repeat(500), user: '9'.repeat(500) })).toMatchObject({
      displayName: 'a'.repeat(64),
      user: '9'.repeat(64),
    });
  });

  it('never throws on garbage', () => {
    for (const junk of ['', '<', '"unterminated <sip:', '%E0%A4%A', '\ud800 lone', 'x'.repeat(100_000), '<>']) {
      expect(() => sanitizeRemoteParty(parseNameAddr(junk) ?? { user: junk, displayName: junk })).not.toThrow();
    }
    expect(parseNameAddr(undefined)).toBeUndefined();
    expect(sanitizeRemoteParty({ user: '%E0%A4%A' }).user).toBe('%E0%A4%A');
    expect(sanitizeText(42 as unknown as string, 10)).toBe('');
  });
});
