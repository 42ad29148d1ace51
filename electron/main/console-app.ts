/**
 * Electron composition root: thin by design. Every decision lives in plain functions (policy.ts, launch-args.ts,
 * shell.ts, lifecycle.ts, app-protocol.ts — unit-tested) and every behaviour in electron/services — the same services
 * the web host serves, which is what our CI exercises.
 *
 * Loading this module starts the console (services, database, SIP): main.ts requires it only in the instance that
 * holds the single-instance lock.
 */
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  net,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { autoUpdater } from 'electron-updater';
import { resolveLanguage, translate } from '../../renderer/i18n';
import { ipcChannel, type EventName, type Events } from '../contract/contract';
import type { AccountView, CallView, GlobalShortcuts, Preferences, RegistrationView } from '../contract/dto';
import { calledText } from '../contract/called';
import { createConsoleService } from '../services/composition';
import { ContactsService, directoriesFromProvisioningFile } from '../services/contacts-service';
import type { HostConnection } from '../services/console-service';
import { buildDiagnostics } from '../services/diagnostics';
import { createLogger } from '../services/logger';
import { loadProvisioningFile, ProvisioningError } from '../services/provisioning';
import { createSettingsStore } from '../services/settings-store';
import { AppInfoService } from '../services/app-info-service';
import { INCOMING_VIEW_QUERY, incomingWindowAction, incomingWindowCommandAllowed, incomingWindowOptions, incomingWindowResize } from './incoming-window';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolAnswer, appResponseHeaders } from './app-protocol';
import { launchFromProcess } from './launch-args';
import { CrashReloadPolicy, guardAppWindow, PageConnections, QuitGate, stopWithin, QUIT_STOP_TIMEOUT_MS } from './lifecycle';
import { ipcSenderAllowed, mainWindowOptions, permissionAllowed, type SecureWebPreferences } from './policy';
import {
  closeAction,
  globalShortcutCommand,
  globalShortcutPlan,
  globalShortcutProblem,
  globalShortcutsChanged,
  incomingCallNotification,
  loginItemNeedsApproval,
  loginItemRequest,
  notificationCommand,
  onPowerEvent,
  SCREEN_POP_PARTITION,
  screenPopAction,
  screenPopNavigation,
  screenPopWindowOpen,
  screenPopWindowOptions,
  secondInstanceActions,
  startHidden,
  trayModel,
  type ShellCommand,
} from './shell';
import { AttentionTracker, attentionChanged, attentionPlan, missedCallNotification, OVERLAY_SIZE, overlayDotBitmap, type AttentionPlan } from './attention';
import { updateCheckDue, updateNotice, updatePlan, updateUrlSource, type UpdateEvent, type UpdateNotice } from './updater';

const { args: launchArgs, launch } = launchFromProcess(process);
// Before `ready`: our pages are served from app://console/ (app-protocol.ts), with the strict CSP as a header.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

/** The launch provisioning file, for "Delete all data" (what stays is the administrator's); a broken one is reported later. */
function launchProvisioningOrUndefined(file: string | undefined): ReturnType<typeof loadProvisioningFile> | undefined {
  try {
    return file ? loadProvisioningFile(file) : undefined;
  } catch {
    return undefined;
  }
}

