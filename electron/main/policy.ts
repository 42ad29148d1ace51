/**
 * The shell's security decisions as plain functions (tested without Electron): window options, navigation and
 * window.open policy, which frames may talk IPC, which URLs may be opened externally.
 */
import { isPlainMailto } from '../contract/mailto';

/**
 * The only webPreferences the main window may have. main.ts writes them as a literal `satisfies` this type (so
 * Electronegativity's static analysis sees them and tsc refuses any other value).
 */
export interface SecureWebPreferences {
  sandbox: true;
  contextIsolation: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
  /** Middle-click must not open links in new windows. */
  disableBlinkFeatures: 'Auxclick';
  preload: string;
}

/** Window options except webPreferences (see SecureWebPreferences). */
export function mainWindowOptions(opts: { show: boolean; dark: boolean }) {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: opts.show,
    backgroundColor: opts.dark ? '#15181d' : '#f5f6f8',
    title: 'Receptionist Console',
    autoHideMenuBar: true,
  };
}

/** Our page is app://console/index.html (app-protocol.ts); nothing may navigate away from it. */
export function isAppUrl(url: string, rendererIndexUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(rendererIndexUrl);
    return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname;
  } catch {
    return false;
  }
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny' } | { action: 'open-external'; url: string };

/**
 * will-navigate / will-redirect / setWindowOpenHandler: stay on the app page; http(s) links (screen pops) open in the
 * browser, a contact's plain mailto: link in the mail program; anything else — a file dragged onto the window
 * (file://…/contacts.vcf), a dropped data: or javascript: link, a mailto: with header fields — is refused. main.ts applies this first, before anything else reacts to the navigation: the page (and its connection
 * to the calls) stays as it is. A dropped vCard/CSV is imported by the page itself (renderer/lib/state/contacts-drop.ts).
 */
export function navigationDecision(url: string, rendererIndexUrl: string): NavigationDecision {
  if (isAppUrl(url, rendererIndexUrl)) return { action: 'allow' };
  // A contact's e-mail link: the mail program, for one plain address only (electron/contract/mailto.ts).
  return externalUrlAllowed(url) || isPlainMailto(url) ? { action: 'open-external', url } : { action: 'deny' };
}

/** Our windows only: microphone/speaker for calls, nothing else; never for a page that is not ours. */
export function permissionAllowed(permission: string, requestingUrl: string | undefined, rendererIndexUrl: string): boolean {
  if (requestingUrl === undefined) return false;
  let ours = false;
  try {
    ours = new URL(requestingUrl).origin === new URL(rendererIndexUrl).origin;
  } catch {
    ours = false;
  }
  return ours && (permission === 'media' || permission === 'speaker-selection');
}

export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** IPC is accepted only from our own top frame showing our own page. */
export function ipcSenderAllowed(
  sender: { frameUrl: string | undefined; isMainFrame: boolean; webContentsId: number },
  ours: { webContentsId: number; rendererIndexUrl: string },
): boolean {
  return (
    sender.isMainFrame &&
    sender.webContentsId === ours.webContentsId &&
    sender.frameUrl !== undefined &&
    isAppUrl(sender.frameUrl, ours.rendererIndexUrl)
  );
}

/**
 * Strict CSP for the Electron renderer, sent as a header with every app:// response (app-protocol.ts). The renderer
 * talks to main over IPC only: no fetch, no WebSocket (`connect-src 'none'`). The web host sends its own header
 * (electron/web-host/server.ts: the same policy with `connect-src` back to its port); renderer/index.html's meta CSP
 * is the common floor of both.
 */
export const ELECTRON_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'none'",
  "img-src 'self' data:",
  "media-src 'self' blob: mediastream:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
