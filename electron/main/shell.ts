/**
 * The desktop shell's decisions as plain functions (unit-tested without Electron): start at login, tray, call
 * notifications, second-instance hand-over, power and network events, global shortcuts. main.ts only feeds Electron's
 * events in and applies what these return.
 */
import {
  calledInfo,
  DEFAULT_GLOBAL_SHORTCUTS,
  NOTIFICATION_SECONDS,
  validAccelerator,
  type CalledInfo,
  type CalledName,
  type CallView,
  type CommandArgs,
  type CommandName,
  type GlobalShortcuts,
  type Preferences,
  type RegistrationView,
} from '../contract';
import type { ScreenPopWindow } from '../contract/services';
import { cleanScreenPopValue, SCREEN_POP_WINDOW_SIZE } from '../services/screen-pop';
import { parseLaunchArgs, secondInstanceArgv } from './launch-args';
import { externalUrlAllowed } from './policy';

// ─────────────────────────────── start at login ───────────────────────────────

export interface LoginItemRequest {
  readonly openAtLogin: boolean;
  /** Windows: the shortcut's arguments (we start hidden in the tray). */
  readonly args?: readonly string[];
  /** macOS 13+: register the app itself as a login item (SMAppService). */
  readonly type?: 'mainAppService';
}

export function loginItemRequest(enabled: boolean, platform: NodeJS.Platform): LoginItemRequest {
  if (platform === 'win32') return { openAtLogin: enabled, args: enabled ? ['--hidden'] : [] };
  if (platform === 'darwin') return { openAtLogin: enabled, type: 'mainAppService' };
  return { openAtLogin: enabled };
}

/** macOS reports whether the user must still approve the login item in System Settings. */
export function loginItemNeedsApproval(status: string | undefined): boolean {
  return status === 'requires-approval';
}

/** Started at login? Windows passes our `--hidden`; macOS says `wasOpenedAtLogin`. */
export function startHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return parseLaunchArgs(argv).hidden || wasOpenedAtLogin;
}

// ─────────────────────────────── tray ───────────────────────────────

export type TrayTone = 'ok' | 'error' | 'idle' | 'dnd';

export interface TrayModel {
  readonly tone: TrayTone;
  /** i18n key + params for the tooltip. */
  readonly tooltip: { readonly key: string; readonly params?: Record<string, string | number> };
  readonly items: readonly { readonly id: 'show' | 'dnd' | 'diagnostics' | 'quit'; readonly checked?: boolean }[];
}

export function trayModel(state: {
  registration: RegistrationView | undefined;
  preferences: Pick<Preferences, 'doNotDisturb'> | undefined;
  ringing: number;
}): TrayModel {
  const dnd = state.preferences?.doNotDisturb === true;
  const reg = state.registration?.state ?? 'unregistered';
  const tone: TrayTone = dnd ? 'dnd' : reg === 'registered' ? 'ok' : reg === 'failed' ? 'error' : 'idle';
  const tooltip =
    state.ringing > 0
      ? { key: 'tray.ringing', params: { count: state.ringing } }
      : { key: dnd ? 'tray.dnd' : `tray.${reg}` };
  return { tone, tooltip, items: [{ id: 'show' }, { id: 'dnd', checked: dnd }, { id: 'diagnostics' }, { id: 'quit' }] };
}

/** Closing the window hides it to the tray; only Quit (or the OS shutting down) really quits. */
export function closeAction(quitting: boolean): 'hide' | 'close' {
  return quitting ? 'close' : 'hide';
}

// ─────────────────────────────── incoming-call notification ───────────────────────────────

export { NOTIFICATION_SECONDS };

export interface CallNotification {
  readonly callId: string;
  readonly title: { readonly key: string; readonly params: Record<string, string> };
  readonly body: string;
  /** Who the call is for / who forwarded it: a second body line, translated by the shell (calledText). */
  readonly calledFor?: CalledInfo;
  /** Button order = action index Electron reports. */
  readonly actions: readonly { readonly id: 'answer' | 'decline'; readonly key: string }[];
  readonly timeoutSeconds: number;
}

/** Longest caller name or number shown in the OS notification, in characters (code points). */
export const NOTIFICATION_TEXT_MAX = 80;

/**
 * Caller data (a SIP display name, user or URI: attacker-controlled) as OS notification text. The screen pop's
 * cleaning (C0/C1 controls, bidi overrides and isolates, zero-width characters and lone surrogates removed, line
 * breaks → spaces, NFC, capped without cutting a character in two), then no `<` `>`: Linux notification servers
 * read the body as markup.
 */
