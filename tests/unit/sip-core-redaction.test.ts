import { redactSipMessage, scrubSecret } from '../../sip-core';

describe('SIP trace redaction', () => {
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

  it('scrubs a password from free text', () => {
    expect(scrubSecret('bad s3cret! at s3cret!', 's3cret!')).toBe('bad <redacted> at <redacted>');
    expect(scrubSecret('nothing', '')).toBe('nothing');
  });
});
