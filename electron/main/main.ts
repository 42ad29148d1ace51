/**
 * Electron composition root: thin by design. Every decision lives in plain functions (policy.ts, launch-args.ts) and
 * every behaviour in electron/services — the same services the web host serves, which is what our CI exercises.
 */
import { app, BrowserWindow, ipcMain, powerMonitor, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ipcChannel, type EventName } from '../contract/contract';
import { createConsoleService } from '../services/composition';
import type { HostConnection } from '../services/console-service';
import { createLogger } from '../services/logger';
import { loadProvisioningFile, ProvisioningError } from '../services/provisioning';
import { createSettingsStore } from '../services/settings-store';
import { parseLaunchArgs } from './launch-args';
import { ELECTRON_CSP, ipcSenderAllowed, mainWindowOptions, navigationDecision } from './policy';

const launch = parseLaunchArgs(process.argv.slice(1));
if (!app.requestSingleInstanceLock()) app.quit();

const logger = createLogger({ file: join(app.getPath('userData'), 'logs', 'console.log'), level: 'info', sipTrace: true });
// Passwords on disk go through the OS keychain (macOS) / DPAPI (Windows) when available.
const settings = createSettingsStore(app.getPath('userData'), {
  encode: (text) => (safeStorage.isEncryptionAvailable() ? safeStorage.encryptString(text) : Buffer.from(text, 'utf8')),
  decode: (data) => (data[0] === 0x7b /* "{": written before encryption was available */ ? data.toString('utf8') : safeStorage.decryptString(data)),
});
const service = createConsoleService({ host: 'electron', logger, persist: (state) => settings.save(state) });
const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const rendererIndexUrl = pathToFileURL(rendererIndex).toString();
let mainWindow: BrowserWindow | undefined;
let connection: { conn: HostConnection; disconnect: () => void } | undefined;

function createWindow(show: boolean): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(join(__dirname, 'preload.js'), { show, dark: false }));
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

app.on('second-instance', () => {
  if (!mainWindow) mainWindow = createWindow(true);
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
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
  powerMonitor.on('resume', () => void service.resume());
  powerMonitor.on('unlock-screen', () => void service.resume());
  mainWindow = createWindow(!launch.hidden);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => {
  void service.stop();
});
