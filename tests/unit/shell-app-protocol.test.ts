/**
 * Issue 15: "the CSP that applies to the file:// page is the weaker meta one (connect-src ws: wss: to any host)". The
 * renderer is now served from app://console/ with the strict CSP as a header (webRequest never saw file:// loads), and
 * the meta CSP in renderer/index.html no longer allows sockets to any host.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, appProtocolAnswer } from '../../electron/main/app-protocol';
import { ELECTRON_CSP, ipcSenderAllowed, isAppUrl, navigationDecision, permissionAllowed } from '../../electron/main/policy';
import { contentSecurityPolicy } from '../../electron/web-host/server';

const DIR = join(sep, 'opt', 'rc', 'resources', 'app.asar', 'dist', 'renderer');
const get = (url: string) => appProtocolAnswer({ url, method: 'GET' }, DIR);

/** `connect-src` (or any directive) of a policy, as a list of sources. */
function directive(policy: string, name: string): string[] | undefined {
  const d = policy
    .split(';')
    .map((x) => x.trim().split(/\s+/))
    .find(([n]) => n === name);
  return d?.slice(1);
}

describe('app:// — the renderer served with the strict CSP header', () => {
  it('the page and its assets, each answer carrying the CSP header', () => {
    for (const url of [APP_INDEX_URL, 'app://console/', `${APP_INDEX_URL}?view=incoming`]) {
      const a = get(url);
      expect(a).toMatchObject({ status: 200, file: join(DIR, 'index.html') });
      expect(a.headers['content-security-policy']).toBe(ELECTRON_CSP);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(a.headers['cache-control']).toBe('no-store');
    }
    const js = get('app://console/assets/index-Dpmmop82.js');
    expect(js).toMatchObject({ status: 200, file: join(DIR, 'assets', 'index-Dpmmop82.js') });
    // Module scripts need a JavaScript MIME type; nosniff keeps it honest.
    expect(js.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-security-policy': ELECTRON_CSP });
    expect(appProtocolAnswer({ url: APP_INDEX_URL, method: 'HEAD' }, DIR).status).toBe(200);
  });

  it('nothing outside the renderer folder: literal, encoded and double-encoded dot segments stay inside it', () => {
    for (const url of [
      'app://console/../../../etc/passwd',
      'app://console/%2e%2e/%2e%2e/package.json',
      'app://console/assets/..%2F..%2F..%2Fmain.js',
      'app://console/assets%2F..%2F..%2Fpreload.js',
      'app://console/%252e%252e/x.js',
    ]) {
      const a = get(url);
      // Either refused, or a file under the renderer folder (which then does not exist: 404 from main).
      if (a.status === 200) {
        expect(a.file.startsWith(DIR + sep)).toBe(true);
        expect(a.file.split(sep)).not.toContain('..');
      }
      expect(a.headers['content-security-policy']).toBe(ELECTRON_CSP);
    }
  });

  it('refused: backslashes, NUL, drive letters, bad encoding, unknown file types, another host, credentials, POST', () => {
    for (const url of [
      'app://console/..%5C..%5Cmain.js',
      'app://console/a%00.js',
      'app://console/C:/Windows/win.ini',
      'app://console/%E0%A4%A.js',
      'app://console/secret.txt',
      'app://console/assets/',
      'app://other/index.html',
      'app://user:pw@console/index.html',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const a = get(url);
      expect({ url, status: a.status }).toEqual({ url, status: a.status === 400 ? 400 : 404 });
      expect(a.headers['content-security-policy']).toBe(ELECTRON_CSP);
    }
    expect(appProtocolAnswer({ url: APP_INDEX_URL, method: 'POST' }, DIR).status).toBe(405);
  });

  it('the scheme is standard and secure (a real origin, getUserMedia), readable only by our own pages', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } });
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('corsEnabled');
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('bypassCSP');
  });

  it('our page is app://console/index.html: navigation, IPC senders and permissions follow', () => {
    expect(isAppUrl(`${APP_INDEX_URL}?view=incoming`, APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://evil/index.html', APP_INDEX_URL)).toBe(false);
    expect(isAppUrl('file:///opt/rc/dist/renderer/index.html', APP_INDEX_URL)).toBe(false);
    expect(navigationDecision('file:///C:/Users/r/contacts.vcf', APP_INDEX_URL)).toEqual({ action: 'deny' });
    const ours = { webContentsId: 1, rendererIndexUrl: APP_INDEX_URL };
    expect(ipcSenderAllowed({ frameUrl: APP_INDEX_URL, isMainFrame: true, webContentsId: 1 }, ours)).toBe(true);
    expect(ipcSenderAllowed({ frameUrl: 'app://other/index.html', isMainFrame: true, webContentsId: 1 }, ours)).toBe(false);
    expect(permissionAllowed('media', APP_INDEX_URL, APP_INDEX_URL)).toBe(true);
    expect(permissionAllowed('speaker-selection', 'app://console/other', APP_INDEX_URL)).toBe(true);
    expect(permissionAllowed('geolocation', APP_INDEX_URL, APP_INDEX_URL)).toBe(false);
    expect(permissionAllowed('media', 'https://crm.example.com/', APP_INDEX_URL)).toBe(false);
    expect(permissionAllowed('media', undefined, APP_INDEX_URL)).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const html = readFileSync(join(__dirname, '../../renderer/index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';

  it('Electron header: the renderer talks IPC — no fetch, no socket; no inline or eval script; no framing, no base', () => {
    expect(directive(ELECTRON_CSP, 'connect-src')).toEqual(["'none'"]);
    expect(directive(ELECTRON_CSP, 'script-src')).toEqual(["'self'"]);
    expect(directive(ELECTRON_CSP, 'object-src')).toEqual(["'none'"]);
    expect(directive(ELECTRON_CSP, 'base-uri')).toEqual(["'none'"]);
    expect(directive(ELECTRON_CSP, 'frame-ancestors')).toEqual(["'none'"]);
  });

  it('meta (both hosts): no socket to any host — only the loopback web host — and no script source beyond self', () => {
    expect(meta).not.toBe('');
    const connect = directive(meta, 'connect-src')!;
    expect(connect).toEqual(["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*']);
    for (const bare of ['ws:', 'wss:', '*', 'http:', 'https:']) expect(connect).not.toContain(bare);
    expect(directive(meta, 'script-src')).toEqual(["'self'"]);
    expect(directive(meta, 'object-src')).toEqual(["'none'"]);
    expect(directive(meta, 'base-uri')).toEqual(["'none'"]);
  });

  it('the web host’s header still works under the meta: its socket (its own port on loopback) is allowed by both', () => {
    const header = contentSecurityPolicy(41234);
    const sockets = directive(header, 'connect-src')!.filter((s) => s.startsWith('ws'));
    expect(sockets).toEqual(['ws://127.0.0.1:41234', 'ws://localhost:41234']);
    const metaConnect = directive(meta, 'connect-src')!;
    for (const s of sockets) expect(metaConnect).toContain(s.replace(/:\d+$/, ':*'));
  });
});
