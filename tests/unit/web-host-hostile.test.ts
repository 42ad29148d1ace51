/**
 * Hostile-input suite (a), issue 15: raw HTTP against the web host on every route it has — the console page (`/`,
 * `/index.html`), the renderer's static files, `/dial`, the `/rpc` WebSocket upgrade and the extra routes the CLI adds
 * (`/diagnostics`, `/headset`). Malformed request lines, over-long paths and headers, encoded traversal, NUL, bad Host
 * and Origin, missing / wrong / misplaced token, every method, slow-loris requests, then a seeded mutation loop.
 * Each answer must be the expected 4xx (3xx where `/dial` legitimately redirects), never a 5xx, never a file from
 * outside the renderer folder, and after EACH request the host must still serve the console page.
 *
 * Requests go over raw TCP: Node's http client would normalise the very paths under test.
 * Reproduce a mutation failure with WEB_HOST_FUZZ_SEED=<seed printed by the run>; WEB_HOST_FUZZ_RUNS=N for more.
 */
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleService } from '../../electron/services/console-service';
import { webHostRoutes } from '../../electron/web-host/cli';
import { ScriptedHeadset } from '../../electron/web-host/scripted-headset';
import { startWebHost, type WebHost } from '../../electron/web-host/server';

jest.setTimeout(60_000);

const INDEX = '<!doctype html><title>INDEX-MARKER</title>';
const ASSET = 'console.log("ASSET-MARKER");';
const SECRET = 'SECRET-OUTSIDE-THE-RENDERER-FOLDER';
const HEADERS_TIMEOUT_MS = 300;

interface Answer {
  /** HTTP status; 0 = closed without an answer; -1 = no answer within the client's patience. */
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** Send raw bytes, read one HTTP answer. `halfClose` ends our side after writing (a truncated request then ends). */
function raw(port: number, request: string | Buffer, opts: { head?: boolean; halfClose?: boolean; patienceMs?: number } = {}): Promise<Answer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (status: number, headers: Record<string, string> = {}, body = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, headers, body, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done(-1), opts.patienceMs ?? 5000);
    const tryParse = (ended: boolean) => {
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        if (ended) done(/^HTTP\/1\.[01] (\d{3})/.test(text) ? Number(text.slice(9, 12)) : 0);
        return;
      }
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
      if (!m) return done(0);
      const status = Number(m[1]);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const rest = buf.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      if (status === 101 || status === 204 || status === 304 || opts.head) return done(status, headers, '');
      if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (rest.length >= n) return done(status, headers, rest.subarray(0, n).toString('utf8'));
      } else if (headers['transfer-encoding'] === 'chunked') {
        if (rest.includes('\r\n0\r\n\r\n') || rest.subarray(0, 5).toString() === '0\r\n\r\n') {
          let body = '';
          let r = rest.toString('utf8');
          for (;;) {
            const nl = r.indexOf('\r\n');
            const size = parseInt(r.slice(0, nl), 16);
            if (!size) break;
            body += r.slice(nl + 2, nl + 2 + size);
            r = r.slice(nl + 4 + size);
          }
          return done(status, headers, body);
        }
      }
      if (ended) done(status, headers, rest.toString('utf8'));
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse(false);
    });
    socket.on('error', () => undefined); // a reset after the answer is fine; 'close' settles
    socket.on('close', () => tryParse(true));
    socket.on('connect', () => {
      socket.write(request);
      if (opts.halfClose) socket.end();
    });
  });
}

