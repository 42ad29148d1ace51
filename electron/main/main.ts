/**
 * Electron composition root: thin by design. Every decision lives in plain functions (policy.ts, launch-args.ts,
 * shell.ts — unit-tested) and
 * every behaviour in electron/services — the same services the web host serves, which is what our CI exercises.
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
  safeStorage,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { translate } from '../../renderer/i18n';
import { ipcChannel, type EventName, type Events } from '../contract/contract';
import type { CallView, Preferences, RegistrationView } from '../contract/dto';
import { createConsoleService } from '../services/composition';
import { ContactsService, directoriesFromProvisioningFile } from '../services/contacts-service';
import type { HostConnection } from '../services/console-service';
import { buildDiagnostics } from '../services/diagnostics';
import { createLogger } from '../services/logger';
import { loadProvisioningFile, ProvisioningError } from '../services/provisioning';
import { createSettingsStore } from '../services/settings-store';
import { parseLaunchArgs } from './launch-args';
import { ELECTRON_CSP, ipcSenderAllowed, mainWindowOptions, navigationDecision, type SecureWebPreferences } from './policy';
import {
  closeAction,
  DEFAULT_GLOBAL_SHORTCUTS,
  globalShortcutCommand,
  incomingCallNotification,
  loginItemNeedsApproval,
  loginItemRequest,
  notificationCommand,
  onPowerEvent,
  secondInstanceActions,
  startHidden,
  trayModel,
  type GlobalShortcutAction,
  type ShellCommand,
} from './shell';

const launch = parseLaunchArgs(process.argv.slice(1));
if (!app.requestSingleInstanceLock()) app.quit();

const logFile = join(app.getPath('userData'), 'logs', 'console.log');
const logger = createLogger({ file: logFile, level: 'info', sipTrace: true });
// Passwords on disk go through the OS keychain (macOS) / DPAPI (Windows) when available.
const settings = createSettingsStore(app.getPath('userData'), {
  encode: (text) => (safeStorage.isEncryptionAvailable() ? safeStorage.encryptString(text) : Buffer.from(text, 'utf8')),
  decode: (data) => (data[0] === 0x7b /* "{": written before encryption was available */ ? data.toString('utf8') : safeStorage.decryptString(data)),
});
const contacts = new ContactsService({
  dbPath: join(app.getPath('userData'), 'contacts.sqlite'),
  config: directoriesFromProvisioningFile(launch.provision),
  logger,
});
const service = createConsoleService({ host: 'electron', logger, extensions: [contacts], persist: (state) => settings.save(state) });
const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const rendererIndexUrl = pathToFileURL(rendererIndex).toString();
let mainWindow: BrowserWindow | undefined;
let connection: { conn: HostConnection; disconnect: () => void } | undefined;
let quitting = false;
let tray: Tray | undefined;

// ── The shell watches the service like a window does (snapshot, then deltas) for the tray and notifications ──
const shellState = {
  calls: new Map<string, CallView>(),
  registration: undefined as RegistrationView | undefined,
  preferences: undefined as Preferences | undefined,
};
const notifications = new Map<string, Notification>();
const shellConn: HostConnection = {
  id: 'shell',
  send: (name: EventName, payload: unknown) => onShellEvent(name, payload),
};
const t = (key: string, params?: Record<string, string | number>) => translate(shellState.preferences?.language ?? 'en', key, params);

function runShellCommand(cmd: ShellCommand): void {
  void service.dispatch(shellConn, cmd.name, cmd.args);
}

function onShellEvent(name: EventName, payload: unknown): void {
  switch (name) {
    case 'snapshot': {
      const s = payload as Events['snapshot'];
      shellState.calls = new Map(s.calls.map((c) => [c.id, c]));
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
    case 'registration.changed':
      shellState.registration = (payload as Events['registration.changed']).registration;
      break;
    case 'preferences.changed':
      applyPreferences(payload as Events['preferences.changed']);
      break;
    default:
      return;
  }
  updateTray();
}

function applyPreferences(p: Preferences): void {
  const before = shellState.preferences;
  shellState.preferences = p;
  if (before?.startAtLogin === p.startAtLogin || !app.isPackaged) return;
  const { args, ...request } = loginItemRequest(p.startAtLogin, process.platform);
  app.setLoginItemSettings({ ...request, ...(args && { args: [...args] }) });
  if (process.platform === 'darwin' && loginItemNeedsApproval(app.getLoginItemSettings({ type: 'mainAppService' }).status)) {
    service.messages.add('warning', 'settings.loginNeedsApproval', {});
  }
}

function notifyIncoming(call: CallView): void {
  const n = incomingCallNotification(call);
  if (!n || !Notification.isSupported()) return;
  const note = new Notification({
    title: t(n.title.key, n.title.params),
    body: n.body,
    actions: n.actions.map((a) => ({ type: 'button' as const, text: t(a.key) })),
    urgency: 'critical',
    timeoutType: 'default',
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
  const secrets = settings.load().settings?.accounts.map((a) => a.password ?? '') ?? [];
  await writeFile(filePath, buildDiagnostics({ logFiles: [logFile], secrets, appVersion: app.getVersion(), host: 'electron' }));
}

function showWindow(): void {
  if (!mainWindow) mainWindow = createWindow(true);
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
  win.webContents.on('will-navigate', (e, url) => {
    const d = navigationDecision(url, rendererIndexUrl);
    if (d.action !== 'allow') e.preventDefault();
    if (d.action === 'open-external') void shell.openExternal(d.url);
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    const d = navigationDecision(url, rendererIndexUrl);
    if (d.action === 'open-external') void shell.openExternal(d.url);
    return { action: 'deny' };
  });
  // A reload or crash of the page drops its connection; calls stay up in main and the next hello restores the UI.
  win.webContents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) dropConnection();
  });
  win.webContents.on('render-process-gone', () => dropConnection());
  // Closing hides to the tray: the receptionist must not drop off the phone by closing a window.
  win.on('close', (e) => {
    if (closeAction(quitting) === 'hide') {
      e.preventDefault();
      win.hide();
    }
  });
  win.on('closed', () => {
    dropConnection();
    mainWindow = undefined;
  });
  void win.loadFile(rendererIndex);
  return win;
}

