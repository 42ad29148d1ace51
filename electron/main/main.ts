/**
 * Electron entry point. The single-instance lock comes before anything else: a second instance hands its own
 * arguments to the running console (`second-instance`, with them as additionalData) and exits at once — it never
 * loads console-app.ts, so it opens no database, reads no settings and registers nothing to the PBX.
 */
// issue 14 (rss.main): first, before any other module loads.
import '../services/young-generation-at-load';
import { app } from 'electron';
import { defaultDataDir } from '../services/data-dir';
import { handOverData, launchFromProcess } from './launch-args';
import { startup } from './lifecycle';

// One data directory for every host (electron/services/data-dir.ts): named after productName also when run from
// source (where Electron would use package.json's name), and RECEPTIONIST_DATA_DIR moves it (the demo's own folder).
// Before the lock: Chromium keeps the single-instance lock in userData.
app.setPath('userData', defaultDataDir());

startup({
  requestLock: () => app.requestSingleInstanceLock(handOverData(launchFromProcess(process).args)),
  exit: () => app.exit(0),
  // Loading the module starts the console (services, windows, tray): only in the instance holding the lock.
  start: () => {
    require('./console-app');
  },
});
