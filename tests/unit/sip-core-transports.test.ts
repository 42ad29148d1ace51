import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { classifyConnectionError, createSipConnection, SipConnectionError, SipStreamFramer } from '../../sip-core';

const OPTIONS = 'OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n';
const WITH_BODY = 'MESSAGE sip:x SIP/2.0\r\nl: 5\r\n\r\nhé!'; // "hé!" is 4 bytes; l counts bytes

describe('SIP over a stream is framed by Content-Length (RFC 3261 §18.3)', () => {
  it('splits coalesced messages, skips CRLF keep-alives, waits for partial bodies', () => {
    const framer = new SipStreamFramer();
    const bytes = Buffer.from(`\r\n\r\n${OPTIONS}${WITH_BODY}x`);
    const cut = bytes.length - 3;
    expect(framer.push(bytes.subarray(0, cut))).toEqual([OPTIONS]);
    expect(framer.push(bytes.subarray(cut))).toEqual([`${WITH_BODY}x`]);
    expect(framer.push(Buffer.from('\r\n'))).toEqual([]);
  });

  it('refuses an endless header section', () => {
    const framer = new SipStreamFramer();
    expect(() => framer.push(Buffer.alloc(70_000, 0x41))).toThrow('too long');
  });

  it('a header section of 64 KiB passes, one byte more is refused, however the reads cut it', () => {
    // Section = start line + padding header + blank line, exactly `size` bytes.
    const section = (size: number): Buffer => {
      const start = 'OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\nX-Pad: ';
      return Buffer.from(`${start}${'p'.repeat(size - start.length - 4)}\r\n\r\n`);
    };
    for (const cut of [1, 65_535, 65_536]) {
      const fits = section(64 * 1024);
      const framer = new SipStreamFramer();
      expect([...framer.push(fits.subarray(0, cut)), ...framer.push(fits.subarray(cut))]).toEqual([fits.toString()]);
      const over = section(64 * 1024 + 1);
      const refused = new SipStreamFramer();
      expect(() => [refused.push(over.subarray(0, cut)), refused.push(over.subarray(cut))]).toThrow('too long');
    }
  });

  it('a bare-LF message over 64 KiB does not swallow the messages after it (fuzz seed 2306655234)', () => {
    // LF-only lines: no blank line of its own, so the next message's ended "its" header section and its
    // Content-Length ate everything after it. A read of 64 KiB, then the rest with the next message, let it through.
    const body = '<dialog-info>'.padEnd(94_379, 'v');
    const notify = Buffer.from(`NOTIFY sip:x SIP/2.0\nCSeq: 299 NOTIFY\nContent-Length: ${body.length + 5}\n\n${body}`);
    for (const cut of [60_000, 65_536]) {
      const framer = new SipStreamFramer();
      expect(() => [framer.push(notify.subarray(0, cut)), framer.push(Buffer.concat([notify.subarray(cut), Buffer.from(OPTIONS)]))]).toThrow('too long');
    }
  });
});

describe('a TCP flow whose framing broke is dropped, not left deaf', () => {
  it('a bare-LF message over 64 KiB followed at once by a valid one: the connection closes with the framing error', async () => {
    const body = '<dialog-info>'.padEnd(94_379, 'v');
    const notify = `NOTIFY sip:x SIP/2.0\nCSeq: 299 NOTIFY\nContent-Length: ${body.length + 5}\n\n${body}`;
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      // Both in one go, as a PBX pinging right after it: the second read brings the OPTIONS' blank line along.
      socket.write(notify);
      socket.write(OPTIONS);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = createSipConnection({ kind: 'tcp', host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    try {
      const received: string[] = [];
      c.onMessage = (m) => received.push(m);
      const closed = new Promise<SipConnectionError | 'still open' | undefined>((r) => {
        c.onClose = r;
        // Only so that a deaf flow fails this test instead of hanging it.
        setTimeout(() => r('still open'), 3000).unref();
      });
      await c.connect();
      expect(await closed).toMatchObject({ kind: 'network', message: 'SIP header section too long' });
      expect(received).toEqual([]);
    } finally {
      c.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('connection errors are classified', () => {
  it.each([
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'network'],
    ['ECONNRESET', 'network'],
    ['EHOSTUNREACH', 'network'],
    ['ETIMEDOUT', 'timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
  ])('%s → %s', (code, kind) => {
    const err = Object.assign(new Error(code), { code });
    expect(classifyConnectionError(err).kind).toBe(kind);
  });

  it('TCP to a closed port is a network error; an unresolvable name is dns', async () => {
    await expect(createSipConnection({ kind: 'tcp', host: '127.0.0.1', port: 1 }).connect()).rejects.toMatchObject({
      kind: 'network',
      code: 'ECONNREFUSED',
    });
    await expect(
      createSipConnection({ kind: 'udp', host: 'no-such-host.invalid', port: 5060 }).connect(),
    ).rejects.toBeInstanceOf(SipConnectionError);
    await expect(
      createSipConnection({ kind: 'tcp', host: 'no-such-host.invalid', port: 5060 }).connect(),
    ).rejects.toMatchObject({ kind: 'dns' });
  });
});

describe('TLS verifies the server certificate unless told otherwise', () => {
  let dir: string;
  let server: tls.Server;
  let port: number;
  let cert: string;
  const received: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sipcore-tls-'));
    // A self-signed certificate for 127.0.0.1, like a small PBX's default one.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    server = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (socket) => {
      socket.on('data', (d) => {
        received.push(d.toString());
        socket.write(OPTIONS.replace('OPTIONS sip:x SIP/2.0', 'SIP/2.0 200 OK'));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a self-signed certificate by default as a tls error', async () => {
    const c = createSipConnection({ kind: 'tls', host: '127.0.0.1', port });
    await expect(c.connect()).rejects.toMatchObject({ kind: 'tls' });
  });

  it('accepts it with the company CA, and exchanges framed messages', async () => {
    const c = createSipConnection({ kind: 'tls', host: '127.0.0.1', port, tlsCa: cert });
    await c.connect();
    const reply = new Promise<string>((r) => (c.onMessage = r));
    await c.send(OPTIONS);
    expect(await reply).toMatch(/^SIP\/2.0 200 OK/);
    expect(c.local.port).toBeGreaterThan(0);
    c.close();
  });

  it('accepts it with tlsVerify:false', async () => {
    const c = createSipConnection({ kind: 'tls', host: '127.0.0.1', port, tlsVerify: false });
    await c.connect();
    c.close();
  });
});