const logFile = join(app.getPath('userData'), 'logs', 'console.log');
const logger = createLogger({ file: logFile, level: 'info', sipTrace: true });
// Passwords on disk go through the OS keychain (macOS) / DPAPI (Windows) when available.
const settings = createSettingsStore(app.getPath('userData'), {
  encode: (text) => (safeStorage.isEncryptionAvailable() ? safeStorage.encryptString(text) : Buffer.from(text, 'utf8')),
  decode: (data) => (data[0] === 0x7b /* "{": written before encryption was available */ ? data.toString('utf8') : safeStorage.decryptString(data)),
}, { log: (m) => logger.warn(m) });
const contacts = new ContactsService({
  dbPath: join(app.getPath('userData'), 'contacts.sqlite'),
  // issue 14: the database lives in the storage worker (dist/directory-worker.js, inside app.asar), off this loop.
  storageWorker: true,
  config: directoriesFromProvisioningFile(launch.provision),
  logger,
});
// About, the user guide, Delete all data (issue 13 item 9).
const appInfo = new AppInfoService({
  host: 'electron',
  version: app.getVersion(),
  dataDir: app.getPath('userData'),
  settingsFile: settings.file,
  launchProvisioning: launchProvisioningOrUndefined(launch.provision),
  // The guide is unpacked beside app.asar (electron-builder.yml asarUnpack): the system browser cannot read inside it.
  openHelp: async (path) => {
    const file = join(__dirname, '..', 'renderer', path).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    const problem = await shell.openPath(file);
    if (problem) throw new Error(`The user guide could not be opened: ${problem}`);
  },
  logger,
});
const service = createConsoleService({
  host: 'electron',
  logger,
  extensions: [contacts, appInfo],
  persist: (state) => settings.save(state),
  missedCallsFile: join(app.getPath('userData'), 'missed-calls.json'),
});
const rendererDir = join(__dirname, '..', 'renderer');
const rendererIndexUrl = APP_INDEX_URL;
type WindowConnection = { conn: HostConnection; disconnect: () => void };
let mainWindow: BrowserWindow | undefined;
/** The main window's page and its connection to the service (dropped only when that page is really gone). */
const mainPage = new PageConnections<WindowConnection>((c) => c.disconnect());
/** The optional compact incoming-call window and its (restricted) connection. */
let incomingWindow: BrowserWindow | undefined;
/** The compact window's height as we last set it (updateIncomingWindow). */
let incomingWindowHeightGiven = 0;
const incomingPage = new PageConnections<WindowConnection>((c) => c.disconnect());
let quitting = false;
const quitGate = new QuitGate();
/** A crashed renderer is reloaded (calls live in main), with a backoff; one that keeps crashing is given up. */
const crashPolicy = new CrashReloadPolicy();
let crashGaveUp = false;
let tray: Tray | undefined;
/** Screen pop, `single` mode: the one console window reused for every call. */
let screenPopWindow: BrowserWindow | undefined;

// ── The shell watches the service like a window does (snapshot, then deltas) for the tray and notifications ──
const shellState = {
  calls: new Map<string, CallView>(),
  registration: undefined as RegistrationView | undefined,
  preferences: undefined as Preferences | undefined,
  accounts: [] as readonly AccountView[],
};
const notifications = new Map<string, Notification>();
/** Missed-call badge / overlay / taskbar flash (attention.ts decides; updateAttention applies). */
const attention = new AttentionTracker();
let appliedAttention: AttentionPlan | undefined;
const shellConn: HostConnection = {
  id: 'shell',
  send: (name: EventName, payload: unknown) => onShellEvent(name, payload),
};
// `system`: the OS's preferred languages (en/fr/nl, else English).
const t = (key: string, params?: Record<string, string | number>) =>
  translate(resolveLanguage(shellState.preferences?.language, [...app.getPreferredSystemLanguages(), app.getLocale()]), key, params);

function runShellCommand(cmd: ShellCommand): void {
  void service.dispatch(shellConn, cmd.name, cmd.args);
}

