/**
 * The desktop shell's preference-driven decisions: notification duration, compact incoming-call window, configurable
 * global shortcuts, auto-update, language following the OS.
 */
import { INCOMING_WINDOW_ROWS, parseCommand } from '../../electron/contract';
import { callView } from './helpers/call-view';
import { DEFAULT_PREFERENCES, PreferencesPatchSchema } from '../../electron/contract/dto';
import {
  INCOMING_VIEW_QUERY,
  incomingWindowAction,
  incomingWindowCommandAllowed,
  incomingWindowHeight,
  incomingWindowOptions,
  incomingWindowResize,
} from '../../electron/main/incoming-window';
import { globalShortcutPlan, globalShortcutProblem, globalShortcutsChanged, incomingCallNotification } from '../../electron/main/shell';
import { UPDATE_FIRST_CHECK_MS, UPDATE_INTERVAL_MS, updateCheckDue, updateNotice, updatePlan, updateUrlSource } from '../../electron/main/updater';
import { parseProvisioning, ProvisioningError } from '../../electron/services/provisioning';
import { resolveLanguage } from '../../renderer/i18n';

const call = callView;
const WORK_AREA = { x: 0, y: 0, width: 1920, height: 1040 };

describe('notification duration preference', () => {
  it('defaults to 20 s, accepts 20/10/5 and nothing else; the notification uses it', () => {
    expect(DEFAULT_PREFERENCES.notificationSeconds).toBe(20);
    for (const s of [20, 10, 5]) expect(PreferencesPatchSchema.safeParse({ notificationSeconds: s }).success).toBe(true);
    for (const s of [0, 7, 30, '10']) expect(PreferencesPatchSchema.safeParse({ notificationSeconds: s }).success).toBe(false);
    expect(incomingCallNotification(call('c', 'incoming'), 5)!.timeoutSeconds).toBe(5);
    expect(incomingCallNotification(call('c', 'incoming'), undefined)!.timeoutSeconds).toBe(20);
  });
});

describe('compact incoming-call window', () => {
  const on = { incomingCallWindow: true };
  it('opens when a call rings and the preference is on, closes when nothing rings or it is turned off', () => {
    expect(DEFAULT_PREFERENCES.incomingCallWindow).toBe(false);
    expect(incomingWindowAction({ preferences: on, calls: [call('a', 'incoming')], isOpen: false })).toBe('open');
    expect(incomingWindowAction({ preferences: on, calls: [call('a', 'incoming'), call('b', 'incoming')], isOpen: true })).toBe('keep');
    // Answered (here or on the headset), declined, cancelled by the caller: nothing rings any more.
    expect(incomingWindowAction({ preferences: on, calls: [call('a', 'active')], isOpen: true })).toBe('close');
    expect(incomingWindowAction({ preferences: on, calls: [], isOpen: true })).toBe('close');
    expect(incomingWindowAction({ preferences: on, calls: [call('a', 'ringing', { direction: 'outgoing' })], isOpen: false })).toBe('keep');
    expect(incomingWindowAction({ preferences: { incomingCallWindow: false }, calls: [call('a', 'incoming')], isOpen: false })).toBe('keep');
    expect(incomingWindowAction({ preferences: { incomingCallWindow: false }, calls: [call('a', 'incoming')], isOpen: true })).toBe('close');
    expect(incomingWindowAction({ preferences: undefined, calls: [call('a', 'incoming')], isOpen: false })).toBe('keep');
  });

  it('is always on top, never focusable, off the taskbar, in the corner of the work area', () => {
    const o = incomingWindowOptions({ dark: false, workArea: WORK_AREA });
    expect(o).toMatchObject({ alwaysOnTop: true, focusable: false, skipTaskbar: true, show: false, frame: false, resizable: false });
    expect(o.x + o.width).toBeLessThanOrEqual(WORK_AREA.width);
    expect(o.y + o.height).toBeLessThanOrEqual(WORK_AREA.height);
    expect(o.x).toBeGreaterThan(WORK_AREA.width / 2);
    const second = incomingWindowOptions({ dark: true, workArea: { x: 1920, y: 0, width: 1280, height: 984 } });
    expect(second.x).toBeGreaterThan(1920);
    expect(INCOMING_VIEW_QUERY).toEqual({ view: 'incoming' });
  });

  it('is one row per ringing call, up to four, then scrolls; grows and shrinks with its bottom edge where it is', () => {
    const h = [1, 2, 3, 4, 5, 9].map(incomingWindowHeight);
    // Two calls: taller than one; each more call up to the fourth adds a row; the fifth scrolls.
    expect(h[1]).toBeGreaterThan(h[0]!);
    expect(h[2]! - h[1]!).toBe(h[3]! - h[2]!);
    expect(h[4]).toBe(h[3]);
    expect(h[5]).toBe(h[3]);
    expect(INCOMING_WINDOW_ROWS).toBe(4);
    expect(incomingWindowHeight(0)).toBe(h[0]);
    expect(incomingWindowHeight(Number.NaN)).toBe(h[0]);
    // Opened for two callers at once: two rows from the start.
    expect(incomingWindowOptions({ dark: false, workArea: WORK_AREA, ringing: 2 }).height).toBe(h[1]);

    const open = incomingWindowOptions({ dark: false, workArea: WORK_AREA });
    const start = { x: open.x, y: open.y, width: open.width, height: open.height };
    const three = incomingWindowResize(start, 3, WORK_AREA)!;
    expect(three).toEqual({ x: start.x, y: start.y + start.height - h[2]!, width: start.width, height: h[2] });
    expect(incomingWindowResize(three, 3, WORK_AREA)).toBeUndefined();
    const back = incomingWindowResize(three, 1, WORK_AREA)!;
    expect(back).toEqual(start);
    // Dragged to the top of the screen: it grows downwards rather than past the top; never taller than the screen.
    const top = { ...start, y: WORK_AREA.y };
    expect(incomingWindowResize(top, 4, WORK_AREA)!.y).toBe(WORK_AREA.y);
    const tiny = { x: 0, y: 0, width: 800, height: 150 };
    expect(incomingWindowResize(start, 4, tiny)).toMatchObject({ y: 0, height: 150 });
  });

  it('may only read the state and answer or decline', () => {
    for (const ok of ['app.snapshot', 'call.answer', 'call.decline']) expect(incomingWindowCommandAllowed(ok)).toBe(true);
    for (const no of ['call.dial', 'call.hangup', 'preferences.update', 'account.save', 'media.attach', 42, undefined]) {
      expect(incomingWindowCommandAllowed(no)).toBe(false);
    }
  });
});

