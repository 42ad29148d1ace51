/**
 * The web host: the same services as Electron main, served to a browser over HTTP + WebSocket on 127.0.0.1.
 * Security: loopback only, a per-launch token (URL query) required for the page and the socket, and an Origin check
 * on the socket so another site open in the same browser cannot drive the console.
 * Wire protocol (JSON text frames): client→host {"t":"cmd","id":N,"name","args"};
 * host→client {"t":"res","id":N,"result":Result} and {"t":"evt","name","payload"}.
 * Hostile input: any request the host cannot parse, that names another host, escapes the renderer folder or lacks the
 * token gets a 4xx; no request can throw out of a handler (a bug answers 500 and is logged), slow or stalled requests
 * get a 408, and the process keeps serving (tests/unit/web-host-hostile.test.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fstatSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_COMMAND_BYTES } from '../contract/contract';
import type { ConsoleService, HostConnection } from '../services/console-service';

export interface WebHostOptions {
  readonly service: ConsoleService;
  /** Folder with the built renderer (index.html). */
  readonly rendererDir: string;
  /** 0 = pick a free port. */
  readonly port?: number;
  /** Fixed token (tests); random by default. */
  readonly token?: string;
  readonly log?: (line: string) => void;
  /** Extra token-protected GET routes (e.g. the scripted headset); return true when handled. */
  readonly routes?: (url: URL, req: IncomingMessage, res: ServerResponse) => boolean;
  /** Time a client gets to send a request's headers before a 408 (slow-loris); 10 s by default. */
  readonly headersTimeoutMs?: number;
}

