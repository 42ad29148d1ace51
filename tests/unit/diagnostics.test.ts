import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDiagnostics } from '../../electron/services/diagnostics';

describe('export diagnostics', () => {
  it('bundles the rotated and current logs with every secret removed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-diag-'));
    const log = path.join(dir, 'console.log');
    fs.writeFileSync(`${log}.1`, '2026-12-01T10:00:00Z INFO old line\n');
    fs.writeFileSync(
      log,
      [
        '2026-12-01T10:00:01Z DEBUG SIP out',
        'REGISTER sip:pbx SIP/2.0',
        'Authorization: Digest username="1001", realm="pbx", nonce="abc", response="6629fae49393a05397450978507c4ef1"',
        'Proxy-Authorization: Digest username="1001", response="ffff"',
        '',
        '2026-12-01T10:00:02Z INFO provisioning {"password":"hunter2-secret","user":"1001"}',
        '2026-12-01T10:00:03Z WARN an old version logged hunter2-secret in clear',
      ].join('\n'),
    );
    const out = buildDiagnostics({ logFiles: [log], secrets: ['hunter2-secret'], appVersion: '0.1.0', host: 'web' });
    expect(out).toContain('Receptionist Console 0.1.0 diagnostics (web host)');
    expect(out.indexOf('old line')).toBeLessThan(out.indexOf('REGISTER sip:pbx'));
    expect(out).not.toMatch(/6629fae4|response="ffff"|hunter2-secret/);
    expect(out).toContain('Authorization: <redacted>');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('removes SRTP keys (a=crypto inline:, a=key-mgmt) from logs, old ones written before the trace redacted them too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-diag-'));
    const log = path.join(dir, 'console.log');
    fs.writeFileSync(
      log,
      [
        '2026-12-01T10:00:01Z DEBUG SIP in',
        'INVITE sip:rc1@127.0.0.1:40000 SIP/2.0',
        'Content-Type: application/sdp',
        '',
        'v=0',
        'm=audio 4000 RTP/SAVP 0',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
        'a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyOmFkEZtRQAAAA',
        '',
      ].join('\n'),
    );
    const out = buildDiagnostics({ logFiles: [log], secrets: [], appVersion: '0.1.0', host: 'electron' });
    expect(out).not.toMatch(/WVNfX19zZW1jdGwg|AQAFgM0Xfl/);
    expect(out).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4');
    expect(out).toContain('SRTP keys are removed');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says how to get a log when there is none', () => {
    expect(buildDiagnostics({ logFiles: [], secrets: [], appVersion: '0.1.0', host: 'web' })).toContain('--log-file');
  });
});
