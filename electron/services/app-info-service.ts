/**
 * About / system information, the bundled user guide and "Delete all data" (issue 13 item 9), as a ConsoleExtension
 * both hosts plug in. The versions shown are read from the running modules (package.json files, process.versions,
 * `sqlite_version()`), never typed by hand.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { AboutView, ComponentVersionView } from '../contract/app-info';
import { userGuidePath } from '../contract/app-info';
import type { AccountView, RegistrationView } from '../contract/dto';
import type { SipLogger } from '../../sip-core/api/softphone';
import { sipjsVersion } from '../../sip-core/adapters/sipjs/version';
import { CommandFailure, type ConsoleExtension } from './console-service';
import { eraseAll, settingsFilePart, type ErasablePart, type EraseFileOps, type ErasureOutcome } from './data-erasure';
import { parseProvisioning, type Provisioning } from './provisioning';
import { PRODUCT_NAME } from './data-dir';

/** The console's version from its package.json; `unknown` when it cannot be read (never a made-up number). */
export function readAppVersion(packageJsonPath: string): string {
  try {
    const v = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' && v !== '' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Versions of the npm modules main runs, from their own package.json. */
export function moduleVersions(): { sipjs?: string; betterSqlite3?: string } {
  const read = (load: () => { version?: unknown }): string | undefined => {
    try {
      const v = load().version;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  };
  // sip.js is only ever loaded by its adapter (lint rule): it reads its own version.
  const sipjs = sipjsVersion();
  const betterSqlite3 = read(() => require('better-sqlite3/package.json') as { version?: unknown });
  return { ...(sipjs && { sipjs }), ...(betterSqlite3 && { betterSqlite3 }) };
}

export interface AboutInput {
  readonly version: string;
  readonly host: 'electron' | 'web';
  readonly account?: AccountView | undefined;
  readonly registration?: RegistrationView | undefined;
  /** process.versions (Electron adds `electron` and `chrome`). */
  readonly versions: Readonly<Record<string, string | undefined>>;
  readonly modules: ReturnType<typeof moduleVersions>;
  readonly sqlite?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly platform: string;
}

/** The About view from what the host knows (pure: unit-tested). */
export function assembleAbout(input: AboutInput): AboutView {
  const components: ComponentVersionView[] = [];
  const add = (name: string, version: string | undefined) => {
    if (version) components.push({ name, version });
  };
  add('Electron', input.versions.electron);
  add('Chromium', input.versions.chrome);
  add('Node.js', input.versions.node);
  add('SIP.js', input.modules.sipjs);
  add('SQLite', input.sqlite);
  add('better-sqlite3', input.modules.betterSqlite3);
  const a = input.account;
  const r = input.registration;
  const serverInUse = r && r.state !== 'unregistered' ? r.server : undefined;
  return {
    product: PRODUCT_NAME,
    version: input.version,
    host: input.host,
    ...(a && {
      account: {
        user: a.user,
        server: a.server,
        port: a.port,
        transport: a.transport,
        media: a.media,
        ...(a.displayName && { displayName: a.displayName }),
      },
    }),
    ...(serverInUse && { serverInUse }),
    registration: a ? (r?.state ?? 'unregistered') : 'none',
    components,
    dataDirectory: input.dataDir ?? null,
    platform: input.platform,
  };
}

/** What "as on first start" means for the extensions: the administrator's launch file without its accounts. */
export function firstStartProvisioning(launch?: Provisioning): Provisioning {
  const base = parseProvisioning({ favorites: [], queuePane: {}, services: {} });
  if (!launch) return base;
  const given = Object.fromEntries(Object.entries(launch).filter(([, v]) => v !== undefined)) as Partial<Provisioning>;
  return { ...base, ...given, accounts: [] };
}

/** The console the service reads and resets (ConsoleService implements it). */
export interface AppInfoConsole {
  primaryAccount(): AccountView | undefined;
  primaryRegistration(): RegistrationView | undefined;
  hasLiveCalls(): boolean;
  holdSaving(hold: boolean, discard?: boolean): void;
  resetToFirstStart(firstStart: Provisioning): Promise<void>;
  readonly messages: {
    add(level: 'info' | 'warning' | 'error', key: string, params?: Record<string, string | number>): unknown;
    dismiss(id: string): boolean;
    list(): readonly { readonly id: string }[];
  };
}

/** The contacts service's parts of it (ContactsService implements it). */
export interface AppInfoContacts {
  erasePart(): ErasablePart;
  sqliteVersion(): Promise<string | undefined>;
}

export interface AppInfoServiceOptions {
  readonly host: 'electron' | 'web';
  readonly version: string;
  /** Where settings, contacts and history are kept; undefined: nothing is saved (`--in-memory`). */
  readonly dataDir?: string | undefined;
  /** settings.json (with the stored SIP password) when settings are saved. */
  readonly settingsFile?: string | undefined;
  /** Tests: file operations on the settings file with faults injected (node:fs otherwise). */
  readonly settingsFileOps?: EraseFileOps;
  /** The provisioning file given at launch: the administrator's, applied again at each launch. */
  readonly launchProvisioning?: Provisioning | undefined;
  /** Electron: open the bundled guide (`help/user-guide.<lang>.html` inside the renderer bundle). */
  readonly openHelp?: (path: string) => Promise<void>;
  readonly versions?: Readonly<Record<string, string | undefined>>;
  readonly logger?: SipLogger;
}

export class AppInfoService implements ConsoleExtension {
  #console: AppInfoConsole | undefined;
  #contacts: AppInfoContacts | undefined;
  #erasing = false;

  constructor(private readonly options: AppInfoServiceOptions) {}

  start(console: AppInfoConsole, contacts: AppInfoContacts): void {
    this.#console = console;
    this.#contacts = contacts;
  }

  async about(): Promise<AboutView> {
    return assembleAbout({
      version: this.options.version,
      host: this.options.host,
      account: this.#console?.primaryAccount(),
      registration: this.#console?.primaryRegistration(),
      versions: this.options.versions ?? process.versions,
      modules: moduleVersions(),
      sqlite: await this.#contacts?.sqliteVersion(),
      dataDir: this.options.dataDir,
      platform: `${os.platform()} ${os.arch()} (${os.release()})`,
    });
  }

  /** Delete all data (see data-erasure.ts): all or nothing, then the console is as on first start. */
  async eraseAllData(): Promise<ErasureOutcome> {
    const console = this.#console;
    const contacts = this.#contacts;
    if (!console || !contacts) throw new CommandFailure('invalid-state', 'The console is still starting', 'data.erase.error.busy');
    if (this.#erasing) throw new CommandFailure('invalid-state', 'Delete all data is already running', 'data.erase.error.busy');
    if (console.hasLiveCalls()) throw new CommandFailure('invalid-state', 'Calls are up: end them before deleting all data', 'data.erase.error.callsUp');
    this.#erasing = true;
    console.holdSaving(true);
    let erased = false;
    try {
      const parts = [contacts.erasePart(), ...(this.options.settingsFile ? [settingsFilePart(this.options.settingsFile, this.options.settingsFileOps)] : [])];
      const outcome = await eraseAll(parts, (m) => this.options.logger?.warn(m));
      if (!outcome.ok && outcome.kept) {
        throw new CommandFailure('internal', `Delete all data: ${outcome.part}: ${outcome.detail}; nothing was deleted`, `data.erase.error.${outcome.part}`, {
          detail: outcome.detail.slice(0, 200),
        });
      }
      erased = true;
      await console.resetToFirstStart(firstStartProvisioning(this.options.launchProvisioning));
      for (const m of [...console.messages.list()]) console.messages.dismiss(m.id);
      if (outcome.ok) console.messages.add('info', 'data.erase.done', {});
      else console.messages.add('error', 'data.erase.error.leftover', { file: this.options.settingsFile ?? '', detail: outcome.detail.slice(0, 200) });
      this.options.logger?.info('delete all data: done');
      return outcome;
    } finally {
      console.holdSaving(false, erased);
      this.#erasing = false;
    }
  }

  readonly handlers: ConsoleExtension['handlers'] = {
    'app.about': () => this.about(),
    'app.openHelp': async ({ language }) => {
      const path = userGuidePath(language);
      if (!this.options.openHelp) return { opened: false, path };
      try {
        await this.options.openHelp(path);
      } catch (e) {
        throw new CommandFailure('internal', e instanceof Error ? e.message : String(e), 'help.error.open');
      }
      return { opened: true, path };
    },
    'app.eraseAllData': async () => {
      await this.eraseAllData();
    },
  };
}