describe('configurable global shortcuts', () => {
  it('defaults are registered; an empty one is skipped; invalid or duplicated ones are refused', () => {
    expect(globalShortcutPlan(DEFAULT_PREFERENCES.globalShortcuts)).toEqual({
      register: [
        { action: 'answer', accelerator: 'CommandOrControl+Alt+A' },
        { action: 'hangup', accelerator: 'CommandOrControl+Alt+H' },
        { action: 'dialSelection', accelerator: 'CommandOrControl+Alt+D' },
      ],
      refused: [],
    });
    expect(globalShortcutPlan({ answer: 'Ctrl+Shift+F9', hangup: '', dialSelection: 'Ctrl+Shift+F9' })).toEqual({
      register: [{ action: 'answer', accelerator: 'Ctrl+Shift+F9' }],
      refused: [{ action: 'dialSelection', accelerator: 'Ctrl+Shift+F9' }],
    });
    expect(globalShortcutPlan({ answer: 'A', hangup: 'Ctrl+Alt+H', dialSelection: '' }).refused).toEqual([{ action: 'answer', accelerator: 'A' }]);
  });

  it('the preferences command refuses an invalid or shared accelerator with a clear message', () => {
    const good = { answer: 'Alt+Shift+A', hangup: '', dialSelection: 'CmdOrCtrl+Shift+D' };
    expect(parseCommand('preferences.update', { globalShortcuts: good }).ok).toBe(true);
    const bad = parseCommand('preferences.update', { globalShortcuts: { ...good, hangup: 'Ctrl+Alt+Delete' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(!bad.ok && bad.error.message).toMatch(/globalShortcuts.*hangup.*must be modifiers and one key/);
    const shared = parseCommand('preferences.update', { globalShortcuts: { ...good, hangup: 'Alt+Shift+A' } });
    expect(!shared.ok && shared.error.message).toMatch(/cannot share the same shortcut/);
    expect(parseCommand('preferences.update', { globalShortcuts: { answer: 'Alt+Shift+A' } }).ok).toBe(false);
  });

  it('re-registers only when they changed; a refusal names the shortcut and the action', () => {
    const d = DEFAULT_PREFERENCES.globalShortcuts;
    expect(globalShortcutsChanged(undefined, d)).toBe(true);
    expect(globalShortcutsChanged(d, { ...d })).toBe(false);
    expect(globalShortcutsChanged(d, { ...d, hangup: '' })).toBe(true);
    expect(globalShortcutProblem('hangup', 'Ctrl+Alt+H')).toEqual({ key: 'settings.shortcutUnavailable', actionKey: 'settings.shortcut.hangup', accelerator: 'Ctrl+Alt+H' });
  });
});

describe('auto-update', () => {
  it('the provisioning file sets the URL (https; http only for localhost); unknown fields and bad URLs are refused', () => {
    expect(parseProvisioning({ update: { url: 'https://updates.example.com/rc/' } }).update).toEqual({ url: 'https://updates.example.com/rc/' });
    expect(parseProvisioning({ update: { url: 'http://127.0.0.1:8080/' } }).update?.url).toBe('http://127.0.0.1:8080/');
    expect(parseProvisioning({}).update).toBeUndefined();
    for (const url of ['http://updates.example.com/', 'https://u:p@updates.example.com/', 'file:///tmp/x', 'not a url']) {
      expect(() => parseProvisioning({ update: { url } })).toThrow(/field update\.url must be an https URL/);
    }
    expect(() => parseProvisioning({ update: { url: 'https://x.example/', channel: 'beta' } })).toThrow(ProvisioningError);
    expect(() => parseProvisioning({ update: { url: 'https://x.example/', channel: 'beta' } })).toThrow(/unknown field update\.channel/);
  });

  it('the URL of the provisioning file wins and is remembered; without one, the remembered URL; a file without it turns updates off', () => {
    expect(updateUrlSource({ provisioned: true, provisionedUrl: 'https://a/' })).toEqual({ url: 'https://a/', save: { url: 'https://a/' } });
    expect(updateUrlSource({ provisioned: true, provisionedUrl: 'https://a/', savedUrl: 'https://a/' })).toEqual({ url: 'https://a/' });
    expect(updateUrlSource({ provisioned: true, savedUrl: 'https://a/' })).toEqual({ save: 'forget' });
    expect(updateUrlSource({ provisioned: false, savedUrl: 'https://a/' })).toEqual({ url: 'https://a/' });
    expect(updateUrlSource({ provisioned: false })).toEqual({});
  });

  it('off without a URL, in a development run and on platforms we do not ship', () => {
    expect(updatePlan({ url: undefined, isPackaged: true, platform: 'win32' })).toEqual({ enabled: false, reason: 'not-configured' });
    expect(updatePlan({ url: 'https://a/', isPackaged: false, platform: 'win32' })).toEqual({ enabled: false, reason: 'not-packaged' });
    expect(updatePlan({ url: 'https://a/', isPackaged: true, platform: 'linux' })).toEqual({ enabled: false, reason: 'unsupported-platform' });
    expect(updatePlan({ url: 'https://a/', isPackaged: true, platform: 'darwin' })).toEqual({ enabled: true, feed: { provider: 'generic', url: 'https://a/' } });
  });

  it('checks a minute after start then every four hours, never while a call is up', () => {
    const t0 = 1_000_000;
    expect(updateCheckDue({ now: t0 + 1000, startedAt: t0, lastCheckAt: undefined, calls: [] })).toBe(false);
    expect(updateCheckDue({ now: t0 + UPDATE_FIRST_CHECK_MS, startedAt: t0, lastCheckAt: undefined, calls: [] })).toBe(true);
    expect(updateCheckDue({ now: t0 + UPDATE_FIRST_CHECK_MS, startedAt: t0, lastCheckAt: undefined, calls: [call('a', 'active')] })).toBe(false);
    expect(updateCheckDue({ now: t0 + UPDATE_FIRST_CHECK_MS, startedAt: t0, lastCheckAt: undefined, calls: [call('a', 'ended')] })).toBe(true);
    expect(updateCheckDue({ now: t0 + UPDATE_INTERVAL_MS - 1, startedAt: 0, lastCheckAt: t0, calls: [] })).toBe(false);
    expect(updateCheckDue({ now: t0 + UPDATE_INTERVAL_MS, startedAt: 0, lastCheckAt: t0, calls: [] })).toBe(true);
  });

  it('tells the receptionist about a download and the install at quit; a failure once, not at every check', () => {
    expect(updateNotice({ type: 'checking' }, undefined)).toBeUndefined();
    expect(updateNotice({ type: 'not-available' }, undefined)).toBeUndefined();
    expect(updateNotice({ type: 'available', version: '1.2.0' }, undefined)).toEqual({ level: 'info', key: 'update.downloading', params: { version: '1.2.0' } });
    expect(updateNotice({ type: 'downloaded', version: '1.2.0<script>' }, undefined)).toEqual({ level: 'info', key: 'update.ready', params: { version: '1.2.0script' } });
    const failed = updateNotice({ type: 'error', message: 'ENOTFOUND' }, undefined);
    expect(failed).toEqual({ level: 'warning', key: 'update.failed' });
    expect(updateNotice({ type: 'error', message: 'ENOTFOUND' }, failed)).toBeUndefined();
  });
});

describe('language follows the OS by default', () => {
  it('default is system; a set language wins; system takes the first of en/fr/nl in the preferred list, else English', () => {
    expect(DEFAULT_PREFERENCES.language).toBe('system');
    expect(PreferencesPatchSchema.safeParse({ language: 'system' }).success).toBe(true);
    expect(PreferencesPatchSchema.safeParse({ language: 'de' }).success).toBe(false);
    expect(resolveLanguage('en', ['fr-FR'])).toBe('en');
    expect(resolveLanguage('nl', [])).toBe('nl');
    expect(resolveLanguage('system', ['fr-BE', 'en-US'])).toBe('fr');
    expect(resolveLanguage('system', ['de-DE', 'nl-NL', 'en'])).toBe('nl');
    expect(resolveLanguage('system', ['nl_BE'])).toBe('nl');
    expect(resolveLanguage('system', ['de-DE', 'ja'])).toBe('en');
    expect(resolveLanguage(undefined, [])).toBe('en');
    expect(DEFAULT_PREFERENCES.theme).toBe('system');
  });
});