function onShellEvent(name: EventName, payload: unknown): void {
  switch (name) {
    case 'snapshot': {
      const s = payload as Events['snapshot'];
      shellState.calls = new Map(s.calls.map((c) => [c.id, c]));
      shellState.accounts = s.accounts;
      attention.missedChanged(s.missed?.count ?? 0);
      shellState.registration = s.accounts[0] ? s.registrations[s.accounts[0].id] : undefined;
      applyPreferences(s.preferences);
      break;
    }
    case 'call.changed': {
      const c = payload as Events['call.changed'];
      const before = shellState.calls.get(c.id);
      shellState.calls.set(c.id, c);
      if (c.state === 'incoming' && before?.state !== 'incoming') notifyIncoming(c);
      if (c.state !== 'incoming') closeNotification(c.id);
      break;
    }
    case 'call.removed': {
      const { callId } = payload as Events['call.removed'];
      shellState.calls.delete(callId);
      closeNotification(callId);
      break;
    }
    case 'missed.changed':
      attention.missedChanged((payload as Events['missed.changed']).count);
      break;
    case 'missed.added':
      attention.missedAdded((payload as Events['missed.added']).count);
      notifyMissed(payload as Events['missed.added']);
      break;
    case 'accounts.changed':
      shellState.accounts = (payload as Events['accounts.changed']).accounts;
      break;
    case 'registration.changed':
      shellState.registration = (payload as Events['registration.changed']).registration;
      break;
    case 'preferences.changed':
      applyPreferences(payload as Events['preferences.changed']);
      break;
    case 'screenPop.open':
      // Broadcast when the screen-pop service has no onOpen hook; the window's renderer ignores it in Electron.
      openScreenPop(payload as Events['screenPop.open']);
      return;
    default:
      return;
  }
  updateTray();
  updateIncomingWindow();
  updateAttention();
}

/** Badge count (macOS, Linux), taskbar overlay (Windows) and flash, as attention.ts plans them. */
function updateAttention(): void {
  attention.ringingChanged([...shellState.calls.values()].filter((c) => c.state === 'incoming').length);
  const plan = attentionPlan(attention.input(), process.platform);
  if (!attentionChanged(appliedAttention, plan)) return;
  appliedAttention = plan;
  if (plan.badgeCount !== null) app.setBadgeCount(plan.badgeCount);
  const win = mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined;
  if (!win) return;
  if (plan.overlay?.show) {
    const dot = nativeImage.createFromBitmap(overlayDotBitmap(), { width: OVERLAY_SIZE, height: OVERLAY_SIZE });
    win.setOverlayIcon(dot, t(plan.overlay.description.key, plan.overlay.description.params));
  } else if (plan.overlay) {
    win.setOverlayIcon(null, '');
  }
  win.flashFrame(plan.flash);
}

/** A missed call: an OS notification when pop-ups are on; a click shows the console. */
function notifyMissed(m: Events['missed.added']): void {
  const n = missedCallNotification(m, shellState.preferences?.popups !== false);
  if (!n || !Notification.isSupported()) return;
  const note = new Notification({ title: t(n.title.key, n.title.params), body: n.body });
  note.on('click', () => showWindow());
  note.show();
}

function applyPreferences(p: Preferences): void {
  const before = shellState.preferences;
  shellState.preferences = p;
  if (globalShortcutsChanged(before?.globalShortcuts, p.globalShortcuts)) registerGlobalShortcuts(p.globalShortcuts);
  if (before?.startAtLogin === p.startAtLogin || !app.isPackaged) return;
  const { args, ...request } = loginItemRequest(p.startAtLogin, process.platform);
  app.setLoginItemSettings({ ...request, ...(args && { args: [...args] }) });
  if (process.platform === 'darwin' && loginItemNeedsApproval(app.getLoginItemSettings({ type: 'mainAppService' }).status)) {
    service.messages.add('warning', 'settings.loginNeedsApproval', {});
  }
}

/** (Re-)registers the configured global shortcuts; those refused (invalid, or held by another app) are reported. */
function registerGlobalShortcuts(shortcuts: GlobalShortcuts): void {
  globalShortcut.unregisterAll();
  const plan = globalShortcutPlan(shortcuts);
  const failed = [...plan.refused];
  for (const { action, accelerator } of plan.register) {
    let ok = false;
    try {
      ok = globalShortcut.register(accelerator, () => {
        // Electron 45's clipboard is asynchronous (the W3C model); the dial shortcut reads the copied number.
        const selection = action === 'dialSelection' ? clipboard.readText() : Promise.resolve('');
        void selection.then((text) => {
          const cmd = globalShortcutCommand(action, [...shellState.calls.values()], text);
          if (cmd) runShellCommand(cmd);
        });
      });
    } catch {
      ok = false;
    }
    if (!ok) failed.push({ action, accelerator });
  }
  for (const f of failed) {
    const problem = globalShortcutProblem(f.action, f.accelerator);
    service.messages.add('warning', problem.key, { accelerator: problem.accelerator, action: t(problem.actionKey) });
  }
}

