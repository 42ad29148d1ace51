/**
 * Auto-update (electron-updater, generic provider) from the URL an administrator sets in the provisioning file
 * (`update.url`, docs/provisioning.md); off when there is none. The decisions as plain functions (unit-tested):
 * where the URL comes from, whether updates can run at all, when to check, what to tell the receptionist.
 * An update is downloaded in the background and installed when the console quits: never in the middle of a call.
 */
import type { CallView } from '../contract';

export const UPDATE_FIRST_CHECK_MS = 60_000;
export const UPDATE_INTERVAL_MS = 4 * 3600_000;

/**
 * The URL in force: the provisioning file given at launch wins (and is remembered, or forgotten when it has none, so
 * a start at login without `--provision` keeps checking); without a provisioning file, the remembered one.
 */
export function updateUrlSource(opts: {
  provisioned: boolean;
  provisionedUrl?: string;
  savedUrl?: string;
}): { url?: string; save?: { url: string } | 'forget' } {
  if (opts.provisioned) {
    if (opts.provisionedUrl) return { url: opts.provisionedUrl, ...(opts.provisionedUrl !== opts.savedUrl && { save: { url: opts.provisionedUrl } }) };
    return opts.savedUrl ? { save: 'forget' } : {};
  }
  return opts.savedUrl ? { url: opts.savedUrl } : {};
}

export type UpdatePlan =
  | { readonly enabled: false; readonly reason: 'not-configured' | 'not-packaged' | 'unsupported-platform' }
  | { readonly enabled: true; readonly feed: { readonly provider: 'generic'; readonly url: string } };

/** Updates need a URL, a packaged app (a dev run has no installer to update) and a platform we ship (NSIS, macOS zip). */
export function updatePlan(opts: { url: string | undefined; isPackaged: boolean; platform: NodeJS.Platform }): UpdatePlan {
  if (!opts.url) return { enabled: false, reason: 'not-configured' };
  if (!opts.isPackaged) return { enabled: false, reason: 'not-packaged' };
  if (opts.platform !== 'win32' && opts.platform !== 'darwin') return { enabled: false, reason: 'unsupported-platform' };
  return { enabled: true, feed: { provider: 'generic', url: opts.url } };
}

/**
 * A check is due a minute after start, then every four hours — but not while a call is up (the download competes
 * with the call's audio for the office uplink): it waits for the calls to end.
 */
export function updateCheckDue(opts: { now: number; startedAt: number; lastCheckAt: number | undefined; calls: readonly CallView[] }): boolean {
  if (opts.calls.some((c) => c.state !== 'ended')) return false;
  if (opts.lastCheckAt === undefined) return opts.now - opts.startedAt >= UPDATE_FIRST_CHECK_MS;
  return opts.now - opts.lastCheckAt >= UPDATE_INTERVAL_MS;
}

export type UpdateEvent =
  | { readonly type: 'checking' | 'not-available' }
  | { readonly type: 'available' | 'downloaded'; readonly version: string }
  | { readonly type: 'error'; readonly message: string };

export interface UpdateNotice {
  readonly level: 'info' | 'warning';
  readonly key: string;
  readonly params?: Record<string, string>;
}

/**
 * What the receptionist is told: that a version is downloading, then that it will be installed when the console quits.
 * Failures are logged; the message area shows only the first of a series (an unreachable server must not nag all day).
 */
export function updateNotice(event: UpdateEvent, previous: UpdateNotice | undefined): UpdateNotice | undefined {
  const version = (v: string) => v.replace(/[^0-9A-Za-z.+-]/g, '').slice(0, 32);
  switch (event.type) {
    case 'available':
      return { level: 'info', key: 'update.downloading', params: { version: version(event.version) } };
    case 'downloaded':
      return { level: 'info', key: 'update.ready', params: { version: version(event.version) } };
    case 'error':
      return previous?.key === 'update.failed' ? undefined : { level: 'warning', key: 'update.failed' };
    case 'checking':
    case 'not-available':
      return undefined;
  }
}
