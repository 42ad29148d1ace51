/**
 * The contacts service behind the contract's `contacts.*` and `history.*` commands, plugged into the ConsoleService
 * as an extension: it answers those commands, names the party of every call (caller lookup) and writes every ended
 * call to the history. One SQLite database (contacts.sqlite in the data directory; in memory without one), opened
 * lazily so both hosts can construct the service synchronously. The `directories` section (default country, LDAP,
 * queues) comes from the provisioning file given at launch, else from the saved settings (provision()).
 *
 * Faults are told to the receptionist (message keys `contacts.*`), never only logged: a damaged or too-new database
 * file is moved aside and a fresh one used; one that cannot be opened at all leaves contacts and history working in
 * memory for the session; a full disk refuses the write (nothing saved is lost); an LDAP refresh that would empty or
 * gut the offline company directory is not applied.
 */
import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type {
  CallContactView,
  CompanySyncView,
  ContactInputView,
  ContactView,
  DirectoryKindName,
  HistoryDetailView,
  HistoryEntryView,
  ImportPreviewView,
} from '../contract/contacts';
import { MAX_IMPORT_BYTES } from '../contract/contacts';
import { TIMELINE_EVENT_KINDS, type TimelineEventKind } from '../contract/call-quality';
import type { EventName, Events } from '../contract/contract';
import type { CallView, MessageLevel } from '../contract/dto';
import type { SipLogger } from '../../sip-core/api/softphone';
import { isDiskFull, StorageError } from '../storage/db';
import type { HistoryEntry, HistoryEntryInput } from '../storage/history-store';
import type { CallType } from '../storage/history-store';
import type { Contact, ContactInput, Directory, DirectoryKind } from '../storage/types';
import { CommandFailure, type ConsoleExtension } from './console-service';
import { CallRecorder, type CallRecord } from './call-recorder';
import { DirectoriesConfigSchema, type DirectoriesConfig } from './directory/directory-config';
import { CompanyShrinkError, DirectoryService, type CompanySyncProgress, type DirectoryApi } from './directory/directory-service';
import { DirectoryClient } from './directory/worker/directory-client';
import { ImportError, type ExportOptions } from './directory/import';
import { LIMITS as IMPORT_LIMITS } from './directory/import/errors';
import { LdapCompanySource } from './directory/ldap-source';
import { LdapError } from './directory/ldap-failure';
import type { ErasablePart } from './data-erasure';
import type { CompanyDirectorySource } from './directory/company-source';
import { loadProvisioningFile, type Provisioning } from './provisioning';
import { contactExtension } from '../contract/contact-extension';

export interface ContactsServiceOptions {
  /** `contacts.sqlite` in the data directory, or `:memory:`. */
  readonly dbPath: string;
  /**
   * The `directories` section of the provisioning file given at launch: it wins over the saved settings. Without it,
   * the section restored from the saved settings (provision()) applies.
   */
  readonly config?: DirectoriesConfig | undefined;
  readonly logger?: SipLogger;
  /** Tests: a company source other than the configured LDAP one. */
  readonly companySource?: CompanyDirectorySource;
  /**
   * Issue 14: the database is owned by the storage worker (worker/directory-client.ts), so no statement, import or
   * export runs on this loop. Both hosts set it; unit tests of this service may run the same code in process.
   */
  readonly storageWorker?: boolean | { readonly workerFile?: string };
}

/**
 * The monitored favorites (presence-service.ts), the only notion of favorite (issue 13 item 2): the contacts service
 * mirrors them into `contacts.favorite` / the FTS `fav` flag so search ranks them first, and stars through them.
 */
export interface FavoritesList {
  extensions(): readonly string[];
  add(extension: string, name: string): void;
  remove(extension: string): void;
}

/** What the contacts service needs from the console (ConsoleService implements it). */
export interface ContactsHost {
  /** The info pane's global messages. */
  readonly messages: { add(level: MessageLevel, key: string, params?: Record<string, string | number>): unknown };
}

interface Upload {
  readonly fileName: string;
  readonly chunks: Buffer[];
  size: number;
  readonly startedAt: number;
  /** While `contacts.importCommit` runs: `contacts.importCancel` aborts it (rolled back, nothing written). */
  abort?: AbortController;
}

const MAX_UPLOADS = 4;
/** Exports with an id running at once (a window's button allows one; a second window another). */
const MAX_EXPORTS = 4;
const UPLOAD_TTL_MS = 15 * 60_000;
const EDITABLE: ReadonlySet<DirectoryKindName> = new Set(['personal', 'speed-dial']);
const DELETABLE: ReadonlySet<DirectoryKindName> = new Set(['personal', 'speed-dial', 'outlook', 'custom']);

/** The history row of an ended call: which kind of call it was, from what the call desk saw. */
export function historyEntryFromCall(view: CallView, context: { pickupPrefix: string }): HistoryEntryInput {
  const answered = view.answeredAt !== undefined;
  const reason = view.endReason ?? '';
  let type: CallType;
  if (reason === 'transferred' || reason === 'deflected' || view.transfer?.state === 'done') type = 'transferred';
  else if (view.direction === 'outgoing') {
    type = context.pickupPrefix !== '' && view.remote.user.startsWith(context.pickupPrefix) ? 'picked-up' : 'placed';
  } else if (answered) type = 'received';
  else if (reason === 'declined') type = 'rejected';
  // Another device or a colleague took it (CANCEL with Reason cause=200): not missed (missed-calls.ts).
  else if (reason === 'answered-elsewhere') type = 'answered-elsewhere';
  else type = 'missed';
  const end = view.endedAt ?? Date.now();
  const ringEnd = view.answeredAt ?? end;
  const number = view.remote.user || view.remote.uri;
  const name = view.contact?.name ?? view.remote.displayName ?? '';
  return {
    direction: view.direction,
    type,
    remoteNumber: number,
    remoteName: name,
    startedAt: view.createdAt,
    ringMs: Math.max(0, ringEnd - view.createdAt),
    talkMs: answered ? Math.max(0, end - view.answeredAt!) : 0,
    line: view.line,
    transferTarget: view.transfer?.target ?? null,
    account: view.accountId,
    answeredAt: view.answeredAt ?? null,
    endedAt: view.endedAt ?? null,
    endReason: reason,
  };
}