function notifyIncoming(call: CallView): void {
  // Pop-ups off (Settings): no OS notification; the console still rings (and the taskbar flashes).
  if (shellState.preferences?.popups === false) return;
  const n = incomingCallNotification(call, shellState.preferences?.notificationSeconds, {
    names: shellState.preferences?.calledNames ?? [],
    ownUser: shellState.accounts?.find((a) => a.id === call.accountId)?.user,
  });
  if (!n || !Notification.isSupported()) return;
  const forLine = calledText(n.calledFor, t);
  const note = new Notification({
    title: t(n.title.key, n.title.params),
    body: forLine ? `${n.body}\n${forLine}` : n.body,
    actions: n.actions.map((a) => ({ type: 'button' as const, text: t(a.key) })),
    urgency: 'critical',
    // Our timer closes it after the chosen 20/10/5 s (the OS default would be its own few seconds).
    timeoutType: 'never',
  });
  note.on('action', (_e, index) => {
    const cmd = notificationCommand(n, index);
    if (cmd === 'show') showWindow();
    else runShellCommand(cmd);
  });
  note.on('click', () => showWindow());
  note.show();
  notifications.set(call.id, note);
  setTimeout(() => closeNotification(call.id), n.timeoutSeconds * 1000).unref();
}

/** Opens the compact incoming-call window when a call rings (preference on), closes it when nothing rings. */
function updateIncomingWindow(): void {
  const action = incomingWindowAction({ preferences: shellState.preferences, calls: [...shellState.calls.values()], isOpen: incomingWindow !== undefined });
  const ringing = [...shellState.calls.values()].filter((c) => c.state === 'incoming').length;
  if (action === 'open') incomingWindow = createIncomingWindow(ringing);
  else if (action === 'close') incomingWindow?.destroy();
  else if (incomingWindow && !incomingWindow.isDestroyed()) {
    // One row per ringing call (up to four, then it scrolls), its bottom edge where it is (she may have dragged it).
    // The height is the one we gave it: getBounds of a non-resizable window can be a pixel off on Windows
    // (electron#24027), which would move the window a pixel at each ring.
    const { x, y, width } = incomingWindow.getBounds();
    const current = { x, y, width, height: incomingWindowHeightGiven };
    const bounds = incomingWindowResize(current, ringing, screen.getDisplayMatching(current).workArea);
    if (bounds) {
      // Some platforms do not size a non-resizable window down (electron#42258): resizable for the change only.
      incomingWindow.setResizable(true);
      incomingWindow.setBounds(bounds);
      incomingWindow.setResizable(false);
      incomingWindowHeightGiven = bounds.height;
    }
  }
}

function createIncomingWindow(ringing: number): BrowserWindow {
  const { workArea } = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
  const options = incomingWindowOptions({ dark: nativeTheme.shouldUseDarkColors, workArea, ringing });
  incomingWindowHeightGiven = options.height;
  const win = new BrowserWindow({
    ...options,
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      preload: join(__dirname, 'preload.js'),
    } satisfies SecureWebPreferences,
  });
  win.setAlwaysOnTop(true, 'floating');
  guardAppWindow(win.webContents, {
    rendererIndexUrl,
    // Nothing leaves this small window, not even to the browser.
    openExternal: () => undefined,
    pages: incomingPage,
    // Crashed: closed; it opens again with the next ringing call.
    onRendererGone: (reason) => {
      logger.warn(`incoming-call window: renderer gone (${reason}): closed`);
      if (!win.isDestroyed()) win.destroy();
    },
  });
  // Shown without activation: the receptionist keeps typing where they were.
  win.once('ready-to-show', () => win.showInactive());
  win.on('closed', () => {
    incomingPage.gone();
    if (incomingWindow === win) incomingWindow = undefined;
  });
  void win.loadURL(`${rendererIndexUrl}?${new URLSearchParams({ ...INCOMING_VIEW_QUERY }).toString()}`);
  return win;
}