export function notificationText(value: string | undefined): string {
  return cleanScreenPopValue(value, NOTIFICATION_TEXT_MAX).replace(/[<>]/g, '').trim();
}

/** A notification for each newly ringing call; caller data is plain text (the OS renders no markup from it). */
export function incomingCallNotification(
  call: CallView,
  timeoutSeconds = 20,
  calledFor?: { readonly names: readonly CalledName[]; readonly ownUser?: string },
): CallNotification | undefined {
  if (call.state !== 'incoming') return undefined;
  // A display name that is nothing once cleaned (only controls or bidi marks) gives way to the number.
  const display = notificationText(call.remote.displayName);
  const number = notificationText(call.remote.user);
  const uri = notificationText(call.remote.uri);
  return {
    callId: call.id,
    title: { key: 'notify.incoming', params: { name: display || number || uri } },
    body: display ? number : uri,
    ...(calledFor && { calledFor: calledInfo(call, calledFor.names, calledFor.ownUser) }),
    actions: [
      { id: 'answer', key: 'phone.answer' },
      { id: 'decline', key: 'phone.decline' },
    ],
    timeoutSeconds: (NOTIFICATION_SECONDS as readonly number[]).includes(timeoutSeconds) ? timeoutSeconds : 20,
  };
}

export type ShellCommand = { [N in CommandName]: { readonly name: N; readonly args: CommandArgs<N> } }[CommandName];

/** What a click on the notification does: a button → the call command; the body → just show the console. */
export function notificationCommand(n: CallNotification, actionIndex: number | undefined): ShellCommand | 'show' {
  const action = actionIndex === undefined ? undefined : n.actions[actionIndex];
  if (action?.id === 'answer') return { name: 'call.answer', args: { callId: n.callId } };
  if (action?.id === 'decline') return { name: 'call.decline', args: { callId: n.callId } };
  return 'show';
}

// ─────────────────────────────── second instance, links ───────────────────────────────

/**
 * A second launch (or macOS open-url) hands its arguments over: focus the window, dial a link if there is one. The
 * second instance's own arguments (`additionalData`, see launch-args.ts) win over Chromium's reordered `argv`.
 */
export function secondInstanceActions(argv: readonly string[], additionalData?: unknown): { focus: true; dialUrl?: string } {
  const dialUrl = parseLaunchArgs(secondInstanceArgv(argv, additionalData)).dialUrl;
  return dialUrl ? { focus: true, dialUrl } : { focus: true };
}

// ─────────────────────────────── power & network ───────────────────────────────

export type PowerEvent = 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen' | 'online' | 'offline';

/** The service entry points (the same ones the web host's tests drive). */
export interface PowerTarget {
  resume(): Promise<void>;
  setOnline(online: boolean): Promise<void>;
}

export function onPowerEvent(event: PowerEvent, target: PowerTarget): Promise<void> {
  switch (event) {
    case 'resume':
    case 'unlock-screen':
      // Sockets may be dead after sleep; NAT bindings surely are: reconnect and re-register now.
      return target.resume();
    case 'online':
      return target.setOnline(true);
    case 'offline':
      return target.setOnline(false);
    case 'suspend':
    case 'lock-screen':
      return Promise.resolve();
  }
}

// ─────────────────────────────── global shortcuts ───────────────────────────────

export { DEFAULT_GLOBAL_SHORTCUTS, validAccelerator };
export type GlobalShortcutAction = keyof GlobalShortcuts;

export interface GlobalShortcutPlan {
  readonly register: readonly { readonly action: GlobalShortcutAction; readonly accelerator: string }[];
  /** Not registered: not a valid accelerator, or already used by another action. */
  readonly refused: readonly { readonly action: GlobalShortcutAction; readonly accelerator: string }[];
}

/** What to register for the configured shortcuts (empty = none for that action). */
export function globalShortcutPlan(shortcuts: GlobalShortcuts): GlobalShortcutPlan {
  const register: { action: GlobalShortcutAction; accelerator: string }[] = [];
  const refused: { action: GlobalShortcutAction; accelerator: string }[] = [];
  for (const action of ['answer', 'hangup', 'dialSelection'] as const) {
    const accelerator = shortcuts[action].trim();
    if (accelerator === '') continue;
    if (!validAccelerator(accelerator) || register.some((r) => r.accelerator === accelerator)) refused.push({ action, accelerator });
    else register.push({ action, accelerator });
  }
  return { register, refused };
}

