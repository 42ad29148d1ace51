/**
 * Electron entry point. The single-instance lock comes before anything else: a second instance hands its own
 * arguments to the running console (`second-instance`, with them as additionalData) and exits at once — it never
 * loads console-app.ts, so it opens no database, reads no settings and registers nothing to the PBX.
 */
import { app } from 'electron';
import { handOverData, launchFromProcess } from './launch-args';
import { startup } from './lifecycle';

startup({
  requestLock: () => app.requestSingleInstanceLock(handOverData(launchFromProcess(process).args)),
  exit: () => app.exit(0),
  // Loading the module starts the console (services, windows, tray): only in the instance holding the lock.
  start: () => {
    require('./console-app');
  },
});