/** Opens a screen pop where shell.ts's screenPopAction says (default browser, the reused window or a new one). */
function openScreenPop(pop: Events['screenPop.open']): void {
  const action = screenPopAction(pop, { singleWindowOpen: screenPopWindow !== undefined && !screenPopWindow.isDestroyed() });
  switch (action.action) {
    case 'deny':
      logger.warn(`screen pop for ${pop.callId}: refused (not an http(s) URL)`);
      return;
    case 'open-external':
      void shell.openExternal(action.url).catch((e: unknown) => logger.warn(`screen pop: ${String(e)}`));
      return;
    case 'single-window': {
      if (action.create || !screenPopWindow) screenPopWindow = createScreenPopWindow();
      loadScreenPop(screenPopWindow, action.url);
      return;
    }
    case 'new-window':
      loadScreenPop(createScreenPopWindow(), action.url);
      return;
  }
}

function loadScreenPop(win: BrowserWindow, url: string): void {
  win.loadURL(url).catch((e: unknown) => logger.warn(`screen pop: cannot load: ${String(e)}`));
  // In front without taking the keyboard from the console (the receptionist may be typing when the call rings).
  if (win.isVisible() && !win.isMinimized()) win.moveTop();
  else win.showInactive();
}

/** A 768×1024 console window for the CRM: sandboxed, no preload, its own session, navigation limited to http(s). */
function createScreenPopWindow(): BrowserWindow {
  const win = new BrowserWindow({
    ...screenPopWindowOptions({ dark: nativeTheme.shouldUseDarkColors }),
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      partition: SCREEN_POP_PARTITION,
    } satisfies Omit<SecureWebPreferences, 'preload'> & { partition: string },
  });
  const guard = (e: Electron.Event, url: string) => {
    if (screenPopNavigation(url) === 'deny') e.preventDefault();
  };
  win.webContents.on('will-navigate', guard);
  win.webContents.on('will-redirect', guard);
  win.webContents.setWindowOpenHandler(({ url }) => {
    const d = screenPopWindowOpen(url);
    if (d.action === 'open-external') void shell.openExternal(d.url);
    return { action: 'deny' };
  });
  win.on('closed', () => {
    if (screenPopWindow === win) screenPopWindow = undefined;
  });
  return win;
}

function closeNotification(callId: string): void {
  notifications.get(callId)?.close();
  notifications.delete(callId);
}

function updateTray(): void {
  if (!tray) return;
  const ringing = [...shellState.calls.values()].filter((c) => c.state === 'incoming').length;
  const model = trayModel({ registration: shellState.registration, preferences: shellState.preferences, ringing });
  tray.setToolTip(t(model.tooltip.key, model.tooltip.params));
  tray.setContextMenu(
    Menu.buildFromTemplate(
      model.items.map((item) =>
        item.id === 'show'
          ? { label: t('tray.show'), click: () => showWindow() }
          : item.id === 'dnd'
            ? { label: t('settings.doNotDisturb'), type: 'checkbox' as const, checked: item.checked === true, click: (m: Electron.MenuItem) => runShellCommand({ name: 'preferences.update', args: { doNotDisturb: m.checked } }) }
            : item.id === 'diagnostics'
              ? { label: t('tray.diagnostics'), click: () => void exportDiagnostics() }
              : { label: t('tray.quit'), click: () => app.quit() },
      ),
    ),
  );
}

/** Tray › Export diagnostics…: logs + SIP trace, redacted, saved where the receptionist chooses. */
async function exportDiagnostics(): Promise<void> {
  const { canceled, filePath } = await dialog.showSaveDialog({ defaultPath: 'receptionist-console-diagnostics.txt' });
  if (canceled || !filePath) return;
  const saved = settings.load().settings;
  const secrets = [...(saved?.accounts.map((a) => a.password ?? '') ?? []), ...(saved?.pbx ? [saved.pbx.ami.secret] : [])];
  await writeFile(filePath, buildDiagnostics({ logFiles: [logFile], secrets, appVersion: app.getVersion(), host: 'electron' }));
}

