/**
 * `npm run web -- --port N --provision FILE`: start the web host and print `Console: http://127.0.0.1:N/?token=…`.
 * The receptionist's settings (settings.json), contacts and call history (contacts.sqlite) are kept in the data
 * directory every host shares (electron/services/data-dir.ts; `RECEPTIONIST_DATA_DIR` moves it), or in DIR with
 * `--data-dir DIR`; `--in-memory` keeps nothing (tests, benchmarks).
 * Exit codes: 0 normal stop, 2 bad arguments or provisioning file, 1 startup failure.
 */
// issue 14 (rss.main): first, before any other module loads.
import '../services/young-generation-at-load';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { createConsoleService } from '../services/composition';
import { defaultDataDir } from '../services/data-dir';
import { ContactsService } from '../services/contacts-service';
import { createLogger } from '../services/logger';
import { loadProvisioningFile, ProvisioningError, type Provisioning } from '../services/provisioning';
import { createSettingsStore } from '../services/settings-store';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildDiagnostics } from '../services/diagnostics';
import { ScriptedHeadset } from './scripted-headset';
import { AppInfoService, readAppVersion } from '../services/app-info-service';

// The console's version from its package.json (dist/web-host/cli.js → the project root), never typed by hand.
const APP_VERSION = readAppVersion(join(__dirname, '..', '..', 'package.json'));
import { startWebHost } from './server';

export interface WebCliArgs {
  port: number;
  provision?: string;
  token?: string;
  rendererDir: string;
  logFile?: string;
  /** Where settings.json and contacts.sqlite live; undefined with `--in-memory` (nothing is saved: tests). */
  dataDir?: string;
  /** A scripted USB headset (report-descriptor file[:VID:PID]) driven over HTTP instead of node-hid. */
  scriptedHeadset?: string;
  verbose: boolean;
}

export function parseWebCliArgs(argv: readonly string[], defaults: { rendererDir: string; dataDir?: string }): WebCliArgs {
  const out: WebCliArgs = { port: 0, rendererDir: defaults.rendererDir, verbose: false, dataDir: defaults.dataDir ?? defaultDataDir() };
  let inMemory = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ProvisioningError(`Missing value after ${a}`);
      return v;
    };
    switch (a) {
      case '--port': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ProvisioningError('--port must be 0…65535');
        out.port = n;
        break;
      }
      case '--provision':
        out.provision = value();
        break;
      case '--token':
        out.token = value();
        break;
      case '--renderer-dir':
        out.rendererDir = value();
        break;
      case '--log-file':
        out.logFile = value();
        break;
      case '--data-dir': {
        const dir = value();
        if (!dir) throw new ProvisioningError('--data-dir needs a directory');
        out.dataDir = dir;
        break;
      }
      case '--in-memory':
        inMemory = true;
        break;
      case '--scripted-headset':
        out.scriptedHeadset = value();
        break;
      case '--verbose':
        out.verbose = true;
        break;
      default:
        throw new ProvisioningError(`Unknown option ${a}`);
    }
  }
  if (inMemory) {
    if (argv.includes('--data-dir')) throw new ProvisioningError('--in-memory and --data-dir exclude each other');
    delete out.dataDir;
  }
  return out;
}

/**
 * The process's memory for the rss.main bench and support (issue 14): `process.memoryUsage()` in bytes. `?gc=1`
 * collects garbage first when the host runs with `node --expose-gc` (the bench does; the product never does).
 */
export function memoryReport(collect: boolean): Record<string, number> {
  if (collect) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const space = (name: string) => getHeapSpaceStatistics().find((s) => s.space_name === name)?.physical_space_size ?? 0;
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    // Where the V8 heap's pages are (committed bytes): the young generation grows under load and is kept.
    newSpace: space('new_space'),
    oldSpace: space('old_space'),
    codeSpace: space('code_space'),
    largeObjects: space('large_object_space') + space('code_large_object_space'),
    malloced: getHeapStatistics().malloced_memory,
  };
}