/** Re-register only when the configured shortcuts changed (or on the first preferences). */
export function globalShortcutsChanged(before: GlobalShortcuts | undefined, after: GlobalShortcuts): boolean {
  return !before || before.answer !== after.answer || before.hangup !== after.hangup || before.dialSelection !== after.dialSelection;
}

/** The message shown when the OS refuses a shortcut (another application holds it) or it is not valid. */
export function globalShortcutProblem(action: GlobalShortcutAction, accelerator: string): { key: string; actionKey: string; accelerator: string } {
  return { key: 'settings.shortcutUnavailable', actionKey: `settings.shortcut.${action}`, accelerator: accelerator.slice(0, 64) };
}

/** The command a global shortcut runs, given the calls and (for dial) the selected text / clipboard. */
export function globalShortcutCommand(action: GlobalShortcutAction, calls: readonly CallView[], selection: string): ShellCommand | undefined {
  switch (action) {
    case 'answer': {
      const ringing = calls.filter((c) => c.state === 'incoming').sort((a, b) => a.line - b.line)[0];
      return ringing ? { name: 'call.answer', args: { callId: ringing.id } } : undefined;
    }
    case 'hangup': {
      const current = calls.find((c) => c.state === 'active') ?? calls.find((c) => c.state === 'dialing' || c.state === 'ringing');
      return current ? { name: 'call.hangup', args: { callId: current.id } } : undefined;
    }
    case 'dialSelection': {
      const text = selection.trim().slice(0, 64);
      if (!/^\+?[0-9 ().\-/]{2,}$/.test(text)) return undefined;
      return { name: 'call.dialUrl', args: { url: `tel:${text}` } };
    }
  }
}

// ─────────────────────────────── screen pop ───────────────────────────────

/**
 * Screen-pop console windows get their own persistent session: the CRM's login cookies survive restarts, and neither
 * our strict CSP (set on the default session's responses) nor our microphone permission applies to the CRM's pages.
 */
export const SCREEN_POP_PARTITION = 'persist:screenpop';

export type ScreenPopAction =
  | { readonly action: 'deny' }
  | { readonly action: 'open-external'; readonly url: string }
  /** Load it in the one console window reused for every call (`create`: it is not open, make it first). */
  | { readonly action: 'single-window'; readonly url: string; readonly create: boolean }
  | { readonly action: 'new-window'; readonly url: string };

/** Where a `screenPop.open` goes: `browser` the default browser, `single` the reused window, `multi` a new window. */
export function screenPopAction(pop: { readonly url: string; readonly window: ScreenPopWindow }, state: { readonly singleWindowOpen: boolean }): ScreenPopAction {
  // Already checked when the template was expanded (screen-pop.ts); checked again where it is opened.
  if (!externalUrlAllowed(pop.url)) return { action: 'deny' };
  switch (pop.window) {
    case 'browser':
      return { action: 'open-external', url: pop.url };
    case 'single':
      return { action: 'single-window', url: pop.url, create: !state.singleWindowOpen };
    case 'multi':
      return { action: 'new-window', url: pop.url };
    default:
      return missingCase(pop.window);
  }
}

function missingCase(x: never): never {
  throw new Error(`Unhandled case: ${String(x)}`);
}

/** Window options except webPreferences (main.ts writes those literally: sandboxed, no node, the partition above). */
export function screenPopWindowOptions(opts: { dark: boolean }) {
  return {
    width: SCREEN_POP_WINDOW_SIZE.width,
    height: SCREEN_POP_WINDOW_SIZE.height,
    // Shown without activation (main.ts): the receptionist may be typing a transfer number when the call rings.
    show: false,
    backgroundColor: opts.dark ? '#15181d' : '#ffffff',
    autoHideMenuBar: true,
  };
}

/** Navigation inside a screen-pop window (links, redirects): http(s) without credentials only. */
export function screenPopNavigation(url: string): 'allow' | 'deny' {
  return externalUrlAllowed(url) ? 'allow' : 'deny';
}

/** window.open / target=_blank from the CRM's page: http(s) goes to the default browser, anything else nowhere. */
export function screenPopWindowOpen(url: string): { readonly action: 'deny' } | { readonly action: 'open-external'; readonly url: string } {
  return externalUrlAllowed(url) ? { action: 'open-external', url } : { action: 'deny' };
}