function showWindow(): void {
  if (!mainWindow) {
    // Reopened by hand after the page was given up on: count crashes afresh.
    if (crashGaveUp) crashPolicy.reset();
    crashGaveUp = false;
    mainWindow = createWindow(true);
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function createWindow(show: boolean): BrowserWindow {
  const win = new BrowserWindow({
    ...mainWindowOptions({ show, dark: nativeTheme.shouldUseDarkColors }),
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      preload: join(__dirname, 'preload.js'),
    } satisfies SecureWebPreferences,
  });
  // Navigation is refused before anything else reacts (a dropped file or link leaves the page and its connection
  // alone; the page imports a dropped vCard/CSV itself). A reload or crash of the page drops its connection; calls stay
  // up in main and the next hello restores the UI.
  guardAppWindow(win.webContents, {
    rendererIndexUrl,
    openExternal: (url) => void shell.openExternal(url),
    pages: mainPage,
    onRendererGone: (reason) => onMainRendererGone(win, reason),
  });
  // Windows logs off / shuts down without before-quit: say goodbye to the PBX as far as time allows.
  win.on('session-end', () => {
    quitting = true;
    void stopWithin(() => service.stop(), QUIT_STOP_TIMEOUT_MS).then(() => logger.flush());
  });
  // Closing hides to the tray: the receptionist must not drop off the phone by closing a window.
  win.on('close', (e) => {
    if (closeAction(quitting) === 'hide') {
      e.preventDefault();
      win.hide();
    }
  });
  // In front again: stop flashing (the count stays until the History is viewed).
  win.on('focus', () => {
    attention.focusChanged(true);
    updateAttention();
  });
  win.on('blur', () => {
    attention.focusChanged(false);
    updateAttention();
  });
  appliedAttention = undefined;
  win.on('closed', () => {
    mainPage.gone();
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(rendererIndexUrl);
  return win;
}

/** The main window's renderer died: reload it after a delay (CrashReloadPolicy), or give up and close the window. */
function onMainRendererGone(win: BrowserWindow, reason: string): void {
  const d = crashPolicy.onRendererGone(reason, Date.now(), { quitting });
  if (d.action === 'none') return;
  if (d.action === 'give-up') {
    logger.error(`window: renderer gone (${reason}) again: given up, the window is closed (calls continue; the tray reopens it)`);
    crashGaveUp = true;
    if (!win.isDestroyed()) win.destroy();
    return;
  }
  logger.warn(`window: renderer gone (${reason}): reloading in ${d.delayMs} ms (calls continue in main)`);
  setTimeout(() => {
    if (!win.isDestroyed() && !quitting) void win.loadURL(rendererIndexUrl).catch((e: unknown) => logger.warn(`window: reload failed: ${String(e)}`));
  }, d.delayMs).unref();
}

/** Which of our windows sent this IPC message (our own top frame on our page only), if any. */
function senderWindow(e: { senderFrame: Electron.WebFrameMain | null; sender: Electron.WebContents }): 'main' | 'incoming' | undefined {
  const sender = { frameUrl: e.senderFrame?.url, isMainFrame: e.senderFrame === e.sender.mainFrame, webContentsId: e.sender.id };
  if (mainWindow && !mainWindow.isDestroyed() && ipcSenderAllowed(sender, { webContentsId: mainWindow.webContents.id, rendererIndexUrl })) return 'main';
  if (incomingWindow && !incomingWindow.isDestroyed() && ipcSenderAllowed(sender, { webContentsId: incomingWindow.webContents.id, rendererIndexUrl })) {
    return 'incoming';
  }
  return undefined;
}

ipcMain.handle(ipcChannel.command, async (e: IpcMainInvokeEvent, name: unknown, args: unknown) => {
  const from = senderWindow(e);
  // The compact incoming-call window may only read the state and answer or decline.
  const conn = from === 'main' ? mainPage.current : from === 'incoming' && incomingWindowCommandAllowed(name) ? incomingPage.current : undefined;
  if (!conn) return { ok: false, error: { code: 'bad-request', message: 'Refused: unknown sender', key: 'error.protocol' } };
  let size = 0;
  try {
    size = JSON.stringify(args ?? null).length;
  } catch {
    return { ok: false, error: { code: 'bad-request', message: 'Arguments are not serialisable', key: 'error.protocol' } };
  }
  return service.dispatch(conn.conn, name, args, size);
});

ipcMain.on(ipcChannel.hello, (e) => {
  const from = senderWindow(e);
  if (!from) return;
  const sender = e.sender;
  const page = from === 'incoming' ? incomingPage : mainPage;
  // The previous page's connection goes first: the new one starts with a full snapshot.
  page.gone();
  const conn: HostConnection = {
    id: `${from === 'incoming' ? 'incoming' : 'win'}${sender.id}-${Date.now()}`,
    send: (name: EventName, payload: unknown) => {
      if (!sender.isDestroyed()) sender.send(ipcChannel.event, { name, payload });
    },
  };
  page.connect({ conn, disconnect: service.connect(conn) });
});

// A second launch (e.g. a tel: link on Windows) hands its arguments over and focuses this one.
app.on('second-instance', (_e, argv, _workingDirectory, additionalData) => {
  const action = secondInstanceActions(argv, additionalData);
  showWindow();
  if (action.dialUrl) void service.dialUrl(action.dialUrl).catch(() => undefined);
});
// macOS hands links over with open-url (also before ready).
app.on('open-url', (e, url) => {
  e.preventDefault();
  void app.whenReady().then(() => service.dialUrl(url).catch(() => undefined));
});

void app.whenReady().then(async () => {
  // Our pages: app://console/… from the built renderer folder, every answer with the strict CSP header.
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = appProtocolAnswer({ url: request.url, method: request.method }, rendererDir);
    if (answer.status !== 200) return new Response(null, { status: answer.status, headers: answer.headers });
    try {
      const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(answer.file));
      return new Response(body, { status: 200, headers: answer.headers });
    } catch {
      return new Response(null, { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8', { noStore: true }) });
    }
  });
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl ?? wc?.getURL(), rendererIndexUrl));
  });
  // Screen-pop windows (the CRM's pages): no microphone, camera, notifications… of ours.
  session.fromPartition(SCREEN_POP_PARTITION).setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.fromPartition(SCREEN_POP_PARTITION).setPermissionCheckHandler(() => false);
  let provisioned = false;
  let provisionFileRead = false;
  let provisionedUpdateUrl: string | undefined;
  if (launch.provision) {
    try {
      const p = loadProvisioningFile(launch.provision);
      provisionFileRead = true;
      provisionedUpdateUrl = p.update?.url;
      await service.applyProvisioning(p);
      provisioned = p.accounts.length > 0;
    } catch (err) {
      const message = err instanceof ProvisioningError ? err.message : String(err);
      service.messages.add('error', 'provisioning.invalid', { message });
    }
  }
  settings.reportTo(service.messages);
  // Settings the keychain cannot unlock yet (login) are retried, never set aside (settings-store.ts).
  if (!provisioned) await settings.restore(service);
  contacts.start(service);
  appInfo.start(service, contacts);
  service.connect(shellConn);
  for (const event of ['suspend', 'resume', 'lock-screen', 'unlock-screen'] as const) {
    powerMonitor.on(event as 'resume', () => void onPowerEvent(event, service));
  }
  // Linux/macOS shutdown or reboot: hold it briefly and quit through before-quit (un-REGISTER, BYE).
  // (Electron passes an event with preventDefault; its typings declare none.)
  powerMonitor.on('shutdown', (...args: unknown[]) => {
    (args[0] as Electron.Event | undefined)?.preventDefault();
    app.quit();
  });
  // Electron has no online/offline event in main: poll the OS's view of connectivity.
  let online = net.isOnline();
  setInterval(() => {
    if (net.isOnline() === online) return;
    online = !online;
    void onPowerEvent(online ? 'online' : 'offline', service);
  }, 5000).unref();
  if (app.isPackaged) for (const scheme of ['tel', 'callto', 'sip']) app.setAsDefaultProtocolClient(scheme);
  // Global shortcuts are registered from the preferences (applyPreferences, on the shell's snapshot above).
  startUpdater(provisionFileRead, provisionedUpdateUrl);
  tray = new Tray(nativeImage.createFromPath(join(__dirname, '..', '..', 'build', 'icon.png')).resize({ width: 16, height: 16 }));
  tray.on('click', () => showWindow());
  updateTray();
  mainWindow = createWindow(!startHidden(launchArgs, app.getLoginItemSettings().wasOpenedAtLogin));
  if (launch.dialUrl) void service.dialUrl(launch.dialUrl).catch(() => undefined);
});

