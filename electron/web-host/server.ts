/**
 * The web host: the same services as Electron main, served to a browser over HTTP + WebSocket on 127.0.0.1.
 * Security: loopback only, a per-launch token (URL query) required for the page and the socket, and an Origin check
 * on the socket so another site open in the same browser cannot drive the console.
 * Wire protocol (JSON text frames): client→host {"t":"cmd","id":N,"name","args"};
 * host→client {"t":"res","id":N,"result":Result} and {"t":"evt","name","payload"}.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
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

function tokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(18).toString('base64url');
  const root = resolve(options.rendererDir);
  const log = options.log ?? (() => undefined);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`Renderer not built: ${join(root, 'index.html')} is missing`);
  let port = 0;
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const server: Server = createServer((req, res) => serveStatic(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_COMMAND_BYTES });
  let nextConn = 0;

  function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let path = decodeURIComponent(url.pathname);
    if (options.routes && path !== '/' && path !== '/index.html' && tokenMatches(token, url.searchParams.get('token'))) {
      if (options.routes(url, req, res)) return;
    }
    if (path === '/dial') {
      // tel:/sip: hand-over for the web host (what the OS does for Electron): /dial?token=…&url=tel:… then back to
      // the console. The token keeps other web pages from dialing through us.
      if (!tokenMatches(token, url.searchParams.get('token'))) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
        return;
      }
      const link = url.searchParams.get('url') ?? '';
      const run = () =>
        void options.service.dialUrl(link).catch((e: unknown) => log(`dial link refused: ${e instanceof Error ? e.message : String(e)}`));
      // The redirect reloads the console page: dial once the reloaded page owns audio again (or after 5 s anyway),
      // not while the old one is unloading and would fail the media negotiation.
      const timer = setTimeout(() => {
        off();
        run();
      }, 5000);
      const off = options.service.media.onDidAttach(() => {
        off();
        clearTimeout(timer);
        run();
      });
      res.writeHead(303, { location: `/?token=${encodeURIComponent(token)}`, 'cache-control': 'no-store' }).end();
      return;
    }
    if (path === '/' || path === '/index.html') {
      if (!tokenMatches(token, url.searchParams.get('token'))) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Receptionist Console: open the address printed by the console (it carries an access token).\n');
        return;
      }
      path = '/index.html';
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root + '/') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(port),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': path === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    if (url.pathname !== '/rpc' || !tokenMatches(token, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      log(`web-host: refused WebSocket from origin ${origin.slice(0, 100)}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
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
    if (isBinary) return reply(null, { ok: false, error: { code: 'bad-request', message: 'Binary frames are not accepted' } });
    if (data.length > MAX_COMMAND_BYTES) {
      return reply(null, { ok: false, error: { code: 'too-large', message: `Command too large (${data.length} bytes)` } });
    }
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return reply(null, { ok: false, error: { code: 'bad-request', message: 'Not JSON' } });
    }
    if (typeof msg !== 'object' || msg === null || (msg as { t?: unknown }).t !== 'cmd') {
      return reply(null, { ok: false, error: { code: 'bad-request', message: 'Expected {"t":"cmd",…}' } });
    }
    const { id, name, args } = msg as { id?: unknown; name?: unknown; args?: unknown };
    reply(id, await options.service.dispatch(conn, name, args, data.length));
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
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
