/**
 * RFC 3263 server location against a real DNS server (dnsmasq from Debian's dnsmasq-base, on 127.0.0.53 at a free
 * unprivileged port, answering only from the records given here), and connections that take a pre-resolved address.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import {
  createSipConnection,
  resolveSipServer,
  resolveSipServers,
  SipConnectionError,
  type SipResolverOptions,
  type SipTarget,
} from '../../sip-core';

const DNSMASQ = '/usr/sbin/dnsmasq';
const DNS_IP = '127.0.0.53';
const OPTIONS_MSG = 'OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n';

/** Deterministic [0, 1) source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const brief = (targets: readonly SipTarget[]) => targets.map((t) => `${t.transport} ${t.address} ${t.port} ${t.via}`);

async function freeUdpPort(address: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// A TCP "PBX" on 127.0.0.1 that the DNS points at (local.test), for resolve → connect end to end.
let tcpPbx: net.Server;
let tcpPbxPort: number;
const tcpPbxReceived: string[] = [];

let dnsmasq: ChildProcess | undefined;
let dnsmasqLog = '';
let dns: SipResolverOptions;

function records(): string[] {
  return [
    '--local=/test/', // everything under .test is answered from these records only (NXDOMAIN otherwise)
    '--host-record=pbx.test,198.18.0.10',
    '--host-record=sip1.pbx.test,198.18.0.1',
    '--host-record=sip2.pbx.test,198.18.0.2,2001:db8::2',
    '--host-record=sip3.pbx.test,198.18.0.3',
    // pbx.test: UDP sip1 (priority 10) before sip2 (priority 20); TCP sip3; TLS sip1.
    '--srv-host=_sip._udp.pbx.test,sip2.pbx.test,5060,20,0',
    '--srv-host=_sip._udp.pbx.test,sip1.pbx.test,5062,10,0',
    '--srv-host=_sip._tcp.pbx.test,sip3.pbx.test,5070,10,0',
    '--srv-host=_sips._tcp.pbx.test,sip1.pbx.test,5061,10,0',
    // NAPTR says TCP first (same order, better preference), then UDP, then TLS; plus records we cannot use.
    '--naptr-record=pbx.test,10,20,S,SIP+D2U,,_sip._udp.pbx.test',
    '--naptr-record=pbx.test,10,10,S,SIP+D2T,,_sip._tcp.pbx.test',
    '--naptr-record=pbx.test,20,10,S,SIPS+D2T,,_sips._tcp.pbx.test',
    '--naptr-record=pbx.test,5,10,U,E2U+sip,!^.*$!sip:info@pbx.test!,',
    '--naptr-record=pbx.test,5,10,S,SIP+D2S,,_sip._sctp.pbx.test',
    // weighted.test: one priority, weights 10/30/60.
    '--host-record=wa.weighted.test,198.18.1.1',
    '--host-record=wb.weighted.test,198.18.1.2',
    '--host-record=wc.weighted.test,198.18.1.3',
    '--srv-host=_sip._udp.weighted.test,wa.weighted.test,5060,10,10',
    '--srv-host=_sip._udp.weighted.test,wb.weighted.test,5060,10,30',
    '--srv-host=_sip._udp.weighted.test,wc.weighted.test,5060,10,60',
    // down.test: UDP "decidedly not available" (target "."), TCP offered; no NAPTR.
    '--host-record=down.test,198.18.0.20',
    '--srv-host=_sip._udp.down.test',
    '--srv-host=_sip._tcp.down.test,sip3.pbx.test,5090,10,0',
    // plain.test: just an address, no NAPTR, no SRV.
    '--host-record=plain.test,198.18.0.30',
    // local.test: SRV to a real TCP listener on 127.0.0.1.
    '--host-record=local.test,127.0.0.1',
    `--srv-host=_sip._tcp.local.test,local.test,${tcpPbxPort},10,0`,
  ];
}

async function startDnsmasq(): Promise<void> {
  if (!existsSync(DNSMASQ)) throw new Error(`${DNSMASQ} missing: apt-get install -y dnsmasq-base`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort(DNS_IP);
    dnsmasqLog = '';
    const child = spawn(
      DNSMASQ,
      [
        '-C', '/dev/null', '--no-resolv', '--no-hosts', '--no-daemon', '--pid-file=',
        `--port=${port}`, `--listen-address=${DNS_IP}`, '--bind-interfaces', '--log-facility=-',
        ...records(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (dnsmasqLog += d));
    child.stderr?.on('data', (d) => (dnsmasqLog += d));
    let exited = false;
    child.once('exit', () => (exited = true));
    const probe = new dnsPromises.Resolver({ timeout: 200, tries: 1 });
    probe.setServers([`${DNS_IP}:${port}`]);
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) {
      try {
        if ((await probe.resolve4('plain.test')).includes('198.18.0.30')) {
          dnsmasq = child;
          dns = { dnsServers: [`${DNS_IP}:${port}`], timeoutMs: 2000 };
          return;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    child.kill();
  }
  throw new Error(`dnsmasq did not start:\n${dnsmasqLog}`);
}

beforeAll(async () => {
  tcpPbx = net.createServer((socket) => {
    socket.on('data', (d) => tcpPbxReceived.push(d.toString()));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => tcpPbx.listen(0, '127.0.0.1', r));
  tcpPbxPort = (tcpPbx.address() as net.AddressInfo).port;
  await startDnsmasq();
}, 20_000);

afterAll(async () => {
  if (dnsmasq && dnsmasq.exitCode === null) {
    const exited = new Promise((r) => dnsmasq?.once('exit', r));
    dnsmasq.kill();
    await exited;
  }
  await new Promise((r) => tcpPbx.close(r));
});

describe('resolveSipServer (RFC 3263 §4)', () => {
  it('uses an IP literal as is, with the transport default port', async () => {
    expect(await resolveSipServer({ host: '198.18.0.5' }, dns)).toEqual([
      { name: '198.18.0.5', address: '198.18.0.5', port: 5060, transport: 'udp', via: 'ip', label: '198.18.0.5:5060' },
    ]);
    expect(brief(await resolveSipServer({ host: '198.18.0.5', transport: 'tls' }, dns))).toEqual(['tls 198.18.0.5 5061 ip']);
    expect(brief(await resolveSipServer({ host: '[2001:db8::5]' }, { ...dns, defaultTransport: 'wss' }))).toEqual([
      'wss 2001:db8::5 443 ip',
    ]);
    expect((await resolveSipServer({ host: '2001:db8::5', port: 5080 }, dns))[0].label).toBe('[2001:db8::5]:5080');
  });

  it('an explicit port skips NAPTR and SRV: A/AAAA of the host at that port', async () => {
    expect(await resolveSipServer({ host: 'pbx.test', port: 5080, transport: 'tcp' }, dns)).toEqual([
      { name: 'pbx.test', address: '198.18.0.10', port: 5080, transport: 'tcp', via: 'a', label: '198.18.0.10:5080' },
    ]);
    expect(brief(await resolveSipServer({ host: 'sip2.pbx.test', port: 5080 }, dns))).toEqual([
      'udp 198.18.0.2 5080 a',
      'udp 2001:db8::2 5080 a',
    ]);
  });

  it('transport given: SRV in priority order, each target with its addresses (IPv4 first)', async () => {
    const targets = await resolveSipServer({ host: 'pbx.test', transport: 'udp' }, dns);
    expect(brief(targets)).toEqual(['udp 198.18.0.1 5062 srv', 'udp 198.18.0.2 5060 srv', 'udp 2001:db8::2 5060 srv']);
    expect(targets.map((t) => t.label)).toEqual(['sip1.pbx.test:5062', 'sip2.pbx.test:5060', 'sip2.pbx.test:5060']);
    expect(targets.every((t) => t.name === 'pbx.test')).toBe(true);
    expect(brief(await resolveSipServer({ host: 'pbx.test', transport: 'tls' }, dns))).toEqual(['tls 198.18.0.1 5061 srv']);
  });

  it('SRV weights: selection over 2,000 runs follows 10/30/60', async () => {
    const random = seeded(2024);
    const first = new Map<string, number>();
    const runs = 2000;
    for (let done = 0; done < runs; done += 20) {
      // Batches of 20 concurrent resolutions (7 queries each); the proportions hold whatever the interleaving.
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => resolveSipServer({ host: 'weighted.test', transport: 'udp' }, { ...dns, random })),
      );
      for (const targets of batch) {
        expect(targets).toHaveLength(3);
        first.set(targets[0].label, (first.get(targets[0].label) ?? 0) + 1);
      }
    }
    expect((first.get('wa.weighted.test:5060') ?? 0) / runs).toBeCloseTo(0.1, 1);
    expect((first.get('wb.weighted.test:5060') ?? 0) / runs).toBeCloseTo(0.3, 1);
    expect((first.get('wc.weighted.test:5060') ?? 0) / runs).toBeCloseTo(0.6, 1);
  }, 60_000);

  it('no transport, no port: NAPTR order/preference picks TCP before UDP, then TLS; unusable records ignored', async () => {
    const targets = await resolveSipServer({ host: 'pbx.test' }, dns);
    expect(brief(targets)).toEqual([
      'tcp 198.18.0.3 5070 naptr',
      'udp 198.18.0.1 5062 naptr',
      'udp 198.18.0.2 5060 naptr',
      'udp 2001:db8::2 5060 naptr',
      'tls 198.18.0.1 5061 naptr',
    ]);
    expect(targets[0].label).toBe('sip3.pbx.test:5070');
  });

  it('SRV target "." means not offered: no targets from it, no A fallback for that transport', async () => {
    // No NAPTR → SRV for udp, tcp, tls (RFC 3263 §4.1): udp says "." so only tcp remains.
    expect(brief(await resolveSipServer({ host: 'down.test' }, dns))).toEqual(['tcp 198.18.0.3 5090 srv']);
    await expect(resolveSipServer({ host: 'down.test', transport: 'udp' }, dns)).rejects.toMatchObject({ kind: 'dns' });
  });

  it('no SRV records: A/AAAA of the host at the default port', async () => {
    expect(await resolveSipServer({ host: 'plain.test' }, dns)).toEqual([
      { name: 'plain.test', address: '198.18.0.30', port: 5060, transport: 'udp', via: 'a', label: '198.18.0.30:5060' },
    ]);
    expect(brief(await resolveSipServer({ host: 'plain.test', transport: 'tcp' }, dns))).toEqual(['tcp 198.18.0.30 5060 a']);
    expect(brief(await resolveSipServer({ host: 'plain.test', transport: 'tls' }, dns))).toEqual(['tls 198.18.0.30 5061 a']);
    // ws/wss: no SRV in practice (RFC 7118), straight to the address at 80/443.
    expect(brief(await resolveSipServer({ host: 'pbx.test', transport: 'wss' }, dns))).toEqual(['wss 198.18.0.10 443 a']);
  });

  it('a name that does not exist is a dns SipConnectionError', async () => {
    const err = await resolveSipServer({ host: 'nx.test' }, dns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SipConnectionError);
    expect(err).toMatchObject({ kind: 'dns', code: 'ENOTFOUND' });
    expect((err as Error).message).toContain('nx.test');
    await expect(resolveSipServer({ host: 'nx.test', port: 5060, transport: 'tcp' }, dns)).rejects.toMatchObject({ kind: 'dns' });
  });

  it('without dnsServers, addresses come from the system (getaddrinfo, /etc/hosts)', async () => {
    const targets = await resolveSipServer({ host: 'localhost', port: 5070, transport: 'tcp' });
    expect(targets[0]).toMatchObject({ name: 'localhost', address: '127.0.0.1', port: 5070, transport: 'tcp', via: 'a' });
  });
});

describe('resolveSipServers', () => {
  it('concatenates in configured order, drops duplicates, skips a spec that fails', async () => {
    const targets = await resolveSipServers(
      [
        { host: 'pbx.test', transport: 'udp' },
        { host: 'nx.test' },
        { host: '198.18.0.1', port: 5062 }, // same as pbx.test's first SRV target
        { host: 'plain.test', transport: 'tcp' },
      ],
      dns,
    );
    expect(brief(targets)).toEqual([
      'udp 198.18.0.1 5062 srv',
      'udp 198.18.0.2 5060 srv',
      'udp 2001:db8::2 5060 srv',
      'tcp 198.18.0.30 5060 a',
    ]);
  });

  it('throws the first error when every spec fails', async () => {
    const err = await resolveSipServers([{ host: 'nx.test' }, { host: 'down.test', transport: 'udp' }], dns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SipConnectionError);
    expect((err as Error).message).toContain('nx.test');
  });
});

describe('a DNS server that does not answer', () => {
  it('nothing listening on the port: dns error, quickly', async () => {
    const port = await freeUdpPort('127.0.0.1');
    const started = Date.now();
    await expect(
      resolveSipServer({ host: 'pbx.test' }, { dnsServers: [`127.0.0.1:${port}`], timeoutMs: 500 }),
    ).rejects.toMatchObject({ kind: 'dns' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a server that swallows queries: each query times out, dns error, quickly', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const err = await resolveSipServer(
        { host: 'pbx.test' },
        { dnsServers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 500 },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'dns', code: 'ETIMEOUT' });
      // NAPTR, then SRV ×3 in parallel, then A/AAAA in parallel: three rounds of 500 ms.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });
});

describe('connections to a pre-resolved address keep the configured name', () => {
  it('UDP and TCP connect to `address` while `host` does not resolve', async () => {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const got = new Promise<string>((r) => udp.once('message', (m) => r(m.toString())));
    const u = createSipConnection({ kind: 'udp', host: 'pbx.invalid', address: '127.0.0.1', port: udp.address().port });
    await u.connect();
    expect(u.remote).toEqual({ host: 'pbx.invalid', port: udp.address().port });
    await u.send(OPTIONS_MSG);
    expect(await got).toBe(OPTIONS_MSG);
    u.close();
    udp.close();

    const before = tcpPbxReceived.length;
    const t = createSipConnection({ kind: 'tcp', host: 'pbx.invalid', address: '127.0.0.1', port: tcpPbxPort });
    await t.connect();
    await t.send(OPTIONS_MSG);
    await waitFor(() => tcpPbxReceived.length > before);
    t.close();
    // Without the address the same name is a dns error.
    await expect(createSipConnection({ kind: 'tcp', host: 'pbx.invalid', port: tcpPbxPort }).connect()).rejects.toMatchObject({
      kind: 'dns',
    });
  });

  it('resolve → connect end to end: SRV of local.test leads to the TCP listener', async () => {
    const [target] = await resolveSipServer({ host: 'local.test', transport: 'tcp' }, dns);
    expect(target).toMatchObject({ address: '127.0.0.1', port: tcpPbxPort, via: 'srv', name: 'local.test' });
    const before = tcpPbxReceived.length;
    const c = createSipConnection({ kind: target.transport, host: target.name, address: target.address, port: target.port });
    await c.connect();
    await c.send(OPTIONS_MSG);
    await waitFor(() => tcpPbxReceived.length > before);
    c.close();
  });

  describe('TLS and WebSocket use the name for SNI, the certificate and the Host header', () => {
    let dir: string;
    let cert: string;
    let key: Buffer;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'sip-dns-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=pbx.invalid',
        '-addext', 'subjectAltName=DNS:pbx.invalid',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      key = readFileSync(path.join(dir, 'key.pem'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('TLS: SNI and certificate check by name, socket to the address', async () => {
      const names: (string | false)[] = [];
      const server = tls.createServer({ key, cert }, (s) => {
        names.push((s as tls.TLSSocket & { servername?: string | false }).servername ?? false);
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const c = createSipConnection({ kind: 'tls', host: 'pbx.invalid', address: '127.0.0.1', port, tlsCa: cert });
        await c.connect();
        await waitFor(() => names.length > 0);
        expect(names).toEqual(['pbx.invalid']);
        c.close();
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it.each(['ws', 'wss'] as const)('%s: URL and Host header keep the name, socket goes to the address', async (kind) => {
      const requests: IncomingMessage[] = [];
      const httpServer = kind === 'wss' ? https.createServer({ key, cert }) : (await import('node:http')).createServer();
      const wss = new WebSocketServer({ server: httpServer, handleProtocols: (p) => (p.has('sip') ? 'sip' : false) });
      wss.on('connection', (_ws, req) => requests.push(req));
      await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
      const port = (httpServer.address() as net.AddressInfo).port;
      try {
        const c = createSipConnection({ kind, host: 'pbx.invalid', address: '127.0.0.1', port, tlsCa: cert, wsPath: '/sip' });
        await c.connect();
        await waitFor(() => requests.length > 0);
        expect(requests[0].headers.host).toBe(`pbx.invalid:${port}`);
        expect(requests[0].url).toBe('/sip');
        if (kind === 'wss') expect((requests[0].socket as tls.TLSSocket & { servername?: string }).servername).toBe('pbx.invalid');
        c.close();
      } finally {
        for (const client of wss.clients) client.terminate();
        wss.close();
        await new Promise((r) => httpServer.close(r));
      }
    });
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