/** Auto-update from the provisioned URL (electron-updater, generic provider): off without one. */
function startUpdater(provisioned: boolean, provisionedUrl: string | undefined): void {
  const savedFile = join(app.getPath('userData'), 'update.json');
  let savedUrl: string | undefined;
  try {
    const saved = JSON.parse(readFileSync(savedFile, 'utf8')) as { url?: unknown };
    savedUrl = typeof saved.url === 'string' ? saved.url : undefined;
  } catch {
    savedUrl = undefined;
  }
  const source = updateUrlSource({ provisioned, provisionedUrl, savedUrl });
  try {
    if (source.save === 'forget') rmSync(savedFile, { force: true });
    else if (source.save) writeFileSync(savedFile, `${JSON.stringify(source.save)}\n`, { mode: 0o600 });
  } catch (err) {
    logger.warn(`update: cannot remember the update URL: ${String(err)}`);
  }
  const plan = updatePlan({ url: source.url, isPackaged: app.isPackaged, platform: process.platform });
  if (!plan.enabled) {
    logger.info(`update: off (${plan.reason})`);
    return;
  }
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.setFeedURL(plan.feed);
  let last: UpdateNotice | undefined;
  const tell = (event: UpdateEvent) => {
    const notice = updateNotice(event, last);
    if (!notice) return;
    last = notice;
    service.messages.add(notice.level, notice.key, notice.params ?? {});
  };
  autoUpdater.on('update-available', (info) => tell({ type: 'available', version: info.version }));
  autoUpdater.on('update-downloaded', (info) => tell({ type: 'downloaded', version: info.version }));
  autoUpdater.on('error', (err) => {
    logger.warn(`update: ${err.message}`);
    tell({ type: 'error', message: err.message });
  });
  const startedAt = Date.now();
  let lastCheckAt: number | undefined;
  setInterval(() => {
    if (!updateCheckDue({ now: Date.now(), startedAt, lastCheckAt, calls: [...shellState.calls.values()] })) return;
    lastCheckAt = Date.now();
    void autoUpdater.checkForUpdates().catch(() => undefined);
  }, 30_000).unref();
}

app.on('window-all-closed', () => {
  // The tray keeps the console (and its calls) alive; Quit is in the tray menu.
});
app.on('will-quit', () => globalShortcut.unregisterAll());
// Whatever is still queued for the log file when the app really quits is written synchronously (nothing else runs).
app.on('quit', () => logger.flushSync());
// Quitting says goodbye first: before-quit is held once while the service hangs up its calls (BYE) and removes its
// registrations (REGISTER Expires: 0), at most QUIT_STOP_TIMEOUT_MS, then the app quits for real.
app.on('before-quit', (e) => {
  quitting = true;
  const step = quitGate.beforeQuit();
  if (step === 'quit') return;
  e.preventDefault();
  if (step === 'wait') return;
  void quitGate.stopThenQuit(
    () => service.stop(),
    (outcome) => {
      if (outcome !== 'stopped') logger.warn(`quit: the services did not stop cleanly (${outcome})`);
      // The log is written asynchronously: the goodbye (BYE, REGISTER Expires: 0) reaches the file first (at most 1 s).
      void Promise.race([logger.flush(), new Promise((resolve) => setTimeout(resolve, 1000))]).finally(() => app.quit());
    },
  );
});
