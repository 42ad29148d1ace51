/**
 * The shell's security decisions as plain functions (tested without Electron): window options, navigation and
 * window.open policy, which frames may talk IPC, which URLs may be opened externally.
 */
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

/** Our page is loaded from file://…/renderer/index.html; nothing may navigate away from it. */
export function isAppUrl(url: string, rendererIndexUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(rendererIndexUrl);
    return u.protocol === app.protocol && u.pathname === app.pathname;
  } catch {
    return false;
  }
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny' } | { action: 'open-external'; url: string };

/** will-navigate / setWindowOpenHandler: stay on the app page; http(s) links (screen pops) open in the browser. */
export function navigationDecision(url: string, rendererIndexUrl: string): NavigationDecision {
  if (isAppUrl(url, rendererIndexUrl)) return { action: 'allow' };
  return externalUrlAllowed(url) ? { action: 'open-external', url } : { action: 'deny' };
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

/** Strict CSP for the packaged renderer (also sent by the web host with its own connect-src). */
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
