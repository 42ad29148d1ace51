import { parseLaunchArgs } from '../../electron/main/launch-args';
import { callView } from './helpers/call-view';
import { isPlainMailto, mailtoUrl } from '../../electron/contract/mailto';
import { externalUrlAllowed, ipcSenderAllowed, mainWindowOptions, navigationDecision } from '../../electron/main/policy';
import {
  closeAction,
  globalShortcutCommand,
  incomingCallNotification,
  loginItemNeedsApproval,
  loginItemRequest,
  notificationCommand,
  onPowerEvent,
  secondInstanceActions,
  startHidden,
  trayModel,
  validAccelerator,
} from '../../electron/main/shell';

const APP = 'file:///opt/rc/resources/app.asar/dist/renderer/index.html';
const call = callView;

describe('Electron shell decisions', () => {
  it('window: hidden start honoured, app page allowed, http(s) opened outside, everything else denied', () => {
    expect(mainWindowOptions({ show: false, dark: true })).toMatchObject({ show: false, minWidth: 900 });
    expect(navigationDecision(`${APP}?x=1`, APP)).toEqual({ action: 'allow' });
    expect(navigationDecision('https://crm.example.com/caller?n=1002', APP)).toEqual({ action: 'open-external', url: 'https://crm.example.com/caller?n=1002' });
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@evil.example', 'smb://share', 'data:text/html,x']) {
      expect(navigationDecision(bad, APP)).toEqual({ action: 'deny' });
    }
    expect(externalUrlAllowed('http://intranet/')).toBe(true);
  });

  it("a contact's e-mail link opens the mail program for one plain address; header fields, two addresses or escapes are refused", () => {
    expect(mailtoUrl(' colette.durand+accueil@exemple-sa.fr ')).toBe('mailto:colette.durand+accueil@exemple-sa.fr');
    expect(navigationDecision('mailto:colette@example.com', APP)).toEqual({ action: 'open-external', url: 'mailto:colette@example.com' });
    // From an imported file or the directory: shown as text by the page, refused by the shell if a link carried them.
    for (const hostile of [
      'eve@example.com?attach=/etc/passwd',
      'eve@example.com?body=hello',
      'a@example.com,b@example.com',
      'a%3Fattach=x@example.com',
      'eve@example.com#x',
      '"Eve" <eve@example.com>',
      'eve@localhost',
      'eve@@example.com',
      'javascript:alert(1)//@example.com',
      'e ve@example.com',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      expect(mailtoUrl(hostile)).toBeUndefined();
      expect(isPlainMailto(`mailto:${hostile}`)).toBe(false);
      expect(navigationDecision(`mailto:${hostile}`, APP)).toEqual({ action: 'deny' });
    }
    expect(isPlainMailto('https://example.com/')).toBe(false);
    expect(externalUrlAllowed('mailto:colette@example.com')).toBe(false); // screen pops stay http(s) only
  });

  it('IPC only from our own top frame on our page', () => {
    const ours = { webContentsId: 3, rendererIndexUrl: APP };
    expect(ipcSenderAllowed({ frameUrl: APP, isMainFrame: true, webContentsId: 3 }, ours)).toBe(true);
    expect(ipcSenderAllowed({ frameUrl: APP, isMainFrame: false, webContentsId: 3 }, ours)).toBe(false);
    expect(ipcSenderAllowed({ frameUrl: 'https://evil.example/', isMainFrame: true, webContentsId: 3 }, ours)).toBe(false);
    expect(ipcSenderAllowed({ frameUrl: APP, isMainFrame: true, webContentsId: 4 }, ours)).toBe(false);
  });

  it('start at login: Windows passes --hidden, macOS uses the app service and may need approval', () => {
    expect(loginItemRequest(true, 'win32')).toEqual({ openAtLogin: true, args: ['--hidden'] });
    expect(loginItemRequest(false, 'win32')).toEqual({ openAtLogin: false, args: [] });
    expect(loginItemRequest(true, 'darwin')).toEqual({ openAtLogin: true, type: 'mainAppService' });
    expect(loginItemNeedsApproval('requires-approval')).toBe(true);
    expect(loginItemNeedsApproval('enabled')).toBe(false);
    expect(startHidden(['--hidden'], false)).toBe(true);
    expect(startHidden([], true)).toBe(true);
    expect(startHidden(['--provision', 'x.json'], false)).toBe(false);
  });

  it('launch arguments and second instance: provisioning, hidden, and a tel: link to dial', () => {
    expect(parseLaunchArgs(['--provision', '/etc/rc.json', '--hidden'])).toEqual({ provision: '/etc/rc.json', hidden: true });
    expect(secondInstanceActions(['/opt/rc/rc.exe', 'tel:+33 1 23 45 67 89'])).toEqual({ focus: true, dialUrl: 'tel:+33 1 23 45 67 89' });
    expect(secondInstanceActions(['/opt/rc/rc.exe', 'callto://1003'])).toEqual({ focus: true, dialUrl: 'callto://1003' });
    expect(secondInstanceActions(['/opt/rc/rc.exe'])).toEqual({ focus: true });
  });

  it('tray shows registration, do-not-disturb and ringing; closing hides unless quitting', () => {
    expect(trayModel({ registration: { state: 'registered', expiresAt: 0 }, preferences: { doNotDisturb: false }, ringing: 0 })).toMatchObject({
      tone: 'ok',
      tooltip: { key: 'tray.registered' },
      items: [{ id: 'show' }, { id: 'dnd', checked: false }, { id: 'diagnostics' }, { id: 'quit' }],
    });
    expect(trayModel({ registration: { state: 'failed', reason: 'auth', detail: '' }, preferences: { doNotDisturb: true }, ringing: 2 })).toMatchObject({
      tone: 'dnd',
      tooltip: { key: 'tray.ringing', params: { count: 2 } },
    });
    expect(closeAction(false)).toBe('hide');
    expect(closeAction(true)).toBe('close');
  });

  it('incoming-call notification: Answer/Decline map to call commands, the body shows the console; hostile caller IDs are plain', () => {
    const n = incomingCallNotification(call('c1', 'incoming', { remote: { displayName: 'Eve<b>\u0007', user: '1002', uri: 'sip:1002@pbx' } }), 10)!;
    expect(n.title.params.name).toBe('Eveb');
    expect(n.timeoutSeconds).toBe(10);
    expect(notificationCommand(n, 0)).toEqual({ name: 'call.answer', args: { callId: 'c1' } });
    expect(notificationCommand(n, 1)).toEqual({ name: 'call.decline', args: { callId: 'c1' } });
    expect(notificationCommand(n, undefined)).toBe('show');
    expect(incomingCallNotification(call('c2', 'active'))).toBeUndefined();
    expect(incomingCallNotification(call('c3', 'incoming'), 7)!.timeoutSeconds).toBe(20);
  });

  it('power and network events reach the same service entry points as the web host', async () => {
    const calls: string[] = [];
    const target = { resume: async () => void calls.push('resume'), setOnline: async (o: boolean) => void calls.push(`online=${o}`) };
    for (const e of ['suspend', 'resume', 'lock-screen', 'unlock-screen', 'offline', 'online'] as const) await onPowerEvent(e, target);
    expect(calls).toEqual(['resume', 'resume', 'online=false', 'online=true']);
  });

  it('global shortcuts: answer the ringing call, hang up the current one, dial the selected number', () => {
    const calls = [call('a', 'active', { line: 1 }), call('r', 'incoming', { line: 2 })];
    expect(globalShortcutCommand('answer', calls, '')).toEqual({ name: 'call.answer', args: { callId: 'r' } });
    expect(globalShortcutCommand('hangup', calls, '')).toEqual({ name: 'call.hangup', args: { callId: 'a' } });
    expect(globalShortcutCommand('dialSelection', [], ' +33 (0)1 23 45 67 89 ')).toEqual({ name: 'call.dialUrl', args: { url: 'tel:+33 (0)1 23 45 67 89' } });
    expect(globalShortcutCommand('dialSelection', [], 'rm -rf /')).toBeUndefined();
    expect(validAccelerator('CommandOrControl+Alt+A')).toBe(true);
    expect(validAccelerator('A')).toBe(false);
    expect(validAccelerator('Ctrl+Alt+Delete')).toBe(false);
  });
});
