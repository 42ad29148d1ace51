/**
 * TLS and WSS against real Node servers with certificates made by the openssl CLI at test time: a company CA, a valid
 * server certificate for localhost/127.0.0.1, an expired one, a not-yet-valid one, one for another name and a
 * self-signed one. Each failure must come out as SipConnectionError kind `tls` with the exact tlsProblem the UI words.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { accountConfigFromInput } from '../../electron/services/console-service';
import { createSipConnection, SipConnectionError, type TlsProblem } from '../../sip-core/transports';

type CertName = 'valid' | 'expired' | 'notYetValid' | 'otherName' | 'selfSigned';

let dir: string;
let caPem: string;
const certs = {} as Record<CertName, { key: string; cert: string }>;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** EC P-256 key + CSR for `cn` with the given subjectAltName. */
function request(name: string, cn: string): void {
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
}

function extFile(name: string, san: string): string {
  const path = join(dir, `${name}.ext`);
  writeFileSync(path, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  return path;
}

/** Signed by the CA with explicit validity dates: `openssl ca` can backdate, `openssl x509 -req` (OpenSSL 3.0) cannot. */
function signWithDates(name: string, san: string, start: string, end: string): void {
  request(name, 'localhost');
  openssl('ca', '-batch', '-config', 'ca.cnf', '-notext', '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', start, '-enddate', end, '-extfile', extFile(name, san));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  mkdirSync(join(dir, 'newcerts'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'serial = $dir/serial',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Test Company CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');

  const local = 'DNS:localhost,IP:127.0.0.1';
  request('valid', 'localhost');
  openssl('x509', '-req', '-in', 'valid.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'valid.pem', '-extfile', extFile('valid', local));
  request('otherName', 'sip.other.example');
  openssl('x509', '-req', '-in', 'otherName.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'otherName.pem', '-extfile', extFile('otherName', 'DNS:sip.other.example'));
  signWithDates('expired', local, '20200101000000Z', '20200201000000Z');
  signWithDates('notYetValid', local, '20900101000000Z', '20910101000000Z');
  openssl('req', '-x509', ...ec, '-keyout', 'selfSigned.key', '-out', 'selfSigned.pem', '-days', '30', '-subj', '/CN=localhost', '-addext', `subjectAltName=${local}`);

  for (const name of ['valid', 'expired', 'notYetValid', 'otherName', 'selfSigned'] as const) {
    certs[name] = { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

async function tlsServer(name: CertName): Promise<Server> {
  const server = tls.createServer(certs[name], (socket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

async function wssServer(name: CertName): Promise<Server> {
  const server = https.createServer(certs[name]);
  server.on('tlsClientError', () => undefined);
  const wss = new WebSocketServer({ server, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) });
  wss.on('connection', (ws) => ws.on('error', () => undefined));
  const port = await listen(server);
  return {
    port,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Not TLS at all: answers the ClientHello with plain text (a misconfigured port). */
async function plainServer(): Promise<Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n'.repeat(20)));
  });
  const port = await listen(server);
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

const SERVERS = { tls: tlsServer, wss: wssServer } as const;

async function attempt(kind: 'tls' | 'wss', server: Server, tlsCa?: string): Promise<SipConnectionError | 'connected'> {
  const conn = createSipConnection({
    kind,
    host: 'localhost',
    address: '127.0.0.1',
    port: server.port,
    connectTimeoutMs: 5000,
    ...(tlsCa !== undefined && { tlsCa }),
  });
  try {
    await conn.connect();
    conn.close();
    return 'connected';
  } catch (e) {
    if (e instanceof SipConnectionError) return e;
    throw e;
  }
}

describe.each(['tls', 'wss'] as const)('%s certificate problems in plain words', (kind) => {
  async function expectProblem(name: CertName, withCa: boolean, problem: TlsProblem): Promise<void> {
    const server = await SERVERS[kind](name);
    try {
      const result = await attempt(kind, server, withCa ? caPem : undefined);
      expect(result).toBeInstanceOf(SipConnectionError);
      const e = result as SipConnectionError;
      expect({ kind: e.kind, tlsProblem: e.tlsProblem }).toEqual({ kind: 'tls', tlsProblem: problem });
    } finally {
      await server.close();
    }
  }

  it('connects to a server whose certificate the company CA signed, given the CA', async () => {
    const server = await SERVERS[kind]('valid');
    try {
      expect(await attempt(kind, server, caPem)).toBe('connected');
    } finally {
      await server.close();
    }
  });
  it('without the company CA the same certificate is "unknown-ca"', async () => {
    await expectProblem('valid', false, 'unknown-ca');
  });
  it('an expired certificate is "expired"', async () => {
    await expectProblem('expired', true, 'expired');
  });
  it('a certificate valid only from 2090 is "not-yet-valid"', async () => {
    await expectProblem('notYetValid', true, 'not-yet-valid');
  });
  it('a certificate for another name is "wrong-name"', async () => {
    await expectProblem('otherName', true, 'wrong-name');
  });
  it('a self-signed certificate is "self-signed"', async () => {
    await expectProblem('selfSigned', false, 'self-signed');
  });
  it('a port that does not speak TLS is "handshake"', async () => {
    const server = await plainServer();
    try {
      const e = await attempt(kind, server, caPem);
      expect(e).toBeInstanceOf(SipConnectionError);
      expect({ kind: (e as SipConnectionError).kind, tlsProblem: (e as SipConnectionError).tlsProblem }).toEqual({ kind: 'tls', tlsProblem: 'handshake' });
    } finally {
      await server.close();
    }
  });
  it('a company CA provisioned as tlsCaFile reaches the connection (account config → tlsCa)', async () => {
    const config = accountConfigFromInput('acc-1', { server: 'localhost', transport: kind, user: '1001', tlsCaFile: join(dir, 'ca.pem') });
    expect(config.tlsCa).toContain('-----BEGIN CERTIFICATE-----');
    const server = await SERVERS[kind]('valid');
    try {
      expect(await attempt(kind, server, config.tlsCa)).toBe('connected');
    } finally {
      await server.close();
    }
  });
});