function toHistoryView(e: HistoryEntry): HistoryEntryView {
  return {
    id: e.id,
    direction: e.direction,
    type: e.type,
    remoteNumber: e.remoteNumber,
    remoteName: e.remoteName,
    startedAt: e.startedAt,
    answeredAt: e.answeredAt,
    endedAt: e.endedAt,
    ringMs: e.ringMs,
    talkMs: e.talkMs,
    line: e.line,
    transferTarget: e.transferTarget,
    endReason: e.endReason,
  };
}

function toContactInput(c: ContactInputView): ContactInput {
  return {
    ...(c.name !== undefined && { name: c.name }),
    ...(c.firstName !== undefined && { firstName: c.firstName }),
    ...(c.lastName !== undefined && { lastName: c.lastName }),
    ...(c.company !== undefined && { company: c.company }),
    ...(c.department !== undefined && { department: c.department }),
    ...(c.title !== undefined && { title: c.title }),
    ...(c.notes !== undefined && { notes: c.notes }),
    ...(c.favorite !== undefined && { favorite: c.favorite }),
    phones: c.phones ?? [],
    emails: c.emails ?? [],
  };
}

const b64 = (b: Buffer) => b.toString('base64');

/** The values of an import refusal's text (`contacts.importError.<code>`, translated by the renderer). */
function importErrorParams(e: ImportError): Readonly<Record<string, string | number>> {
  switch (e.code) {
    case 'formula':
      return { row: e.row ?? 0 };
    case 'too-many-rows':
      return { limit: IMPORT_LIMITS.maxRecords };
    case 'too-large':
      return { size: IMPORT_LIMITS.maxFileBytes / 1024 / 1024 };
    default:
      return {};
  }
}

/** A company refresh failure in the receptionist's words (`contacts.companyError.<reason>`, issue 13 item 9). */
export function companyErrorKey(e: unknown, source: string): { key: string; params: Record<string, string | number> } {
  if (e instanceof CompanyShrinkError) return { key: 'contacts.companyError.shrunk', params: { found: e.found, cached: e.cached } };
  if (e instanceof LdapError) return { key: `contacts.companyError.${e.reason}`, params: { source } };
  if (isDiskFull(e)) return { key: 'contacts.companyError.disk-full', params: {} };
  return { key: 'contacts.companyError.other', params: { source } };
}

