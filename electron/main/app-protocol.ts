/**
 * The renderer is served from a privileged custom scheme, `app://console/…`, not from `file://`: a header CSP really
 * covers our pages (webRequest.onHeadersReceived never sees file:// loads, so the page had only its weaker meta CSP),
 * the page has a real origin (IPC sender checks, permissions), and the GrantFileProtocolExtraPrivileges fuse can be
 * off. main.ts registers the scheme before `ready` and answers requests with what these plain functions decide.
 */
import { extname, join, normalize, sep } from 'node:path';
import { ELECTRON_CSP } from './policy';

export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * `protocol.registerSchemesAsPrivileged` entry: standard (relative URLs, a real origin), secure (a secure context:
 * getUserMedia, setSinkId), fetch-able by the page itself. Not corsEnabled: other origins cannot read it. No service
 * workers, no bypassing CSP.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.woff2': 'font/woff2',
};

export type AppProtocolAnswer =
  | { readonly status: 200; readonly file: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly status: 400 | 404 | 405; readonly headers: Readonly<Record<string, string>> };

/** Headers of every app:// answer: the strict CSP first of all. */
export function appResponseHeaders(contentType?: string, opts: { noStore?: boolean } = {}): Record<string, string> {
  return {
    ...(contentType && { 'content-type': contentType }),
    'content-security-policy': ELECTRON_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': opts.noStore ? 'no-store' : 'max-age=3600',
  };
}

/**
 * Which file of `rendererDir` answers `url` (GET/HEAD only): `app://console/` and `/index.html` the page, other paths
 * the built assets. Refused: another host, encoded or literal `..` escaping the folder, backslashes, NUL, drive
 * letters, anything that does not decode.
 */
export function appProtocolAnswer(request: { url: string; method: string }, rendererDir: string): AppProtocolAnswer {
  const refuse = (status: 400 | 404 | 405): AppProtocolAnswer => ({ status, headers: appResponseHeaders('text/plain; charset=utf-8', { noStore: true }) });
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400);
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return refuse(404);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return refuse(400);
  }
  if (path === '' || path === '/') path = '/index.html';
  if (path.includes('\0') || path.includes('\\') || path.includes(':') || path.length > 1024) return refuse(400);
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0 || segments.some((s) => s === '..' || s === '.')) return refuse(404);
  const root = normalize(rendererDir);
  const file = normalize(join(root, ...segments));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return refuse(404);
  const type = MIME[extname(file).toLowerCase()];
  if (!type) return refuse(404);
  return { status: 200, file, headers: appResponseHeaders(type, { noStore: extname(file) === '.html' }) };
}