function dropConnection(): void {
  connection?.disconnect();
  connection = undefined;
}

function senderOk(e: { senderFrame: Electron.WebFrameMain | null; sender: Electron.WebContents }): boolean {
  return (
    mainWindow !== undefined &&
    ipcSenderAllowed(
      { frameUrl: e.senderFrame?.url, isMainFrame: e.senderFrame === e.sender.mainFrame, webContentsId: e.sender.id },
      { webContentsId: mainWindow.webContents.id, rendererIndexUrl },
    )
  );
}

ipcMain.handle(ipcChannel.command, async (e: IpcMainInvokeEvent, name: unknown, args: unknown) => {
  if (!senderOk(e) || !connection) return { ok: false, error: { code: 'bad-request', message: 'Refused: unknown sender' } };
  let size = 0;
  try {
    size = JSON.stringify(args ?? null).length;
  } catch {
    return { ok: false, error: { code: 'bad-request', message: 'Arguments are not serialisable' } };
  }
  return service.dispatch(connection.conn, name, args, size);
});

ipcMain.on(ipcChannel.hello, (e) => {
  if (!senderOk(e)) return;
  dropConnection();
  const sender = e.sender;
  const conn: HostConnection = {
    id: `win${sender.id}-${Date.now()}`,
    send: (name: EventName, payload: unknown) => {
      if (!sender.isDestroyed()) sender.send(ipcChannel.event, { name, payload });
    },
  };
  connection = { conn, disconnect: service.connect(conn) };
});

// A second launch (e.g. a tel: link on Windows) hands its arguments over and focuses this one.
app.on('second-instance', (_e, argv) => {
  const action = secondInstanceActions(argv);
  showWindow();
  if (action.dialUrl) void service.dialUrl(action.dialUrl).catch(() => undefined);
});
// macOS hands links over with open-url (also before ready).
app.on('open-url', (e, url) => {
  e.preventDefault();
  void app.whenReady().then(() => service.dialUrl(url).catch(() => undefined));
});

void app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => {
    callback(permission === 'media' || permission === 'speaker-selection');
  });
  let provisioned = false;
  if (launch.provision) {
    try {
      const p = loadProvisioningFile(launch.provision);
      await service.applyProvisioning(p);
      provisioned = p.accounts.length > 0;
    } catch (err) {
      const message = err instanceof ProvisioningError ? err.message : String(err);
      service.messages.add('error', 'provisioning.invalid', { message });
    }
  }
  if (!provisioned) {
    const saved = settings.load();
    if (saved.problem) service.reportSettingsProblem(saved.problem);
    if (saved.settings) await service.applyProvisioning(saved.settings);
  }
  service.connect(shellConn);
  for (const event of ['suspend', 'resume', 'lock-screen', 'unlock-screen'] as const) {
    powerMonitor.on(event as 'resume', () => void onPowerEvent(event, service));
  }
  // Electron has no online/offline event in main: poll the OS's view of connectivity.
  let online = net.isOnline();
  setInterval(() => {
    if (net.isOnline() === online) return;
    online = !online;
    void onPowerEvent(online ? 'online' : 'offline', service);
  }, 5000).unref();
  if (app.isPackaged) for (const scheme of ['tel', 'callto', 'sip']) app.setAsDefaultProtocolClient(scheme);
  for (const [action, accelerator] of Object.entries(DEFAULT_GLOBAL_SHORTCUTS) as [GlobalShortcutAction, string][]) {
    globalShortcut.register(accelerator, () => {
      // Electron 45's clipboard is asynchronous (the W3C model); the dial shortcut reads the copied number.
      const selection = action === 'dialSelection' ? clipboard.readText() : Promise.resolve('');
      void selection.then((text) => {
        const cmd = globalShortcutCommand(action, [...shellState.calls.values()], text);
        if (cmd) runShellCommand(cmd);
      });
    });
  }
  tray = new Tray(nativeImage.createFromPath(join(__dirname, '..', '..', 'build', 'icon.png')).resize({ width: 16, height: 16 }));
  tray.on('click', () => showWindow());
  updateTray();
  mainWindow = createWindow(!startHidden(process.argv.slice(1), app.getLoginItemSettings().wasOpenedAtLogin));
  if (launch.dialUrl) void service.dialUrl(launch.dialUrl).catch(() => undefined);
});

app.on('window-all-closed', () => {
  // The tray keeps the console (and its calls) alive; Quit is in the tray menu.
});
app.on('will-quit', () => globalShortcut.unregisterAll());
app.on('before-quit', () => {
  quitting = true;
  void service.stop();
});
