/**
 * The main-process log written asynchronously (issue 14, "Logging"): same line format as the old synchronous
 * logger, redaction before anything is queued or written, nothing lost on stop or at process exit, a bounded
 * buffer (drop-oldest, counted in the log), the size cap with `.1` rotation.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, type FileLogger } from '../../electron/services/logger';
import { AsyncFileSink } from '../../electron/services/log-sink';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A SIP message of about `size` characters, numbered. */
function sipMessage(n: number, size = 600): string {
  const head = [`OPTIONS sip:1002@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK${n}`, `CSeq: ${n} OPTIONS`, `X-Pad: `].join('\r\n');
  return `${head}${'x'.repeat(Math.max(0, size - head.length - 4))}\r\n\r\n`;
}

describe('main-process logger, asynchronous file sink', () => {
  let dir: string;
  let file: string;
  const open: FileLogger[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rc-log-'));
    file = join(dir, 'logs', 'console.log');
  });
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const logger = (options: Parameters<typeof createLogger>[0]) => {
    const l = createLogger({ file, ...options });
    open.push(l);
    return l;
  };

  it('writes the same lines as before: "<ISO time> <LEVEL> <message>", SIP as "<time> DEBUG SIP in|out" + the message', async () => {
    const log = logger({ level: 'info', sipTrace: true });
    const invite = 'INVITE sip:1003@127.0.0.1 SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const ok = 'SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    log.info('presence: on-demand 3/200 watched');
    log.debug('not at info level');
    log.sipTrace!('out', invite);
    log.warn('a warning');
    log.sipTrace!('in', ok);
    log.error('an error');
    // Asynchronous: nothing has been written during the calls themselves.
    expect(readFileSync(file, 'utf8')).toBe('');
    await log.flush();
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const [t0, lvl0, ...rest0] = lines[0]!.split(' ');
    expect([ISO.test(t0!), lvl0, rest0.join(' ')]).toEqual([true, 'INFO', 'presence: on-demand 3/200 watched']);
    expect(text).not.toContain('not at info level');
    // Exactly the old shape, byte for byte after the time stamps.
    expect(text.replace(/^\S+ /gm, (m) => (ISO.test(m.trim()) ? '<t> ' : m))).toBe(
      `<t> INFO presence: on-demand 3/200 watched\n<t> DEBUG SIP out\n${invite}\n<t> WARN a warning\n<t> DEBUG SIP in\n${ok}\n<t> ERROR an error\n`,
    );
    // How tests/e2e read the trace.
    const messages = text.split(/^\S+ DEBUG SIP /m).slice(1);
    expect(messages.map((m) => m.slice(0, m.indexOf('\n')))).toEqual(['out', 'in']);
    expect(messages[0]).toContain('\nINVITE sip:1003@127.0.0.1 SIP/2.0\r\n');
    expect(/^\S+ DEBUG SIP out\nINVITE /m.test(text)).toBe(true);
  });

  it('keeps the order of lines across many loop turns and writes', async () => {
    const log = logger({ level: 'debug' });
    for (let i = 0; i < 2000; i++) {
      log.debug(`line ${i}`);
      if (i % 97 === 0) await new Promise((r) => setImmediate(r));
    }
    await log.flush();
    const got = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => Number(l.split(' ').pop()));
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('never writes an Authorization digest, an SRTP inline key or a password in clear, even from a raw (unredacted) trace', async () => {
    const log = logger({ level: 'info', sipTrace: true, secrets: () => ['hunter2-secret'] });
    const register = [
      'REGISTER sip:127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1;rport',
      'Authorization: Digest username="1001", realm="127.0.0.1", nonce="abc", uri="sip:127.0.0.1", response="0123456789abcdef"',
      'Proxy-Authorization: Digest username="1001",',
      '  response="feedfacecafe"',
      'Contact: <sip:rc1@127.0.0.1:40000>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const key = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
    const invite = [
      'INVITE sip:1003@127.0.0.1 SIP/2.0',
      'Content-Type: application/sdp',
      '',
      'v=0',
      'm=audio 40002 RTP/SAVP 0',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20|1:4`,
      `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${key}Zz`,
      'a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO4AVhf4cOUU',
      '',
    ].join('\r\n');
    log.sipTrace!('out', register);
    log.sipTrace!('out', invite);
    log.info('provisioning {"user":"1001","password":"hunter2-secret"}');
    log.warn('login failed with hunter2-secret');
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/response=|nonce=|0123456789abcdef|feedfacecafe/);
    expect(text).not.toContain(key);
    expect(text).not.toContain('AQAFgM0XflAB');
    expect(text).not.toContain('hunter2-secret');
    // What is not secret stays (it helps support).
    expect(text).toContain('Authorization: <redacted>');
    expect(text).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4');
    expect(text).toContain('Contact: <sip:rc1@127.0.0.1:40000>');
    expect(text).toContain('"password":"<redacted>"');
  });

  it('flushes on stop: close() resolves once every line is in the file; a line after close is still written', async () => {
    const log = logger({ level: 'debug', sipTrace: true });
    for (let i = 0; i < 3000; i++) log.sipTrace!(i % 2 ? 'in' : 'out', sipMessage(i));
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split(/^\S+ DEBUG SIP /m).length - 1).toBe(3000);
    expect(text).toContain('CSeq: 2999 OPTIONS');
    expect(log.dropped).toBe(0);
    log.warn('after the stop');
    expect(readFileSync(file, 'utf8')).toMatch(/ WARN after the stop\n$/);
  });

  it('flushSync() writes what is queued at once (process exit, Electron quit)', () => {
    const log = logger({ level: 'info' });
    for (let i = 0; i < 500; i++) log.info(`queued ${i}`);
    expect(readFileSync(file, 'utf8')).toBe('');
    log.flushSync();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    expect(lines[499]).toMatch(/ INFO queued 499$/);
  });

  it('loses nothing when the process exits right after logging (process.exit: the exit hook writes the queue)', () => {
    const script = join(dir, 'exit.ts');
    const loggerPath = resolve(__dirname, '../../electron/services/logger');
    writeFileSync(
      script,
      [
        `import { createLogger } from ${JSON.stringify(loggerPath)};`,
        `const log = createLogger({ file: ${JSON.stringify(file)}, level: 'info', sipTrace: true });`,
        `for (let i = 0; i < 5000; i++) log.sipTrace!('in', 'SIP/2.0 200 OK\\r\\nCSeq: ' + i + ' OPTIONS\\r\\n\\r\\n');`,
        `log.info('last words');`,
        `process.exit(0);`,
      ].join('\n'),
    );
    execFileSync(process.execPath, [require.resolve('tsx/cli'), script], { stdio: 'pipe', timeout: 60_000 });
    const text = readFileSync(file, 'utf8');
    expect(text.split(/^\S+ DEBUG SIP /m).length - 1).toBe(5000);
    expect(text).toMatch(/ INFO last words\n$/);
  });

  it('bounds the buffer: a burst of 10,000 SIP messages in one turn keeps at most the bound in memory, drops the oldest and says how many', async () => {
    const log = logger({ level: 'info', sipTrace: true, maxBufferedLines: 1000 });
    for (let i = 0; i < 10_000; i++) log.sipTrace!('in', sipMessage(i));
    expect(log.dropped).toBe(9000);
    await log.flush();
    const text = readFileSync(file, 'utf8');
    const notice = /^\S+ WARN logger: (\d+) log lines dropped \(log buffer full\)$/m.exec(text);
    expect(notice?.[1]).toBe('9000');
    // Drop-oldest: the newest 1000 are there, in order, after the notice.
    const messages = text.split(/^\S+ DEBUG SIP /m).slice(1);
    expect(messages).toHaveLength(1000);
    expect(messages[0]).toContain('CSeq: 9000 OPTIONS');
    expect(messages[999]).toContain('CSeq: 9999 OPTIONS');
    expect(text.indexOf('log lines dropped')).toBeLessThan(text.indexOf('CSeq: 9000 OPTIONS'));
  });

  it('bounds the buffer in bytes too, whatever the number of lines', () => {
    const sink = new AsyncFileSink({ file, maxBytes: 1 << 30, maxBufferedBytes: 256 * 1024 });
    let peak = 0;
    for (let i = 0; i < 10_000; i++) {
      sink.write(`${new Date().toISOString()} DEBUG SIP in\n${sipMessage(i, 1200)}\n`);
      peak = Math.max(peak, sink.queuedChars);
    }
    expect(peak).toBeLessThanOrEqual(256 * 1024);
    expect(sink.queuedLines).toBeLessThan(256);
    expect(sink.dropped).toBe(10_000 - sink.queuedLines);
    return sink.close();
  });

  it('keeps the size cap: beyond maxBytes the file becomes <file>.1 and a new one starts, no line lost or cut', async () => {
    const log = logger({ level: 'info', maxBytes: 20_000 });
    const line = (i: number) => `line ${String(i).padStart(5, '0')} ${'y'.repeat(60)}`;
    for (let i = 0; i < 200; i++) log.info(line(i)); // ~20 KB in one turn
    await log.flush();
    for (let i = 200; i < 300; i++) log.info(line(i)); // 30 KB in all: one rotation
    await log.flush();
    expect(existsSync(`${file}.1`)).toBe(true);
    const oneLine = line(0).length + 30;
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(20_000 + oneLine);
    expect(statSync(file).size).toBeLessThanOrEqual(20_000 + oneLine);
    const all = `${readFileSync(`${file}.1`, 'utf8')}${readFileSync(file, 'utf8')}`.trimEnd().split('\n');
    const numbers = all.map((l) => Number(/ line (\d{5}) /.exec(l)?.[1]));
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('appends to an existing log and counts its size for the cap', async () => {
    const log0 = createLogger({ file, level: 'info' });
    log0.info('first run');
    await log0.close();
    const log = logger({ level: 'info', maxBytes: 10 });
    log.info('second run');
    await log.flush();
    // The old file (already over 10 bytes) was rotated before the new line.
    expect(readFileSync(`${file}.1`, 'utf8')).toMatch(/ INFO first run\n$/);
    expect(readFileSync(file, 'utf8')).toMatch(/^\S+ INFO second run\n$/);
  });
});
