import { redactSipMessage, scrubSecret } from '../../sip-core';

describe('SIP trace redaction (the always-on SIP log and the diagnostics export)', () => {
  const register = [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport',
    'Authorization: Digest username="1001", realm="127.0.0.1", nonce="abc", uri="sip:127.0.0.1", response="0123456789abcdef"',
    'proxy-authorization : Digest username="1001",',
    '  response="feedface"',
    'Contact: <sip:rc1@127.0.0.1:40000>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  it('replaces Authorization and Proxy-Authorization values, folded lines included', () => {
    const out = redactSipMessage(register);
    expect(out).toContain('Authorization: <redacted>');
    expect(out).toContain('proxy-authorization : <redacted>');
    expect(out).not.toMatch(/response=|nonce=|feedface/);
    expect(out).toContain('Contact: <sip:rc1@127.0.0.1:40000>');
    expect(out.startsWith('REGISTER sip:127.0.0.1 SIP/2.0\r\nVia:')).toBe(true);
  });

  it('leaves WWW-Authenticate challenges and bodies alone', () => {
    const challenge = 'SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="x", nonce="n"\r\n\r\n';
    expect(redactSipMessage(challenge)).toBe(challenge);
  });

  it('removes SRTP keys: every inline: key of a=crypto (RFC 4568) and the MIKEY data of a=key-mgmt (RFC 4567)', () => {
    const keys = ['WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3', 'NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj'];
    const invite = [
      'INVITE sip:1001@127.0.0.1 SIP/2.0',
      'Content-Type: application/sdp',
      '',
      'v=0',
      'm=audio 4000 RTP/SAVP 0 101',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${keys[0]}|2^20|1:4;inline:${keys[1]}|2^20|2:4 FEC_ORDER=FEC_SRTP`,
      `A = CRYPTO:2 AES_CM_128_HMAC_SHA1_32 INLINE:${keys[2]}`,
      'a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyOmFkEZtRQAAAA',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    const out = redactSipMessage(invite);
    for (const k of keys) expect(out).not.toContain(k);
    expect(out).not.toContain('AQAFgM0Xfl');
    expect(out).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4;inline:<redacted>|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n');
    expect(out).toContain('A = CRYPTO:2 AES_CM_128_HMAC_SHA1_32 INLINE:<redacted>\r\n');
    expect(out).toContain('a=key-mgmt:mikey <redacted>\r\n');
    expect(out).toContain('a=rtpmap:0 PCMU/8000');
    // The same in a log file (LF line ends, other lines around it).
    const log = `2026-12-01T10:00:01Z DEBUG SIP in\n${invite.replace(/\r\n/g, '\n')}`;
    expect(redactSipMessage(log)).not.toMatch(new RegExp(keys.join('|')));
  });

  it('leaves an SDP without keys alone', () => {
    const sdp = 'v=0\r\nm=audio 4000 RTP/AVP 0\r\na=inline:not-crypto\r\na=fingerprint:sha-256 AB:CD\r\n';
    expect(redactSipMessage(sdp)).toBe(sdp);
  });

  it('scrubs a password from free text', () => {
    expect(scrubSecret('bad s3cret! at s3cret!', 's3cret!')).toBe('bad <redacted> at <redacted>');
    expect(scrubSecret('nothing', '')).toBe('nothing');
  });
});