describe('web host under hostile HTTP', () => {
  let host: WebHost;
  let service: ConsoleService;
  let T: string;
  let H: string;
  const logs: string[] = [];

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'rc-web-hostile-'));
    const dist = join(base, 'dist');
    mkdirSync(join(dist, 'assets', 'dir'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'app.js'), ASSET);
    writeFileSync(join(base, 'secret.txt'), SECRET);
    // A sibling whose name starts like the renderer folder's: a prefix test alone would let it through.
    mkdirSync(join(base, 'dist-evil'));
    writeFileSync(join(base, 'dist-evil', 'x.txt'), SECRET);
    symlinkSync(join(base, 'secret.txt'), join(dist, 'leak.txt')); // a link inside that points outside
    symlinkSync(join(dist, 'index.html'), join(dist, 'alias.html')); // the console page under another name
    linkSync(join(dist, 'index.html'), join(dist, 'copy.html')); // …and a hard link to it
    service = new ConsoleService({
      host: 'web',
      createSoftphone: () => {
        throw new Error('no account in this test');
      },
      createMediaFactory: () => ({ create: () => { throw new Error('unused'); } }),
    });
    const scripted = new ScriptedHeadset(join(__dirname, '..', 'fixtures', 'hid', 'jabra-evolve-link.hex'));
    host = await startWebHost({
      service,
      rendererDir: dist,
      port: 0,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      routes: webHostRoutes({ secrets: () => ['pw-secret'], scripted }),
      log: (l) => logs.push(l),
    });
    T = host.token;
    H = `Host: 127.0.0.1:${host.port}`;
  });
  afterAll(async () => {
    await host.close();
    await service.stop();
  });

  const send = (request: string | Buffer, opts?: Parameters<typeof raw>[2]) => raw(host.port, request, opts);
  /** The host still serves the console page with the token. */
  async function stillServing(after: string): Promise<void> {
    const a = await send(`GET /?token=${T} HTTP/1.1\r\n${H}\r\nConnection: close\r\n\r\n`);
    if (a.status !== 200 || a.body !== INDEX) throw new Error(`host stopped serving after ${after}: ${a.status}`);
  }
  /** What no answer may ever be, whatever was asked. */
  function neverLeaks(what: string, a: Answer): void {
    if (a.status >= 500) throw new Error(`${what}: answered ${a.status}`);
    if (a.body.includes(SECRET)) throw new Error(`${what}: served a file from outside the renderer folder`);
    // 200 is only ever a renderer file, a body-less HEAD, or an extra route's answer (diagnostics download, JSON).
    const extraRoute = a.headers['content-disposition'] !== undefined || a.headers['content-type'] === 'application/json';
    if (a.status === 200 && ![INDEX, ASSET, ''].includes(a.body) && !extraRoute) {
      throw new Error(`${what}: unexpected 200 body ${JSON.stringify(a.body.slice(0, 80))}`);
    }
  }

  const get = (target: string, extra = '', method = 'GET') => `${method} ${target} HTTP/1.1\r\n${H}\r\n${extra}Connection: close\r\n\r\n`;
  const upgrade = (target: string, extra = '', hostHeader = H) =>
    `GET ${target} HTTP/1.1\r\n${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

  interface Case {
    readonly name: string;
    readonly request: () => string | Buffer;
    readonly status: number;
    readonly head?: boolean;
  }
  // Built lazily: the port and token exist only once the host runs.
  const cases: Case[] = [
    // — malformed request lines and framing —
    { name: 'empty request line', request: () => 'GET\r\n\r\n', status: 400 },
    { name: 'garbage method', request: () => `G@T / HTTP/1.1\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'lower-case method', request: () => `get /?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'unknown method', request: () => `FOO /?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'bad HTTP version', request: () => `GET /?token=${T} HTTP/9.9\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'no HTTP version', request: () => `GET /?token=${T}\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'space inside the path', request: () => `GET /a b HTTP/1.1\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'control character in the path', request: () => `GET /\x01?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`, status: 400 },
    { name: 'header line without a colon', request: () => `GET /?token=${T} HTTP/1.1\r\n${H}\r\nnot a header\r\n\r\n`, status: 400 },
    { name: 'TLS ClientHello on the HTTP port', request: () => Buffer.from('16030100a5010000a10303' + '00'.repeat(40), 'hex'), status: 400 },
    { name: 'Content-Length with Transfer-Encoding (smuggling)', request: () => get(`/?token=${T}`, 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n'), status: 400 },
    { name: 'non-numeric Content-Length', request: () => get(`/?token=${T}`, 'Content-Length: abc\r\n'), status: 400 },
    { name: 'conflicting Content-Lengths', request: () => get(`/?token=${T}`, 'Content-Length: 1\r\nContent-Length: 2\r\n'), status: 400 },
    { name: 'OPTIONS * (asterisk form)', request: () => get('*', '', 'OPTIONS'), status: 400 },
    { name: 'absolute-form target', request: () => get(`http://127.0.0.1:${host.port}/?token=${T}`), status: 400 },
    { name: 'CONNECT (authority form)', request: () => `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${H}\r\n\r\n`, status: 405 },
    // — malformed paths (the crash of issue 15) —
    { name: 'GET /%', request: () => get('/%'), status: 400 },
    { name: 'GET //', request: () => get('//'), status: 400 },
    { name: 'GET /% with the token', request: () => get(`/%?token=${T}`), status: 400 },
    { name: 'GET // with the token', request: () => get(`//?token=${T}`), status: 400 },
    { name: 'bad escape %zz', request: () => get('/%zz'), status: 400 },
    { name: 'truncated UTF-8 escape', request: () => get('/%E0%A4%A'), status: 400 },
    { name: 'invalid UTF-8 %ff', request: () => get('/assets/%ff.js'), status: 400 },
    { name: '/dial%', request: () => get(`/dial%?token=${T}`), status: 400 },
    { name: '//host (network-path form)', request: () => get(`//evil.example/?token=${T}`), status: 400 },
    { name: '///etc/passwd', request: () => get('///etc/passwd'), status: 400 },
    { name: 'raw backslash host (/\\evil)', request: () => get(`/\\evil.example/?token=${T}`), status: 400 },
    { name: 'over-long path (64 KiB)', request: () => get(`/${'a'.repeat(64 * 1024)}`), status: 431 },
    { name: 'over-long query (64 KiB)', request: () => get(`/?token=${T}&x=${'a'.repeat(64 * 1024)}`), status: 431 },
    { name: 'long target under the header limit (9 KiB)', request: () => get(`/assets/${'a/'.repeat(4608)}app.js`), status: 400 },
    { name: 'over-long file name segment', request: () => get(`/assets/${'a'.repeat(1000)}.js`), status: 404 },
    { name: 'deep path', request: () => get(`/${'a/'.repeat(1500)}x`), status: 404 },
    // — encoded traversal —
    { name: '/../secret.txt', request: () => get('/../secret.txt'), status: 404 },
    { name: '/%2e%2e/secret.txt', request: () => get('/%2e%2e/secret.txt'), status: 404 },
    { name: '/.%2e/secret.txt', request: () => get('/.%2e/secret.txt'), status: 404 },
    { name: '/assets/%2e%2e/%2e%2e/secret.txt', request: () => get('/assets/%2e%2e/%2e%2e/secret.txt'), status: 404 },
    { name: '/%2e%2e%2fsecret.txt', request: () => get('/%2e%2e%2fsecret.txt'), status: 400 },
    { name: '/..%2fsecret.txt', request: () => get('/..%2fsecret.txt'), status: 400 },
    { name: '/assets/..%2f..%2fsecret.txt', request: () => get(`/assets/..%2f..%2fsecret.txt?token=${T}`), status: 400 },
    { name: '/..%5csecret.txt (backslash)', request: () => get('/..%5csecret.txt'), status: 400 },
    { name: '/assets%5c..%5c..%5csecret.txt', request: () => get('/assets%5c..%5c..%5csecret.txt'), status: 400 },
    { name: 'double-encoded %252e%252e%252f', request: () => get('/%252e%252e%252fsecret.txt'), status: 404 },
    { name: 'double-encoded ..%252f', request: () => get('/..%252fsecret.txt'), status: 404 },
    { name: 'overlong UTF-8 dot %c0%ae', request: () => get('/%c0%ae%c0%ae/secret.txt'), status: 400 },
    { name: 'overlong UTF-8 slash ..%c0%af', request: () => get('/..%c0%afsecret.txt'), status: 400 },
    { name: 'encoded absolute path /%2fetc%2fpasswd', request: () => get('/%2fetc%2fpasswd'), status: 404 },
    { name: '/etc/passwd', request: () => get('/etc/passwd'), status: 404 },
    { name: 'sibling folder with the same prefix', request: () => get('/../dist-evil/x.txt'), status: 404 },
    { name: 'sibling folder, encoded', request: () => get('/%2e%2e%2fdist-evil%2fx.txt'), status: 400 },
    { name: 'symlink pointing outside', request: () => get(`/leak.txt?token=${T}`), status: 404 },
    { name: 'a directory', request: () => get('/assets/dir'), status: 404 },
    { name: 'a directory with slash', request: () => get('/assets/'), status: 404 },
    { name: 'a file with a trailing slash', request: () => get('/assets/app.js/'), status: 404 },
    { name: '/index.html/ (trailing slash)', request: () => get('/index.html/'), status: 404 },
    { name: '/..;/secret.txt', request: () => get('/..;/secret.txt'), status: 404 },
    // — NUL —
    { name: '/%00', request: () => get('/%00'), status: 400 },
    { name: '/index.html%00.js', request: () => get(`/index.html%00.js?token=${T}`), status: 400 },
    { name: '/assets/app.js%00', request: () => get('/assets/app.js%00'), status: 400 },
    { name: 'raw NUL in the path', request: () => get('/\0'), status: 400 },
    { name: 'raw NUL in a header', request: () => get(`/?token=${T}`, 'X-A: a\0b\r\n'), status: 400 },
    { name: 'NUL after the token', request: () => get(`/?token=${T}%00`), status: 403 },
    { name: 'NUL as the token', request: () => get('/?token=%00'), status: 403 },
    // — Host —
    { name: 'missing Host (HTTP/1.1)', request: () => `GET /?token=${T} HTTP/1.1\r\n\r\n`, status: 400 },
    { name: 'missing Host (HTTP/1.0)', request: () => `GET /?token=${T} HTTP/1.0\r\n\r\n`, status: 400 },
    { name: 'empty Host', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: \r\n\r\n`, status: 400 },
    { name: 'two Host headers', request: () => `GET /?token=${T} HTTP/1.1\r\n${H}\r\nHost: evil.example\r\n\r\n`, status: 400 },
    { name: 'foreign Host (DNS rebinding)', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: evil.example\r\n\r\n`, status: 421 },
    { name: 'foreign Host with our port', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: evil.example:${host.port}\r\n\r\n`, status: 421 },
    { name: 'Host with another port', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n`, status: 421 },
    { name: 'Host without the port', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, status: 421 },
    { name: 'Host suffixed', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}.evil.example\r\n\r\n`, status: 421 },
    { name: 'Host with userinfo', request: () => `GET /?token=${T} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}@evil.example\r\n\r\n`, status: 421 },
    { name: 'foreign Host on a static file', request: () => `GET /assets/app.js HTTP/1.1\r\nHost: evil.example\r\n\r\n`, status: 421 },
    { name: 'foreign Host on /dial', request: () => `GET /dial?token=${T}&url=tel%3A100 HTTP/1.1\r\nHost: evil.example\r\n\r\n`, status: 421 },
    { name: 'foreign Host on /diagnostics', request: () => `GET /diagnostics?token=${T} HTTP/1.1\r\nHost: evil.example\r\n\r\n`, status: 421 },
    // — token missing, wrong or in the wrong place —
    { name: 'page without token', request: () => get('/'), status: 403 },
    { name: '/index.html without token', request: () => get('/index.html'), status: 403 },
    { name: 'page with an empty token', request: () => get('/?token='), status: 403 },
    { name: 'page with a wrong token', request: () => get('/?token=wrong'), status: 403 },
    { name: 'page with the token minus a character', request: () => get(`/?token=${T.slice(0, -1)}`), status: 403 },
    { name: 'page with the token plus a character', request: () => get(`/?token=${T}x`), status: 403 },
    { name: 'wrong token first, right one second', request: () => get(`/?token=wrong&token=${T}`), status: 403 },
    { name: 'token under another name', request: () => get(`/?TOKEN=${T}`), status: 403 },
    { name: 'token in the fragment', request: () => get(`/#token=${T}`), status: 403 },
    { name: 'token in the path', request: () => get(`/token/${T}`), status: 404 },
    { name: 'token as a bearer header', request: () => get('/', `Authorization: Bearer ${T}\r\n`), status: 403 },
    { name: 'token as a cookie', request: () => get('/', `Cookie: token=${T}\r\n`), status: 403 },
    { name: 'page by an encoded name, no token', request: () => get('/%69ndex.html'), status: 403 },
    { name: 'page through a dot segment, no token', request: () => get('/assets/../index.html'), status: 403 },
    { name: 'page through a symlink, no token', request: () => get('/alias.html'), status: 403 },
    { name: 'page through a hard link, no token', request: () => get('/copy.html'), status: 403 },
    { name: '/dial without token', request: () => get('/dial?url=tel%3A100'), status: 403 },
    { name: '/dial with a wrong token', request: () => get('/dial?token=wrong&url=tel%3A100'), status: 403 },
    { name: '/dial with the token in a cookie', request: () => get('/dial?url=tel%3A100', `Cookie: token=${T}\r\n`), status: 403 },
    { name: '/diagnostics without token', request: () => get('/diagnostics'), status: 404 },
    { name: '/diagnostics with a wrong token', request: () => get('/diagnostics?token=wrong'), status: 404 },
    { name: '/headset without token', request: () => get('/headset?op=unplug'), status: 404 },
    { name: '/headset with a wrong token', request: () => get('/headset?token=wrong&op=unplug'), status: 404 },
    { name: '/headset with a bad op', request: () => get(`/headset?token=${T}&op=%00`), status: 400 },
    { name: '/headset input with bad hex', request: () => get(`/headset?token=${T}&op=input&hex=zz%00`), status: 400 },
    { name: '/rpc as a plain GET', request: () => get(`/rpc?token=${T}`), status: 404 },
    // — the WebSocket upgrade —
    { name: 'upgrade without token', request: () => upgrade('/rpc'), status: 403 },
    { name: 'upgrade with a wrong token', request: () => upgrade('/rpc?token=wrong'), status: 403 },
    { name: 'upgrade, token under another name', request: () => upgrade(`/rpc?TOKEN=${T}`), status: 403 },
    { name: 'upgrade, token in the fragment', request: () => upgrade(`/rpc#token=${T}`), status: 403 },
    { name: 'upgrade, token as a subprotocol', request: () => upgrade('/rpc', `Sec-WebSocket-Protocol: ${T}\r\n`), status: 403 },
    { name: 'upgrade, token as a cookie', request: () => upgrade('/rpc', `Cookie: token=${T}\r\n`), status: 403 },
    { name: 'upgrade, token as a bearer header', request: () => upgrade('/rpc', `Authorization: Bearer ${T}\r\n`), status: 403 },
    { name: 'upgrade to /rpc/', request: () => upgrade(`/rpc/?token=${T}`), status: 403 },
    { name: 'upgrade to /RPC', request: () => upgrade(`/RPC?token=${T}`), status: 403 },
    { name: 'upgrade to /', request: () => upgrade(`/?token=${T}`), status: 403 },
    { name: 'upgrade to /%', request: () => upgrade(`/%?token=${T}`), status: 400 },
    { name: 'upgrade to //', request: () => upgrade(`//?token=${T}`), status: 400 },
    { name: 'upgrade to /rpc%00', request: () => upgrade(`/rpc%00?token=${T}`), status: 400 },
    { name: 'upgrade with a foreign Origin', request: () => upgrade(`/rpc?token=${T}`, 'Origin: https://evil.example\r\n'), status: 403 },
    { name: 'upgrade with Origin: null', request: () => upgrade(`/rpc?token=${T}`, 'Origin: null\r\n'), status: 403 },
    { name: 'upgrade with an Origin on another port', request: () => upgrade(`/rpc?token=${T}`, 'Origin: http://127.0.0.1:1\r\n'), status: 403 },
    { name: 'upgrade with an https Origin', request: () => upgrade(`/rpc?token=${T}`, `Origin: https://127.0.0.1:${host.port}\r\n`), status: 403 },
    { name: 'upgrade with a suffixed Origin', request: () => upgrade(`/rpc?token=${T}`, `Origin: http://127.0.0.1:${host.port}.evil.example\r\n`), status: 403 },
    { name: 'upgrade with a foreign Host', request: () => upgrade(`/rpc?token=${T}`, '', 'Host: evil.example'), status: 421 },
    { name: 'upgrade without Host', request: () => upgrade(`/rpc?token=${T}`, '', 'X-No-Host: 1'), status: 400 },
    { name: 'upgrade with two Host headers', request: () => upgrade(`/rpc?token=${T}`, 'Host: evil.example\r\n'), status: 400 },
    {
      name: 'upgrade without a key',
      request: () => `GET /rpc?token=${T} HTTP/1.1\r\n${H}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      status: 400,
    },
    {
      name: 'upgrade with an unknown version',
      request: () => upgrade(`/rpc?token=${T}`).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'),
      status: 400,
    },
    { name: 'upgrade to h2c', request: () => upgrade(`/rpc?token=${T}`).replace('Upgrade: websocket', 'Upgrade: h2c'), status: 400 },
    { name: 'upgrade by POST', request: () => upgrade(`/rpc?token=${T}`).replace(/^GET/, 'POST'), status: 405 },
    // — huge headers —
    { name: 'one 64 KiB header', request: () => get(`/?token=${T}`, `X-Big: ${'a'.repeat(64 * 1024)}\r\n`), status: 431 },
    { name: '20 KiB header name', request: () => get(`/?token=${T}`, `X-${'a'.repeat(20 * 1024)}: 1\r\n`), status: 431 },
    { name: '3000 small headers', request: () => get(`/?token=${T}`, Array.from({ length: 3000 }, (_, i) => `X-${i}: 1\r\n`).join('')), status: 431 },
    { name: 'a 64 KiB cookie on the upgrade', request: () => upgrade(`/rpc?token=${T}`, `Cookie: ${'a'.repeat(64 * 1024)}\r\n`), status: 431 },
    { name: 'many headers under the limit, no token', request: () => get('/', Array.from({ length: 300 }, (_, i) => `X-${i}: 1\r\n`).join('')), status: 403 },
  ];

  // — every method on every route —
  const routes = () => [
    '/',
    `/?token=${T}`,
    `/index.html?token=${T}`,
    '/assets/app.js',
    `/dial?token=${T}&url=tel%3A100`,
    `/rpc?token=${T}`,
    `/diagnostics?token=${T}`,
    `/headset?token=${T}&op=unplug`,
    '/missing',
  ];
  for (const method of ['OPTIONS', 'PUT', 'DELETE', 'TRACE', 'POST', 'PATCH']) {
    for (let i = 0; i < 9; i++) {
      cases.push({
        name: `${method} on route #${i}`,
        request: () => get(routes()[i]!, method === 'PUT' || method === 'POST' ? 'Content-Length: 1000000\r\n' : '', method),
        status: 405,
      });
    }
  }
  // HEAD answers like GET without a body, and acts on nothing: the extra routes are GET-only, /dial does not dial.
  const headStatus = [403, 200, 200, 200, 303, 404, 404, 404, 404];
  for (let i = 0; i < 9; i++) {
    cases.push({ name: `HEAD on route #${i}`, request: () => get(routes()[i]!, '', 'HEAD'), status: headStatus[i]!, head: true });
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s → refused, and the host keeps serving', async (name, c) => {
    const a = await send(c.request(), { ...(c.head && { head: true }) });
    neverLeaks(name, a);
    expect({ name, status: a.status }).toEqual({ name, status: c.status });
    await stillServing(name);
  });

  it('serves what it should: the page, a file, /dial, the extra routes and a same-origin socket', async () => {
    const page = await send(get(`/?token=${T}`));
    expect([page.status, page.body]).toEqual([200, INDEX]);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await send(`GET /?token=${T} HTTP/1.1\r\nHost: localhost:${host.port}\r\n\r\n`)).status).toBe(200);
    expect((await send(`GET /?token=${T} HTTP/1.1\r\nHost: LOCALHOST:${host.port}\r\n\r\n`)).status).toBe(200);
    expect((await send(get(`/alias.html?token=${T}`))).body).toBe(INDEX);
    expect((await send(get('/assets/app.js'))).body).toBe(ASSET);
    expect((await send(get('/assets%2fapp.js'))).body).toBe(ASSET);
    const dial = await send(get(`/dial?token=${T}&url=javascript%3Aalert(1)`));
    expect([dial.status, dial.headers.location]).toEqual([303, `/?token=${encodeURIComponent(T)}`]);
    expect((await send(get(`/diagnostics?token=${T}`))).status).toBe(200);
    expect(JSON.parse((await send(get(`/headset?token=${T}&op=output`))).body)).toEqual({ reports: [] });
    expect((await send(upgrade(`/rpc?token=${T}`, `Origin: http://127.0.0.1:${host.port}\r\n`))).status).toBe(101);
    expect((await send(upgrade(`/rpc?token=${T}`, `Origin: http://localhost:${host.port}\r\n`))).status).toBe(101);
    expect((await send(upgrade(`/rpc?token=${T}`))).status).toBe(101); // no Origin: not a browser
  });

  describe('slow and stalled requests time out (408) instead of holding the host', () => {
    const slow: [string, () => string][] = [
      ['an idle connection', () => ''],
      ['a partial request line', () => 'GET /?tok'],
      ['headers never finished', () => `GET /?token=${T} HTTP/1.1\r\n${H}\r\nX-A: 1`],
      ['an upgrade never finished', () => upgrade(`/rpc?token=${T}`).slice(0, -2)],
      ['leading blank lines only', () => '\r\n\r\n\r\n'],
    ];
    it.each(slow)('%s', async (name, request) => {
      const a = await send(request(), { patienceMs: 10 * HEADERS_TIMEOUT_MS + 2000 });
      expect({ name, status: a.status }).toEqual({ name, status: 408 });
      expect(a.ms).toBeLessThan(5 * HEADERS_TIMEOUT_MS + 1000);
      await stillServing(name);
    });

    it('headers trickled a byte at a time', async () => {
      const socket = tcpConnect(host.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const answer = new Promise<string>((resolve) => {
        let data = '';
        socket.on('data', (d) => (data += d.toString('latin1')));
        socket.on('close', () => resolve(data));
      });
      const text = `GET /?token=${T} HTTP/1.1\r\n${H}\r\n${'X-Slow: yes\r\n'.repeat(200)}\r\n`;
      let i = 0;
      const drip = setInterval(() => socket.writable && socket.write(text[i++ % text.length]!), 20);
      const t0 = Date.now();
      let giveUp: NodeJS.Timeout | undefined;
      const got = await Promise.race([answer, new Promise<string>((r) => (giveUp = setTimeout(() => r('still open'), 10_000)))]);
      clearTimeout(giveUp);
      clearInterval(drip);
      socket.destroy();
      expect(got.slice(0, 12)).toBe('HTTP/1.1 408');
      expect(Date.now() - t0).toBeLessThan(5 * HEADERS_TIMEOUT_MS + 1000);
      await stillServing('a trickled request');
    });

    it('a body announced but never sent is not waited for', async () => {
      const a = await send(get(`/?token=${T}`, 'Content-Length: 1000000\r\n', 'PUT'), { patienceMs: 3000 });
      expect(a.status).toBe(405);
      expect(a.headers.connection).toBe('close');
    });

    it('keeps serving while 50 slow clients hold connections open', async () => {
      const sockets = Array.from({ length: 50 }, () => {
        const s = tcpConnect(host.port, '127.0.0.1');
        s.on('error', () => undefined);
        s.write('GET / HTTP/1.1\r\n');
        return s;
      });
      try {
        await stillServing('50 slow clients');
        expect((await send(get('/assets/app.js'))).body).toBe(ASSET);
      } finally {
        for (const s of sockets) s.destroy();
      }
    });
  });

  it('a client that resets while its upgrade is refused does not take the host down', async () => {
    for (let i = 0; i < 100; i++) {
      const s = tcpConnect(host.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('connect', () => {
        s.write(upgrade(i % 2 ? '/rpc?token=wrong' : '/%') + 'x'.repeat(100_000));
        setImmediate(() => s.resetAndDestroy());
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    await stillServing('reset upgrades');
  });

  // Over the cases above (the mutation loop below may paste the token anywhere, Host included).
  it('never writes the token (sent in the query) or a control character to the log', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).not.toContain(T);
      expect(line).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    }
  });

  it('a seeded mutation loop of valid requests: never a 5xx, a leak or a crash', async () => {
    const seed = Number(process.env.WEB_HOST_FUZZ_SEED ?? (Date.now() % 2 ** 31));
    const runs = Number(process.env.WEB_HOST_FUZZ_RUNS ?? 300);
    console.log(`web-host mutation loop: WEB_HOST_FUZZ_SEED=${seed} WEB_HOST_FUZZ_RUNS=${runs}`);
    let state = seed >>> 0;
    const rand = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)]!;
    const bases = [
      `GET /?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`,
      `GET /index.html?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`,
      `GET /assets/app.js HTTP/1.1\r\n${H}\r\n\r\n`,
      `GET /dial?token=${T}&url=tel%3A100 HTTP/1.1\r\n${H}\r\n\r\n`,
      `GET /diagnostics?token=${T} HTTP/1.1\r\n${H}\r\n\r\n`,
      `GET /headset?token=${T}&op=output HTTP/1.1\r\n${H}\r\n\r\n`,
      upgrade(`/rpc?token=${T}`, `Origin: http://127.0.0.1:${host.port}\r\n`),
    ];
    const pieces = [
      '%', '%00', '\0', '%2e%2e%2f', '..', '../', '/', '//', '\\', '%5c', '%25', '%ff', '%c0%ae', '%2f', ' ', '\t', '\r\n',
      '\n', '?', '#', ';', '@', ':', '&', '=', 'token=', T, '..%2f', '%2e', 'secret.txt', '../dist-evil/x.txt', 'leak.txt',
      'a'.repeat(300), 'a'.repeat(9000), '\x7f', '\xff', 'é', 'Host: evil.example\r\n', 'Content-Length: 5\r\n',
      'Transfer-Encoding: chunked\r\n', 'Origin: https://evil.example\r\n',
    ];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'get', 'GE', 'GETT', ''];
    const mutate = (s: string): string => {
      const at = () => Math.floor(rand() * (s.length + 1));
      switch (Math.floor(rand() * 7)) {
        case 0: {
          const i = at();
          return s.slice(0, i) + String.fromCharCode(Math.floor(rand() * 256)) + s.slice(i + 1);
        }
        case 1:
        case 2: {
          // Most insertions land in the request target, where the interesting parsing is.
          const lineEnd = s.indexOf(' HTTP/');
          const i = rand() < 0.7 && lineEnd > 4 ? 4 + Math.floor(rand() * (lineEnd - 3)) : at();
          return s.slice(0, i) + pick(pieces) + s.slice(i);
        }
        case 3: {
          const i = at();
          return s.slice(0, i) + s.slice(i + 1 + Math.floor(rand() * 8));
        }
        case 4: {
          const i = at();
          const j = Math.min(s.length, i + Math.floor(rand() * 16));
          return s.slice(0, j) + s.slice(i, j) + s.slice(j);
        }
        case 5:
          return s.replace(/^[A-Za-z]*/, pick(methods));
        default:
          return s.slice(0, at());
      }
    };
    const tally = new Map<number, number>(); // status → count (0 = closed unanswered, e.g. an empty request)
    for (let run = 0; run < runs; run++) {
      let request = pick(bases);
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) request = mutate(request);
      const what = `mutation #${run} (seed ${seed}) ${JSON.stringify(request.length > 300 ? `${request.slice(0, 300)}…` : request)}`;
      // Half-close: a truncated request then ends at once instead of waiting for the headers timeout.
      const a = await send(Buffer.from(request, 'latin1'), { halfClose: true, head: /^HEAD /.test(request) });
      neverLeaks(what, a);
      if (a.status === -1) throw new Error(`${what}: no answer`);
      // A socket only for whoever holds the token; a redirect only /dial's, back to the console page.
      if (a.status === 101 && !request.includes(T)) throw new Error(`${what}: upgrade without the token`);
      if (a.status >= 300 && a.status < 400 && a.headers.location !== `/?token=${encodeURIComponent(T)}`) {
        throw new Error(`${what}: unexpected ${a.status} to ${a.headers.location}`);
      }
      await stillServing(what);
      tally.set(a.status, (tally.get(a.status) ?? 0) + 1);
    }
    console.log(`web-host mutation loop (seed ${seed}): answers ${JSON.stringify(Object.fromEntries([...tally].sort((x, y) => x[0] - y[0])))}`);
  });
});