export interface WebHost {
  readonly port: number;
  readonly token: string;
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Content-Security-Policy for the console page: no inline script, sockets only back to this host. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Longest request target (path + query) accepted; Node's own header limit (16 KiB) answers 431 beyond it anyway. */
const MAX_TARGET_CHARS = 8 * 1024;

export interface RequestTarget {
  readonly url: URL;
  /** The decoded path, '/'-separated, without NUL, backslash or '..' segments. */
  readonly path: string;
}

/**
 * Parse an origin-form request target (`/path?query`). Undefined — answer 400 — for anything else: `*`, absolute or
 * authority form, `//…` (which URL would read as a host), bad percent-encoding, NUL, backslashes, or a '..' segment
 * that only appears after decoding (`..%2f`). Never throws.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw || raw.length > MAX_TARGET_CHARS || !raw.startsWith('/') || raw.startsWith('//')) return undefined;
  let url: URL;
  let path: string;
  try {
    url = new URL(raw, 'http://127.0.0.1');
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (url.host !== '127.0.0.1' || !path.startsWith('/')) return undefined;
  if (path.includes('\0') || path.includes('\\') || path.split('/').some((seg) => seg === '..' || seg === '.')) return undefined;
  return { url, path };
}

/** A one-line, control-character-free rendering of something a client sent, for the log (never a query: the token). */
function printable(value: string | undefined): string {
  const v = value ?? '';
  const q = v.indexOf('?');
  return JSON.stringify(q >= 0 ? `${v.slice(0, Math.min(q, 200))}?…` : v.slice(0, 200));
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function tokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(18).toString('base64url');
  const log = options.log ?? (() => undefined);
  if (!existsSync(join(resolve(options.rendererDir), 'index.html'))) {
    throw new Error(`Renderer not built: ${join(resolve(options.rendererDir), 'index.html')} is missing`);
  }
  // Real paths: a file is served only when its real path (symlinks resolved) lies inside the real renderer folder.
  const root = realpathSync(resolve(options.rendererDir));
  const indexFile = statSync(join(root, 'index.html'));
  let port = 0;
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  // The Host header must name this host: a page on another name that resolves to 127.0.0.1 (DNS rebinding) is refused.
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, ...(port === 80 ? ['127.0.0.1', 'localhost'] : [])]);
  /** 0 when the Host header names this host, else the status to refuse with. */
  const hostProblem = (req: IncomingMessage): number => {
    let count = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') count++;
    const host = req.headers.host;
    if (count !== 1 || host === undefined || host === '') return 400; // missing, empty or several (RFC 9112 §3.2)
    return allowedHosts().has(host.toLowerCase()) ? 0 : 421;
  };

  const headersTimeout = Math.max(100, options.headersTimeoutMs ?? 10_000);
  const server: Server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(30_000, headersTimeout),
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      // Top-level guard: nothing a request does may throw out of here and take the process (and every call) with it.
      try {
        handleRequest(req, res);
      } catch (e) {
        log(`web-host: ${req.method ?? '?'} ${printable(req.url)} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        if (!res.headersSent) refuse(res, 500);
        else res.destroy();
      }
    },
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_COMMAND_BYTES });
  let nextConn = 0;

  function refuse(res: ServerResponse, status: number, text = `${STATUS_CODES[status] ?? 'Error'}\n`, extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      // Do not wait for (or read) whatever body a refused request may still be sending.
      connection: 'close',
      ...extra,
    });
    res.end(text);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    // Node's parser takes a request line without a version for HTTP/0.9: only HTTP/1.x is spoken here.
    const target = req.httpVersionMajor === 1 ? parseRequestTarget(req.url) : undefined;
    if (!target) {
      log(`web-host: bad request target ${printable(req.url)}`);
      refuse(res, 400);
      return;
    }
    const badHost = hostProblem(req);
    if (badHost) {
      log(`web-host: refused request for host ${printable(req.headers.host)}`);
      refuse(res, badHost);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, undefined, { allow: 'GET, HEAD' });
      return;
    }
    const { url } = target;
    let path = target.path;
    // Extra routes act (headset input, plug…): GET only, HEAD never triggers them.
    if (options.routes && req.method === 'GET' && path !== '/' && path !== '/index.html' && tokenMatches(token, url.searchParams.get('token'))) {
      if (options.routes(url, req, res)) return;
    }
    if (path === '/dial') {
      // tel:/sip: hand-over for the web host (what the OS does for Electron): /dial?token=…&url=tel:… then back to
      // the console. The token keeps other web pages from dialing through us.
      if (!tokenMatches(token, url.searchParams.get('token'))) {
        refuse(res, 403);
        return;
      }
      res.writeHead(303, { location: `/?token=${encodeURIComponent(token)}`, 'cache-control': 'no-store' }).end();
      if (req.method !== 'GET') return; // HEAD has no effect.
      const link = url.searchParams.get('url') ?? '';
      const run = () =>
        void options.service.dialUrl(link).catch((e: unknown) => log(`dial link refused: ${e instanceof Error ? e.message : String(e)}`));
      // The redirect reloads the console page: dial once the reloaded page owns audio again (or after 5 s anyway),
      // not while the old one is unloading and would fail the media negotiation.
      const timer = setTimeout(() => {
        off();
        run();
      }, 5000);
      timer.unref();
      const off = options.service.media.onDidAttach(() => {
        off();
        clearTimeout(timer);
        run();
      });
      return;
    }
    const forbidden = () =>
      refuse(res, 403, 'Receptionist Console: open the address printed by the console (it carries an access token).\n');
    if (path === '/' || path === '/index.html') {
      if (!tokenMatches(token, url.searchParams.get('token'))) return forbidden();
      path = '/index.html';
    }
    const found = openInside(path);
    if (!found) {
      refuse(res, 404);
      return;
    }
    const { fd, file, stats } = found;
    // The console page however it is named (case-insensitive disks, links): only with the token.
    const isIndex = stats.ino === indexFile.ino && stats.dev === indexFile.dev;
    if (isIndex && !tokenMatches(token, url.searchParams.get('token'))) {
      closeSync(fd);
      return forbidden();
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': String(stats.size),
      'content-security-policy': contentSecurityPolicy(port),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': isIndex ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') {
      closeSync(fd);
      res.end();
      return;
    }
    // pipeline, not pipe: a read error or a client gone mid-file closes both ends instead of throwing or leaking the fd.
    pipeline(createReadStream(file, { fd }), res, (e) => {
      if (e && (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`web-host: sending ${printable(path)}: ${e.message}`);
    });
  }

  /** Open a regular file whose real path lies inside the renderer folder; undefined for anything else. */
  function openInside(path: string): { fd: number; file: string; stats: Stats } | undefined {
    const candidate = resolve(root, `.${path}`);
    if (path.endsWith('/') || !isInside(root, candidate)) return undefined;
    let file: string;
    try {
      file = realpathSync(candidate);
    } catch {
      return undefined;
    }
    if (!isInside(root, file)) return undefined;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const stats = fstatSync(fd);
      if (stats.isFile()) return { fd, file, stats };
    } catch {
      // fall through
    }
    closeSync(fd);
    return undefined;
  }

  /** Answer a raw (upgrade or CONNECT) socket and close it once the answer is out. */
  function refuseSocket(socket: Duplex, status: number): void {
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node takes its own error listener off an upgraded socket: without ours, a client resetting the connection
    // while we refuse it would throw ECONNRESET out of the event loop.
    const onError = (e: Error) => log(`web-host: upgrade socket: ${e.message}`);
    socket.on('error', onError);
    try {
      const target = req.httpVersionMajor === 1 ? parseRequestTarget(req.url) : undefined;
      if (!target) return refuseSocket(socket, 400);
      const badHost = hostProblem(req);
      if (badHost) return refuseSocket(socket, badHost);
      if (target.path !== '/rpc' || !tokenMatches(token, target.url.searchParams.get('token'))) return refuseSocket(socket, 403);
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins().has(origin)) {
        log(`web-host: refused WebSocket from origin ${printable(origin)}`);
        return refuseSocket(socket, 403);
      }
      socket.off('error', onError); // ws installs its own from here on
      wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
    } catch (e) {
      log(`web-host: upgrade ${printable(req.url)} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      socket.destroy();
    }
  });

  // CONNECT (proxy tunnelling) is not something this host does; without a listener Node would drop the socket unanswered.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.on('error', (e: Error) => log(`web-host: CONNECT socket: ${e.message}`));
    refuseSocket(socket, 405);
  });

  function onSocket(ws: WebSocket): void {
    const conn: HostConnection = {
      id: `ws${++nextConn}`,
      send: (name, payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'evt', name, payload }));
      },
    };
    const disconnect = options.service.connect(conn);
    ws.on('message', (data, isBinary) => {
      void handleFrame(ws, conn, data as Buffer, isBinary);
    });
    ws.on('close', disconnect);
    ws.on('error', (e) => log(`web-host: socket ${conn.id}: ${e.message}`));
  }

  async function handleFrame(ws: WebSocket, conn: HostConnection, data: Buffer, isBinary: boolean): Promise<void> {
    const reply = (id: unknown, result: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'res', id: typeof id === 'number' ? id : null, result }));
    };
    if (isBinary) return reply(null, { ok: false, error: { code: 'bad-request', message: 'Binary frames are not accepted', key: 'error.protocol' } });
    if (data.length > MAX_COMMAND_BYTES) {
      return reply(null, { ok: false, error: { code: 'too-large', message: `Command too large (${data.length} bytes)`, key: 'error.tooLarge' } });
    }
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return reply(null, { ok: false, error: { code: 'bad-request', message: 'Not JSON', key: 'error.protocol' } });
    }
    if (typeof msg !== 'object' || msg === null || (msg as { t?: unknown }).t !== 'cmd') {
      return reply(null, { ok: false, error: { code: 'bad-request', message: 'Expected {"t":"cmd",…}', key: 'error.protocol' } });
    }
    const { id, name, args } = msg as { id?: unknown; name?: unknown; args?: unknown };
    reply(id, await options.service.dispatch(conn, name, args, data.length));
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  // After start-up (e.g. out of file descriptors while accepting): log, keep serving.
  server.on('error', (e) => log(`web-host: server: ${e.message}`));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