export class ContactsService implements ConsoleExtension {
  #config: DirectoriesConfig;
  /** Where the `directories` section came from: the launch provisioning file (it wins), the saved settings, or nowhere. */
  #configFrom: 'launch' | 'saved' | 'default';
  readonly #ready: Promise<DirectoryApi>;
  readonly #options: ContactsServiceOptions;
  #company: CompanyDirectorySource | undefined;
  #broadcast: <E extends EventName>(event: E, payload: Events[E]) => void = () => undefined;
  #host: ContactsHost | undefined;
  /** Messages raised before start(): delivered then. */
  #pending: [MessageLevel, string, Record<string, string | number>][] = [];
  #uploads = new Map<string, Upload>();
  /** Running exports by their `exportId` (contacts.exportCancel aborts one). */
  readonly #exports = new Map<string, AbortController>();
  #sync: {
    lastSyncAt?: number;
    lastError?: string;
    lastErrorAt?: number;
    /** The last error in the receptionist's words (issue 13 item 9: the Company tab shows it). */
    lastErrorKey?: string;
    lastErrorParams?: Record<string, string | number>;
    running?: Promise<void>;
    /** The running refresh's progress and its cancel (the receptionist's, or the console stopping). */
    progress?: CompanySyncProgress;
    cancel?: AbortController;
    refused?: boolean;
  } = {};
  #timer: NodeJS.Timeout | undefined;
  /** Cancels a running company refresh when the console stops (quitting does not wait for a slow LDAP server). */
  readonly #stopping = new AbortController();
  #stopped = false;
  /** History rows still being written: stop() waits for them before it closes the database. */
  readonly #pendingHistory = new Set<Promise<void>>();
  #diskFullReportedAt = 0;
  /** Timeline and quality samples of live and just-ended calls (the history detail window). */
  readonly #recorder = new CallRecorder();
  /** issue 13 item 2 follow-up: the favorites list mirrored into the database (see linkFavorites). */
  #favorites: FavoritesList | undefined;
  #mirrorRun: Promise<void> | undefined;
  #mirrorDirty = false;

  constructor(options: ContactsServiceOptions) {
    this.#options = options;
    this.#config = options.config ?? DirectoriesConfigSchema.parse({});
    this.#configFrom = options.config ? 'launch' : 'default';
    this.#ready = this.#open();
    this.#ready.catch(() => undefined); // logged and reported in #open
    this.#startCompany();
  }

  /** The `directories` section in force. */
  get config(): DirectoriesConfig {
    return this.#config;
  }

  /** The underlying directory service, in process (unit tests reach its database); see storage() with the worker. */
  async directory(): Promise<DirectoryService> {
    const svc = await this.#db();
    if (!(svc instanceof DirectoryService)) throw new Error('The contacts database is in the storage worker: use storage()');
    return svc;
  }

  /** The directory service as the console uses it: DirectoryService in process, DirectoryClient with the storage worker. */
  storage(): Promise<DirectoryApi> {
    return this.#db();
  }

  bind(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void {
    this.#broadcast = broadcast;
  }

  /** Wired to the console: problems found so far (a database set aside at open…) are told now. */
  start(host: ContactsHost): void {
    this.#host = host;
    for (const [level, key, params] of this.#pending.splice(0)) host.messages.add(level, key, params);
    // The saved favorites are loaded by now (both hosts provision before starting us): mirror them.
    this.favoritesChanged();
  }

  /**
   * issue 13 item 2 follow-up: the favorites list is the single source of truth. Its extensions are mirrored into
   * `contacts.favorite` and the FTS `fav` flag (contacts whose extension, per contact-extension.ts, is on the list),
   * so search ranks them first and the Favorites list shows them; `contacts.favorite` stars through the list.
   * Without a link (tests of the contacts service alone) the database flag is the favorite, as before.
   */
  linkFavorites(list: FavoritesList): void {
    this.#favorites = list;
  }

  /**
   * The favorites list changed (or contacts did): re-mirror it, off the hot path — coalesced, after the current
   * turn of the event loop, in one transaction. Before start() nothing runs: start() mirrors the provisioned list.
   */
  favoritesChanged(): void {
    if (!this.#favorites || !this.#host || this.#stopped) return;
    this.#mirrorDirty = true;
    this.#mirrorRun ??= this.#runMirror();
  }

  /** Resolves when the mirror has caught up with the list (tests; stop()). */
  async favoritesMirrored(): Promise<void> {
    while (this.#mirrorRun) await this.#mirrorRun;
  }

  async #runMirror(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#mirrorDirty && !this.#stopped && this.#favorites) {
        this.#mirrorDirty = false;
        const svc = await this.#db();
        const changed = await svc.mirrorFavorites(this.#favorites.extensions().map((e) => e.trim()));
        if (changed > 0 && !this.#stopped) this.#broadcast('contacts.changed', {});
      }
    } catch (e) {
      this.#log('warn', `favorites: mirroring into the contacts database: ${String(e)}`);
      if (isDiskFull(e)) this.#reportDiskFull();
    } finally {
      this.#mirrorRun = undefined;
    }
  }

  /**
   * issue 13 item 2: one notion of favorite — the monitored favorites kept in the settings (presence-service.ts).
   * Contacts starred in this database by an earlier version are handed over (name and numbers); `done()` clears
   * their star here once the favorites are saved, so nothing is lost if the hand-over is interrupted.
   */
  async takeStarredContacts(): Promise<{ contacts: { name: string; phones: { type: string; number: string }[] }[]; done: () => Promise<void> }> {
    const svc = await this.#db();
    // Migration 0005 moved the old stars to `starred_handover` (once: nothing adds to it again), so `contacts.favorite`,
    // now the favorites mirror, is never read back as a star, and a favorite removed later cannot come back.
    const { ids, contacts: starred } = await svc.takeStarred();
    return {
      contacts: starred.map((c) => ({ name: c.name, phones: c.phones.map((p) => ({ type: p.type, number: p.number })) })),
      done: () => svc.clearStarred(ids),
    };
  }

  /** The saved settings' `directories` section (a launch provisioning file's own section wins and stays). */
  provision(p: Provisioning): void {
    if (this.#configFrom === 'launch' || !p.directories || this.#stopped) return;
    const before = this.#config;
    // The country is read at each lookup and write (DirectoryService), so it applies at once.
    this.#config = p.directories;
    this.#configFrom = 'saved';
    if (this.#options.companySource === undefined && JSON.stringify(before.ldap) !== JSON.stringify(p.directories.ldap)) {
      this.#stopCompany();
      this.#startCompany();
    }
  }

  /** The `directories` section is saved with the settings, so a launch without the provisioning file keeps it. */
  persisted(): Partial<Pick<Provisioning, 'directories'>> {
    return this.#configFrom === 'default' ? {} : { directories: this.#config };
  }

  // ───────────────────────────── issue 13 item 9: Delete all data, About ─────────────────────────────

  /** The database part of "Delete all data" (data-erasure.ts): every contact and history row, in one transaction. */
  erasePart(): ErasablePart {
    return {
      name: 'contacts',
      prepare: async () => (await this.#db()).prepareErasure(),
    };
  }

  /**
   * After "Delete all data": what the receptionist saved is forgotten (a launch provisioning file's directories
   * stay: the administrator's), imports in progress dropped, the freed pages scrubbed; the company copy is fetched
   * again when a directory is configured, as at first start.
   */
  async forget(): Promise<void> {
    for (const u of this.#uploads.values()) u.abort?.abort();
    this.#uploads.clear();
    this.#sync = this.#sync.running ? { running: this.#sync.running } : {};
    if (this.#configFrom !== 'launch') {
      this.#stopCompany();
      this.#config = DirectoriesConfigSchema.parse({});
      this.#configFrom = 'default';
    }
    const svc = await this.#db();
    await svc.scrub().catch((e: unknown) => this.#log('warn', `delete all data: scrubbing the database: ${String(e)}`));
    this.#broadcast('contacts.changed', {});
    if (this.#company) void this.refreshCompany();
  }

  /** The SQLite library actually linked (About). */
  async sqliteVersion(): Promise<string | undefined> {
    const svc = await this.#db().catch(() => undefined);
    return svc?.sqliteVersion().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#stopping.abort();
    await this.#sync.running?.catch(() => undefined);
    await this.favoritesMirrored();
    // Calls that ended while the console stops (the goodbye 486/BYE) still get their history row.
    await Promise.allSettled([...this.#pendingHistory]);
    await this.#company?.close().catch(() => undefined);
    const svc = await this.#ready.catch(() => undefined);
    await svc?.close().catch(() => undefined);
  }

  #startCompany(): void {
    this.#company = this.#options.companySource ?? (this.#config.ldap ? new LdapCompanySource(this.#config.ldap) : undefined);
    if (!this.#company) return;
    // The local copy answers at once; the refresh runs beside it and on a schedule.
    void this.refreshCompany();
    const minutes = this.#config.ldap?.refreshMinutes ?? 0;
    if (minutes > 0) {
      this.#timer = setInterval(() => void this.refreshCompany(), minutes * 60_000);
      this.#timer.unref?.();
    }
  }

  #stopCompany(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const old = this.#company;
    this.#company = undefined;
    old?.close().catch(() => undefined);
  }

  #db(): Promise<DirectoryApi> {
    return this.#ready;
  }

  async #open(): Promise<DirectoryApi> {
    const { dbPath, storageWorker } = this.#options;
    const defaultCountry = () => this.#config.defaultCountry as CountryCode;
    const open = (path: string, recover: boolean): Promise<DirectoryApi> =>
      storageWorker
        ? DirectoryClient.open({
            dbPath: path,
            defaultCountry,
            recover,
            ...(typeof storageWorker === 'object' && storageWorker.workerFile && { workerFile: storageWorker.workerFile }),
            logger: { error: (m) => this.#log('error', m) },
          })
        : DirectoryService.open({ dbPath: path, defaultCountry, recover });
    try {
      const svc = await open(dbPath, true);
      const aside = svc.setAside;
      if (aside) {
        this.#log('error', `contacts database ${dbPath}: ${aside.detail}; kept as ${aside.keptIn}, a new one was created`);
        this.#report('error', aside.reason === 'newer' ? 'contacts.dbNewer' : 'contacts.dbDamaged', { file: aside.keptIn, detail: aside.detail });
      }
      return svc;
    } catch (e) {
      this.#log('error', `contacts database ${dbPath}: ${String(e)}`);
      if (dbPath === ':memory:') throw e;
      // Contacts, caller lookup and history keep working for this session; the receptionist knows they are not saved.
      const detail = (e instanceof Error ? e.message : String(e)).replace(/^Cannot open the database .*?: /, '').slice(0, 200);
      this.#report('error', 'contacts.dbUnavailable', { file: dbPath, detail });
      return open(':memory:', false);
    }
  }

  #report(level: MessageLevel, key: string, params: Record<string, string | number>): void {
    if (this.#host) this.#host.messages.add(level, key, params);
    else this.#pending.push([level, key, params]);
  }

  /** The disk is full: said once a minute at most (every ended call would repeat it). */
  #reportDiskFull(): void {
    const now = Date.now();
    if (now - this.#diskFullReportedAt < 60_000) return;
    this.#diskFullReportedAt = now;
    this.#report('error', 'contacts.diskFull', {});
  }

  // ───────────────────────────── calls ─────────────────────────────

  async lookupCaller(call: CallView): Promise<CallContactView | undefined> {
    return this.lookupNumber(call.remote.user);
  }

  /** The directory entry for a number (a call's party, a caller waiting in a queue). */
  async lookupNumber(number: string): Promise<CallContactView | undefined> {
    if (!number || !/\d/.test(number)) return undefined;
    const svc = await this.#db();
    const hit = await svc.lookupNumber(number);
    if (!hit) return undefined;
    return {
      id: hit.id,
      name: hit.name,
      ...(hit.company && { company: hit.company }),
      directory: hit.directory.name,
      directoryKind: hit.directory.kind,
    };
  }

  /** Every `call.changed` view: the call's timeline grows from the differences. */
  callChanged(call: CallView): void {
    this.#recorder.changed(call, Date.now());
  }

  callEnded(call: CallView, context: { readonly pickupPrefix: string }): void {
    const entry = historyEntryFromCall(call, context);
    const record = this.#recorder.end(call, Date.now());
    const write = this.#db()
      .then(async (svc) => {
        const id = await svc.addHistory(entry);
        record.historyId = id;
        await this.#saveDetails(record);
        const saved = await svc.getHistory(id);
        if (saved && !this.#stopped) this.#broadcast('history.added', toHistoryView(saved));
      })
      .catch((e: unknown) => {
        this.#log('error', `history ${call.id}: ${String(e)}`);
        if (isDiskFull(e)) this.#reportDiskFull();
      })
      .finally(() => this.#pendingHistory.delete(write));
    this.#pendingHistory.add(write);
  }

  async #saveDetails(record: CallRecord): Promise<void> {
    if (record.historyId === undefined) return;
    const svc = await this.#db();
    await svc.saveHistoryDetails(record.historyId, { timeline: record.timeline, quality: record.quality });
  }

  // ───────────────────────────── company directory ─────────────────────────────

  /**
   * Copy the company directory from LDAP into SQLite; on failure the previous copy stays and answers. A result that
   * would empty or gut the copy is not applied (ldap.minRefreshRatio) and is reported, unless `force` (the
   * administrator knows the directory shrank).
   */
  refreshCompany(options: { readonly force?: boolean } = {}): Promise<void> {
    const source = this.#company;
    if (!source) return Promise.resolve();
    if (this.#sync.running) return this.#sync.running;
    const cancel = new AbortController();
    const stopping = (): void => cancel.abort();
    this.#stopping.signal.addEventListener('abort', stopping, { once: true });
    const run = (async () => {
      try {
        const svc = await this.#db();
        const r = await svc.syncCompany(source, {
          minRatio: this.#config.ldap?.minRefreshRatio ?? 0.5,
          force: options.force === true,
          signal: cancel.signal,
          onProgress: (p) => (this.#sync.progress = p),
        });
        this.#sync.lastSyncAt = Date.now();
        delete this.#sync.lastError;
        delete this.#sync.lastErrorAt;
        delete this.#sync.lastErrorKey;
        delete this.#sync.lastErrorParams;
        this.#sync.refused = false;
        this.#log('info', `company directory: ${r.inserted} new, ${r.updated} updated, ${r.removed} removed from ${source.label}`);
        if (!this.#stopped) this.#broadcast('contacts.changed', { directoryKind: 'company' });
        this.favoritesChanged(); // new or changed colleagues whose extension is a favorite
      } catch (e) {
        if (cancel.signal.aborted && e instanceof StorageError && e.code === 'aborted') {
          // Cancelled (by her, or the console stopping): not a failure of the server; the copy is as it was.
          this.#log('info', `company directory refresh cancelled: the local copy of ${source.label} was kept`);
          return;
        }
        this.#sync.lastError = e instanceof Error ? e.message : String(e);
        this.#sync.lastErrorAt = Date.now();
        const said = companyErrorKey(e, source.label);
        this.#sync.lastErrorKey = said.key;
        this.#sync.lastErrorParams = said.params;
        this.#log('warn', `company directory refresh failed: ${this.#sync.lastError}`);
        if (e instanceof CompanyShrinkError) {
          // Once per episode: the hourly refresh would repeat it while the server keeps answering short.
          if (!this.#sync.refused) this.#report('warning', 'contacts.companyShrunk', { count: e.found, found: e.found, cached: e.cached, source: source.label });
          this.#sync.refused = true;
        } else if (isDiskFull(e)) this.#reportDiskFull();
      } finally {
        this.#stopping.signal.removeEventListener('abort', stopping);
        this.#sync.running = undefined;
        this.#sync.progress = undefined;
        this.#sync.cancel = undefined;
      }
    })();
    this.#sync.running = run;
    this.#sync.cancel = cancel;
    return run;
  }

  /** Stops the running refresh (between two pages or write batches): the local copy is left as it was. */
  async cancelCompanyRefresh(): Promise<void> {
    const running = this.#sync.running;
    this.#sync.cancel?.abort();
    await running?.catch(() => undefined);
  }

  async companyStatus(): Promise<CompanySyncView> {
    const svc = await this.#db();
    const dir = await svc.ensureDirectory('company', 'Company');
    return {
      configured: this.#company !== undefined,
      ...(this.#company && { label: this.#company.label }),
      ...(this.#sync.lastSyncAt !== undefined && { lastSyncAt: this.#sync.lastSyncAt }),
      ...(this.#sync.lastError !== undefined && { lastError: this.#sync.lastError }),
      ...(this.#sync.lastErrorAt !== undefined && { lastErrorAt: this.#sync.lastErrorAt }),
      ...(this.#sync.lastErrorKey !== undefined && { lastErrorKey: this.#sync.lastErrorKey, lastErrorParams: { ...this.#sync.lastErrorParams } }),
      ...(this.#sync.running !== undefined && { refreshing: true }),
      ...(this.#sync.running !== undefined && this.#sync.progress && { progress: { ...this.#sync.progress } }),
      count: await svc.countContacts(dir.id),
    };
  }

  // ───────────────────────────── views ─────────────────────────────

  async #view(svc: DirectoryApi, contacts: readonly Contact[], positions?: ReadonlyMap<number, number>): Promise<ContactView[]> {
    const dirs = new Map((await svc.listDirectories()).map((d) => [d.id, d]));
    return contacts.flatMap((c) => {
      const d = dirs.get(c.directoryId);
      if (!d) return [];
      const position = positions?.get(c.id);
      const view: ContactView = {
        id: c.id,
        directory: { id: d.id, kind: d.kind, name: d.name },
        name: c.name,
        firstName: c.firstName,
        lastName: c.lastName,
        company: c.company,
        department: c.department,
        title: c.title,
        notes: c.notes,
        favorite: c.favorite,
        phones: c.phones.map((p) => ({ type: p.type, number: p.number, e164: p.e164 })),
        emails: [...c.emails],
        ...(position !== undefined && { speedDial: position }),
      };
      return [view];
    });
  }

  /** The directory a command names by id, or by kind (the built-in one of that kind; undefined when there is none). */
  async #directoryOf(svc: DirectoryApi, directoryId: number | undefined, kind: DirectoryKind | undefined, command: string): Promise<number | undefined> {
    if (directoryId !== undefined) return directoryId;
    if (!kind) throw new CommandFailure('bad-request', `${command}: give a directoryId or a kind`, 'error.badValue', { field: 'directoryId' });
    return (await svc.listDirectories()).find((d) => d.kind === kind)?.id;
  }

  async #contact(svc: DirectoryApi, id: number): Promise<{ contact: Contact; directory: Directory }> {
    const contact = await svc.getContact(id);
    const directory = contact && (await svc.getDirectory(contact.directoryId));
    if (!contact || !directory) throw new CommandFailure('not-found', 'This contact no longer exists', 'error.contactGone');
    return { contact, directory };
  }

  #changed(kind: DirectoryKindName): void {
    this.#broadcast('contacts.changed', { directoryKind: kind });
    this.favoritesChanged(); // a created, edited or imported contact may carry a favorite's extension
  }

  #upload(id: string): Upload {
    const u = this.#uploads.get(id);
    if (!u) throw new CommandFailure('not-found', 'The file to import is no longer available: choose it again', 'error.importUploadGone');
    return u;
  }

  #expireUploads(): void {
    const now = Date.now();
    for (const [id, u] of this.#uploads) if (now - u.startedAt > UPLOAD_TTL_MS) this.#uploads.delete(id);
  }

  /** Expected import failures (binary file, wrong delimiter, formula cells…) become a clear message. */
  async #importGuard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ImportError) {
        throw new CommandFailure(e.code === 'cancelled' ? 'invalid-state' : 'bad-request', e.message, `contacts.importError.${e.code}`, importErrorParams(e));
      }
      if (isDiskFull(e)) {
        // The import is one transaction: it was rolled back, the contacts already there are untouched.
        this.#reportDiskFull();
        throw new CommandFailure(
          'internal',
          'The disk is full: nothing was imported and your contacts are unchanged. Free some disk space and try again.',
          'error.importDiskFull',
        );
      }
      if (e instanceof StorageError) throw new CommandFailure('internal', e.message, 'error.storage');
      throw e;
    }
  }

  /**
   * An export (contacts or history) with its cancel and, given an `exportId`, its progress to the windows
   * (`contacts.exportProgress`, at most every 100 ms, the first and the last always); cancelled (contacts.exportCancel)
   * it fails with `contacts.exportCancelled`. Registered before its first await: a cancel sent right after the
   * request finds it.
   */
  async #exporting<T>(exportId: string | undefined, run: (opts: ExportOptions) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    if (exportId !== undefined) {
      if (this.#exports.has(exportId) || this.#exports.size >= MAX_EXPORTS) {
        throw new CommandFailure('invalid-state', 'An export is already running: wait for it or cancel it', 'contacts.exportBusy');
      }
      this.#exports.set(exportId, abort);
    }
    let lastSent = 0;
    try {
      return await run({
        signal: abort.signal,
        ...(exportId !== undefined && {
          onProgress: (done: number, total: number) => {
            const now = Date.now();
            if (now - lastSent < 100 && done !== total && done !== 0) return;
            lastSent = now;
            this.#broadcast('contacts.exportProgress', { exportId, done, total });
          },
        }),
      });
    } catch (e) {
      if (abort.signal.aborted) throw new CommandFailure('invalid-state', 'The export was cancelled: no file was saved', 'contacts.exportCancelled');
      throw e;
    } finally {
      if (exportId !== undefined && this.#exports.get(exportId) === abort) this.#exports.delete(exportId);
    }
  }

  // ───────────────────────────── commands ─────────────────────────────

  readonly handlers: ConsoleExtension['handlers'] = {
    'contacts.search': async ({ query, limit, directoryIds, kind }) => {
      const svc = await this.#db();
      let dirs = directoryIds;
      if (kind) {
        // A directory tab's filter: its directories (no count of every directory at each keystroke).
        const ofKind = (await svc.listDirectories()).filter((d) => d.kind === kind && (!directoryIds || directoryIds.includes(d.id)));
        if (!ofKind.length) return [];
        dirs = ofKind.map((d) => d.id);
      }
      const hits = await svc.search(query, { limit: limit ?? 20, ...(dirs && { directoryIds: dirs }) });
      const views = await this.#view(svc, hits.map((h) => h.contact));
      const out = views.map((contact, i) => ({ contact, matchedOn: hits[i]!.matchedOn }));
      // A speed-dial code ("7") finds its key first.
      const code = /^\d{1,2}$/.test(query.trim()) ? Number(query.trim()) : undefined;
      if (code !== undefined) {
        const key = (await svc.speedDials()).find((s) => s.position === code);
        if (key) {
          const [view] = await this.#view(svc, [key.contact], new Map([[key.contact.id, code]]));
          if (view) return [{ contact: view, matchedOn: 'extension' as const }, ...out.filter((h) => h.contact.id !== view.id)];
        }
      }
      return out;
    },
    'contacts.directories': async () => {
      const svc = await this.#db();
      const dirs = await svc.listDirectories();
      return Promise.all(dirs.map(async (d) => ({ id: d.id, kind: d.kind, name: d.name, count: await svc.countContacts(d.id) })));
    },
    'contacts.count': async ({ directoryId, kind }) => {
      const svc = await this.#db();
      const id = await this.#directoryOf(svc, directoryId, kind, 'contacts.count');
      return id === undefined ? 0 : svc.countContacts(id);
    },
    'contacts.list': async ({ directoryId, kind, favorites, limit, afterId }) => {
      const svc = await this.#db();
      const page = { limit: limit ?? 200, ...(afterId !== undefined && { afterId }) };
      if (favorites) {
        return this.#view(svc, await svc.listFavorites(page));
      }
      const id = await this.#directoryOf(svc, directoryId, kind, 'contacts.list');
      return id === undefined ? [] : this.#view(svc, await svc.listContacts(id, page));
    },
    'contacts.get': async ({ id }) => {
      const svc = await this.#db();
      const { contact } = await this.#contact(svc, id);
      return (await this.#view(svc, [contact]))[0]!;
    },
    'contacts.create': async ({ contact }) => {
      const svc = await this.#db();
      const input = toContactInput(contact);
      if (!input.name?.trim() && !input.firstName?.trim() && !input.lastName?.trim() && !input.company?.trim()) {
        throw new CommandFailure('bad-request', 'A contact needs a name or a company', 'error.contactNeedsName');
      }
      const dir = await svc.ensureDirectory('personal', 'Personal');
      const created = await svc.createContact(dir.id, input);
      this.#changed('personal');
      return (await this.#view(svc, [created]))[0]!;
    },
    'contacts.update': async ({ id, contact }) => {
      const svc = await this.#db();
      const { directory } = await this.#contact(svc, id);
      if (!EDITABLE.has(directory.kind)) {
        throw new CommandFailure('invalid-state', `Contacts of the ${directory.name} directory cannot be edited here`, 'error.directoryReadOnly', { directory: directory.name });
      }
      const updated = await svc.updateContact(id, toContactInput(contact));
      if (!updated) throw new CommandFailure('not-found', 'This contact no longer exists', 'error.contactGone');
      this.#changed(directory.kind);
      return (await this.#view(svc, [updated]))[0]!;
    },
    'contacts.delete': async ({ id }) => {
      const svc = await this.#db();
      const { directory } = await this.#contact(svc, id);
      if (!DELETABLE.has(directory.kind)) {
        throw new CommandFailure(
          'invalid-state',
          `Contacts of the ${directory.name} directory are managed by the administrator`,
          'error.directoryManaged',
          { directory: directory.name },
        );
      }
      await svc.deleteContact(id);
      this.#changed(directory.kind);
    },
    'contacts.favorite': async ({ id, favorite }) => {
      const svc = await this.#db();
      const { contact, directory } = await this.#contact(svc, id);
      const list = this.#favorites;
      if (list) {
        // One notion of favorite: starring a contact makes its extension a monitored favorite (the mirror follows).
        const extension = contactExtension(contact);
        if (!extension) throw new CommandFailure('invalid-state', `${contact.name} has no extension to monitor`, 'error.favoriteNoExtension', { name: contact.name });
        if (favorite) list.add(extension, contact.name);
        else list.remove(extension);
        return;
      }
      await svc.setFavorite(id, favorite);
      this.#changed(directory.kind);
    },
    'contacts.speedDials': async () => {
      const svc = await this.#db();
      const keys = await svc.speedDials();
      return this.#view(svc, keys.map((k) => k.contact), new Map(keys.map((k) => [k.contact.id, k.position])));
    },
    'contacts.setSpeedDial': async ({ position, name, number }) => {
      const svc = await this.#db();
      const dir = await svc.ensureDirectory('speed-dial', 'Speed dial');
      const existing = (await svc.speedDials(dir.id)).find((k) => k.position === position);
      const input: ContactInput = { name, phones: [{ type: 'other', number }] };
      const contact = existing ? await svc.updateContact(existing.contact.id, input) : await svc.createContact(dir.id, input);
      if (!contact) throw new CommandFailure('not-found', 'This speed-dial key no longer exists', 'error.speedDialGone');
      await svc.setSpeedDialPosition(contact.id, position);
      this.#changed('speed-dial');
      return (await this.#view(svc, [contact], new Map([[contact.id, position]])))[0]!;
    },
    'contacts.clearSpeedDial': async ({ position }) => {
      const svc = await this.#db();
      const key = (await svc.speedDials()).find((k) => k.position === position);
      if (key) await svc.deleteContact(key.contact.id);
      this.#changed('speed-dial');
    },
    'contacts.queues': () => this.config.queues.map((q) => ({ name: q.name, number: q.number })),
    'contacts.importChunk': ({ uploadId, fileName, size, data }) => {
      this.#expireUploads();
      let id = uploadId;
      if (id === undefined) {
        if (this.#uploads.size >= MAX_UPLOADS) throw new CommandFailure('too-large', 'Too many imports in progress: finish or cancel one first', 'error.importTooMany');
        if (size !== undefined && size > MAX_IMPORT_BYTES) {
          throw new CommandFailure('too-large', 'The file is too large to import', 'error.importTooLarge', { size: MAX_IMPORT_BYTES / 1024 / 1024 });
        }
        id = randomUUID();
        this.#uploads.set(id, { fileName: fileName ?? 'contacts', chunks: [], size: 0, startedAt: Date.now() });
      }
      const u = this.#upload(id);
      const chunk = Buffer.from(data, 'base64');
      if (u.size + chunk.length > MAX_IMPORT_BYTES) {
        this.#uploads.delete(id);
        throw new CommandFailure('too-large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: this is not a contacts export`, 'error.importTooLarge', {
          size: MAX_IMPORT_BYTES / 1024 / 1024,
        });
      }
      u.chunks.push(chunk);
      u.size += chunk.length;
      return { uploadId: id, received: u.size };
    },
    'contacts.importPreview': ({ uploadId, limit }) =>
      this.#importGuard(async () => {
        const u = this.#upload(uploadId);
        // Parsed by the storage worker (kept there for the commit), not on this loop.
        const p = await (await this.#db()).previewImportBuffer(Buffer.concat(u.chunks), limit ?? 10);
        const view: ImportPreviewView = {
          uploadId,
          format: p.format,
          encoding: p.encoding,
          total: p.total,
          valid: p.valid,
          skipped: p.skipped.slice(0, 200).map((s) => ({ row: s.row, reason: s.reason })),
          sample: p.sample.map((c) => ({
            name: c.name ?? `${c.firstName ?? ''} ${c.lastName ?? ''}`.trim(),
            company: c.company ?? '',
            phones: (c.phones ?? []).map((x) => ({ type: x.type, number: x.number })),
            emails: [...(c.emails ?? [])],
          })),
        };
        return view;
      }),
    'contacts.importCommit': ({ uploadId, directory }) =>
      this.#importGuard(async () => {
        const u = this.#upload(uploadId);
        const svc = await this.#db();
        const dir = await svc.ensureDirectory(directory, directory === 'outlook' ? 'Outlook' : 'Personal');
        let lastSent = 0;
        if (u.abort) throw new CommandFailure('invalid-state', 'This file is already being imported', 'error.importTooMany');
        const abort = (u.abort = new AbortController());
        const report = await svc.importBuffer(Buffer.concat(u.chunks), dir.id, {
          signal: abort.signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - lastSent < 100 && p.done !== p.total) return;
            lastSent = now;
            this.#broadcast('contacts.importProgress', { uploadId, phase: p.phase, done: p.done, total: p.total });
          },
        }).finally(() => {
          if (u.abort === abort) delete u.abort;
        });
        this.#uploads.delete(uploadId);
        this.#changed(dir.kind);
        return {
          inserted: report.inserted,
          updated: report.updated,
          skipped: report.skipped.slice(0, 200).map((s) => ({ row: s.row, reason: s.reason })),
          directory: dir.name,
        };
      }),
    'contacts.importCancel': ({ uploadId }) => {
      this.#uploads.get(uploadId)?.abort?.abort(); // a running commit stops and rolls back (contacts.importError.cancelled)
      this.#uploads.delete(uploadId);
    },
    'contacts.export': ({ directoryId, directory, exportId }) =>
      this.#exporting(exportId, async (opts) => {
        const svc = await this.#db();
        const dir =
          directoryId !== undefined ? await svc.getDirectory(directoryId) : await svc.ensureDirectory(directory ?? 'personal', directory === 'outlook' ? 'Outlook' : 'Personal');
        if (!dir) throw new CommandFailure('not-found', 'This directory no longer exists', 'error.directoryGone');
        const csv = await svc.exportContactsCsv(dir.id, opts);
        return { fileName: `${dir.name.replace(/[^\p{L}\p{N} _-]+/gu, '')}.csv`, data: b64(csv), count: await svc.countContacts(dir.id) };
      }),
    'contacts.exportCancel': ({ exportId }) => {
      this.#exports.get(exportId)?.abort(); // the export stops before its next page and fails with contacts.exportCancelled
    },
    'contacts.companyStatus': () => this.companyStatus(),
    'contacts.companyRefresh': async () => {
      await this.refreshCompany();
      return this.companyStatus();
    },
    'contacts.companyCancel': async () => {
      await this.cancelCompanyRefresh();
      return this.companyStatus();
    },
    'history.list': async ({ types, direction, text, limit, beforeId }) => {
      const svc = await this.#db();
      const rows = await svc.queryHistory({
        ...(types && { types }),
        ...(direction && { direction }),
        ...(text && { text }),
        ...(beforeId !== undefined && { beforeId }),
        limit: limit ?? 100,
      });
      return rows.map(toHistoryView);
    },
    'history.delete': async (target) => {
      const svc = await this.#db();
      const deleted = await svc.deleteHistory('all' in target ? { all: true } : { ids: target.ids });
      // Every window's lists follow (another window showing the history reloads it; issue 13 item 9).
      if (deleted > 0) this.#broadcast('contacts.changed', {});
      return { deleted };
    },
    'call.quality': ({ callId, samples }) => {
      const record = this.#recorder.quality(callId, samples, Date.now());
      if (!record) throw new CommandFailure('not-found', `No call ${callId.slice(0, 64)}`, 'error.callGone');
      // Samples that arrive after the call's history row was written top it up.
      if (record.historyId !== undefined) {
        this.#saveDetails(record).catch((e: unknown) => this.#log('warn', `call quality ${record.historyId}: ${String(e)}`));
      }
    },
    'history.detail': async ({ id }) => {
      const svc = await this.#db();
      const entry = await svc.getHistory(id);
      if (!entry) throw new CommandFailure('not-found', 'This call is no longer in the history', 'error.historyGone');
      const details = await svc.historyDetails(id);
      const view: HistoryDetailView = {
        entry: toHistoryView(entry),
        timeline: details.timeline
          .filter((e) => (TIMELINE_EVENT_KINDS as readonly string[]).includes(e.kind))
          .map((e) => ({ at: e.at, kind: e.kind as TimelineEventKind, ...(typeof e.detail === 'string' && { detail: e.detail }) })),
        quality: details.quality,
      };
      return view;
    },
    'history.export': ({ exportId }) =>
      this.#exporting(exportId, async (opts) => {
        const csv = await (await this.#db()).exportHistoryCsv(undefined, opts);
        return { fileName: 'call-history.csv', data: b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv, 'utf8')])) };
      }),
  };

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#options.logger?.[level](message);
  }
}

/**
 * One transaction: `contacts.favorite` and the FTS `fav` flag set on the contacts whose extension (contact-extension.ts)
 * is in `extensions`, cleared on every other. Only the candidates are read — contacts flagged now and contacts with a
 * phone equal to a favorite (indexed national digits; the raw form for dial strings with letters or `*#`) — and only
 * the rows that differ are written. Returns how many changed.
 */
export function mirrorFavorites(svc: DirectoryApi, extensions: ReadonlySet<string>): Promise<number> {
  return svc.mirrorFavorites([...extensions]);
}

/** The `directories` section of a provisioning file, or undefined (a broken file is reported by the host itself). */
export function directoriesFromProvisioningFile(path: string | undefined): DirectoriesConfig | undefined {
  if (!path) return undefined;
  try {
    return loadProvisioningFile(path).directories;
  } catch {
    return undefined;
  }
}