/** The web host's extra token-protected GET routes: /diagnostics, /memory, and /headset with a scripted headset. */
export function webHostRoutes(deps: {
  logFile?: string;
  secrets: () => string[];
  scripted?: ScriptedHeadset;
}): (url: URL, req: IncomingMessage, res: ServerResponse) => boolean {
  return (url, req, res) => {
    if (url.pathname === '/diagnostics') {
      // "Export diagnostics" for the web host: logs + SIP trace, redacted again on the way out.
      const body = buildDiagnostics({ logFiles: deps.logFile ? [deps.logFile] : [], secrets: deps.secrets(), appVersion: APP_VERSION, host: 'web' });
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': 'attachment; filename="receptionist-console-diagnostics.txt"',
        'cache-control': 'no-store',
      });
      res.end(body);
      return true;
    }
    if (url.pathname === '/memory') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(memoryReport(url.searchParams.get('gc') === '1')));
      return true;
    }
    return deps.scripted?.handle(url, req, res) ?? false;
  };
}

async function main(): Promise<void> {
  let args: WebCliArgs;
  let provisioning: Provisioning | undefined;
  try {
    args = parseWebCliArgs(process.argv.slice(2), { rendererDir: join(__dirname, '..', 'renderer') });
    if (args.provision) provisioning = loadProvisioningFile(args.provision);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const secrets = () => [...(provisioning?.accounts.map((a) => a.password ?? '') ?? []), ...(provisioning?.pbx ? [provisioning.pbx.ami.secret] : [])];
  const logger = createLogger({
    ...(args.logFile && { file: args.logFile }),
    stderr: args.verbose,
    level: args.verbose ? 'debug' : 'info',
    secrets,
    sipTrace: args.verbose || args.logFile !== undefined,
  });
  if (args.dataDir) {
    try {
      mkdirSync(args.dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      process.stderr.write(`Data directory ${args.dataDir}: ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  const store = args.dataDir ? createSettingsStore(args.dataDir, undefined, { log: (m) => logger.warn(m) }) : undefined;
  // Contacts and call history: contacts.sqlite in the data directory; with --in-memory, in memory (tests).
  const contacts = new ContactsService({
    dbPath: args.dataDir ? join(args.dataDir, 'contacts.sqlite') : ':memory:',
    // issue 14: the database lives in the storage worker (dist/directory-worker.js), off this loop.
    storageWorker: true,
    config: provisioning?.directories,
    logger,
  });
  // About, the user guide, Delete all data (issue 13 item 9).
  const appInfo = new AppInfoService({
    host: 'web',
    version: APP_VERSION,
    dataDir: args.dataDir,
    settingsFile: store?.file,
    launchProvisioning: provisioning,
    logger,
  });
  let scripted: ScriptedHeadset | undefined;
  try {
    scripted = args.scriptedHeadset ? new ScriptedHeadset(args.scriptedHeadset) : undefined;
  } catch (e) {
    process.stderr.write(`--scripted-headset: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const service = createConsoleService({
    host: 'web',
    logger,
    ...(scripted && { headset: scripted }),
    extensions: [contacts, appInfo],
    ...(store && { persist: (state) => store.save(state) }),
    ...(args.dataDir && { missedCallsFile: join(args.dataDir, 'missed-calls.json') }),
  });
  // A provisioning file given at launch wins over what was saved.
  const saved = store && !provisioning?.accounts.length ? store.load() : undefined;
  if (saved?.problem) service.reportSettingsProblem(saved.problem);
  const start = provisioning ?? saved?.settings;
  if (start) await service.applyProvisioning(start);
  store?.reportTo(service.messages);
  contacts.start(service);
  appInfo.start(service, contacts);
  const host = await startWebHost({
    service,
    rendererDir: args.rendererDir,
    port: args.port,
    ...(args.token && { token: args.token }),
    routes: webHostRoutes({ ...(args.logFile && { logFile: args.logFile }), secrets, ...(scripted && { scripted }) }),
    log: (l) => logger.warn(l),
  });
  process.stdout.write(`Data directory: ${args.dataDir ?? 'none (--in-memory: nothing is saved)'}\n`);
  process.stdout.write(`Console: ${host.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 4000);
    force.unref();
    await service.stop();
    await host.close();
    // The log is written asynchronously: everything logged up to here (the goodbye BYE/REGISTER) reaches the file.
    await logger.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Test/automation entry points for power & network events (the same ones Electron's powerMonitor drives).
  process.on('SIGUSR2', () => void service.resume());
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`Console failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
