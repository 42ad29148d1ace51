/**
 * The console's side of the storage worker (directory-worker.ts): the directory service's methods (DirectoryApi), each
 * one message round trip to the thread that owns the database. Errors come back as the same classes with the same
 * codes (ImportError, StorageError, CompanyShrinkError, LdapError…); the progress of an import or a company refresh
 * arrives as messages and its `signal` cancels it through a shared flag the worker reads between batches (rolled
 * back: nothing written). A worker that dies is logged and every waiting and later call fails with StorageError
 * `worker-stopped`, never hangs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js';
import { StorageError } from '../../../storage/db';
import type { PreparedDatabaseErasure } from '../../../storage/erase';
import type { SetAside } from '../../../storage/open-database';
import type { HistoryQuery } from '../../../storage/history-store';
import type { ContactInput } from '../../../storage/types';
import { fetchCompany, type CompanySyncOptions, type CompanySyncProgress, type DirectoryApi, type Result } from '../directory-service';
import type { CompanyDirectorySource } from '../company-source';
import type { ExportOptions, ImportOptions, ImportProgress, ImportReport, ProgressCallback } from '../import';
import { fromWire } from './errors';
import type { ExportProgress, FromWorker, ToWorker, WorkerInit } from './protocol';

export interface DirectoryClientOptions {
  readonly dbPath: string;
  /** Read before every operation; a change is sent to the worker first (the stores read it at each write). */
  readonly defaultCountry: CountryCode | (() => CountryCode);
  readonly recover?: boolean;
  /** The bundled worker (dist/directory-worker.js); found beside or above the running bundle by default. */
  readonly workerFile?: string;
  readonly logger?: { error(message: string): void };
}

/** dist/directory-worker.js from dist/web-host/cli.js, dist/electron/main.js (also inside app.asar) or dist/cli.js. */
export function defaultWorkerFile(): string {
  const candidates = [join(__dirname, 'directory-worker.js'), join(__dirname, '..', 'directory-worker.js')];
  return candidates.find((f) => existsSync(f)) ?? candidates[1]!;
}

type WorkerProgress = ImportProgress | CompanySyncProgress | ExportProgress;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: ((progress: WorkerProgress) => void) | undefined;
  /** An import's cancel flag (close() raises it: quitting does not wait for a 50,000-row import to finish). */
  cancel?: Int32Array | undefined;
}

type Method = keyof DirectoryApi;

export class DirectoryClient implements DirectoryApi {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #country: () => CountryCode;
  readonly #logger: DirectoryClientOptions['logger'];
  #sentCountry: CountryCode;
  #nextId = 1;
  /** Why the worker is gone (then every call fails at once with it). */
  #stopped: StorageError | undefined;
  #closing: Promise<void> | undefined;
  readonly #exited: Promise<void>;
  readonly setAside?: SetAside;

  private constructor(worker: Worker, country: () => CountryCode, sent: CountryCode, logger: DirectoryClientOptions['logger'], setAside: SetAside | undefined) {
    this.#worker = worker;
    this.#country = country;
    this.#sentCountry = sent;
    this.#logger = logger;
    if (setAside) this.setAside = setAside;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker) => this.#message(m));
    worker.on('error', (err) => this.#stop(`it failed: ${err.message}`));
    worker.on('exit', (code) => this.#stop(`it exited (code ${code})`));
  }

  /** Starts the worker, which opens, checks and migrates the database; rejects as DirectoryService.open would. */
  static open(options: DirectoryClientOptions): Promise<DirectoryClient> {
    const given = options.defaultCountry;
    const country = typeof given === 'function' ? given : () => given;
    const first = country();
    const init: WorkerInit = { dbPath: options.dbPath, recover: options.recover === true, defaultCountry: first };
    const worker = new Worker(options.workerFile ?? defaultWorkerFile(), { workerData: init, name: 'storage' });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        cleanup();
        void worker.terminate();
        reject(err);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') {
          cleanup();
          resolve(new DirectoryClient(worker, country, first, options.logger, m.setAside));
        } else if (m.type === 'open-failed') {
          fail(fromWire(m.error));
        }
      };
      const onError = (err: Error) => fail(new StorageError(`The storage worker could not start: ${err.message}`, 'worker-stopped', err));
      const onExit = (code: number) => fail(new StorageError(`The storage worker could not start (exit code ${code})`, 'worker-stopped'));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  #message(m: FromWorker): void {
    if (m.type === 'result') {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(fromWire(m.error));
    } else if (m.type === 'progress') {
      const p = this.#pending.get(m.id);
      try {
        p?.onProgress?.(m.progress);
      } catch (err) {
        this.#logger?.error(`storage worker: a progress listener failed: ${String(err)}`);
      }
    }
  }

  #stop(why: string): void {
    if (this.#stopped) return;
    const expected = this.#closing !== undefined && this.#pending.size === 0;
    this.#stopped = new StorageError(
      expected ? 'The contacts database is closed' : `The contacts database stopped working (the storage worker ${why})`,
      expected ? 'closed' : 'worker-stopped',
    );
    if (!expected) this.#logger?.error(`storage worker: ${why}; ${this.#pending.size} operation(s) failed`);
    for (const p of this.#pending.values()) p.reject(this.#stopped);
    this.#pending.clear();
  }

  #call<T, P extends WorkerProgress = ImportProgress>(
    method: string,
    args: readonly unknown[],
    extra: { onProgress?: ((progress: P) => void) | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#closing) return Promise.reject(new StorageError('The contacts database is closed', 'closed'));
    const country = this.#country();
    if (country !== this.#sentCountry) {
      this.#worker.postMessage({ type: 'country', value: country } satisfies ToWorker);
      this.#sentCountry = country;
    }
    const id = this.#nextId++;
    let cancel: SharedArrayBuffer | undefined;
    let flag: Int32Array | undefined;
    const { signal } = extra;
    if (signal || extra.onProgress) {
      cancel = new SharedArrayBuffer(4);
      const f = (flag = new Int32Array(cancel));
      if (signal?.aborted) Atomics.store(f, 0, 1);
      else signal?.addEventListener('abort', () => Atomics.store(f, 0, 1), { once: true });
    }
    return new Promise<T>((resolve, reject) => {
      // The worker sends the progress type of the operation it was asked for (P).
      const onProgress = extra.onProgress as ((progress: WorkerProgress) => void) | undefined;
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, cancel: flag });
      const msg: ToWorker = { type: 'call', id, method, args, ...(extra.onProgress && { progress: true }), ...(cancel && { cancel }) };
      this.#worker.postMessage(msg);
    });
  }

  #op<M extends Method>(method: M) {
    type F = Extract<DirectoryApi[M], (...a: never[]) => unknown>;
    return (...args: Parameters<F>) => this.#call<Awaited<ReturnType<F>>>(method, args);
  }

  readonly search = this.#op('search');
  readonly lookupNumber = this.#op('lookupNumber');
  readonly listDirectories = this.#op('listDirectories');
  readonly ensureDirectory = this.#op('ensureDirectory');
  readonly listContacts = this.#op('listContacts');
  readonly getContact = this.#op('getContact');
  readonly createContact = this.#op('createContact');
  readonly updateContact = this.#op('updateContact');
  readonly deleteContact = this.#op('deleteContact');
  readonly setFavorite = this.#op('setFavorite');
  readonly previewImportFile = this.#op('previewImportFile');
  /** The buffer is copied to the worker, which parses it there and keeps the parse for importBuffer. */
  readonly previewImportBuffer = this.#op('previewImportBuffer');
  readonly exportFile = this.#op('exportFile');
  readonly addHistory = this.#op('addHistory');
  readonly queryHistory = this.#op('queryHistory');
  readonly deleteHistory = this.#op('deleteHistory');
  readonly countContacts = this.#op('countContacts');
  readonly getDirectory = this.#op('getDirectory');
  readonly speedDials = this.#op('speedDials');
  readonly setSpeedDialPosition = this.#op('setSpeedDialPosition');
  readonly hydrate = this.#op('hydrate');
  readonly listFavorites = this.#op('listFavorites');
  readonly getHistory = this.#op('getHistory');
  readonly saveHistoryDetails = this.#op('saveHistoryDetails');
  readonly historyDetails = this.#op('historyDetails');
  readonly takeStarred = this.#op('takeStarred');
  readonly clearStarred = this.#op('clearStarred');
  readonly mirrorFavorites = this.#op('mirrorFavorites');
  readonly scrub = this.#op('scrub');
  readonly sqliteVersion = this.#op('sqliteVersion');

  /** Every matching call (or the newest `q.limit`); progress and cancel as exportContactsCsv. */
  exportHistoryCsv(q?: HistoryQuery, opts: ExportOptions = {}): Promise<string> {
    const { onProgress, signal } = opts;
    return this.#call<string, ExportProgress>('exportHistoryCsv', [q], { onProgress: onProgress && ((p) => onProgress(p.done, p.total)), signal });
  }

  /** Progress as the worker reads pages; `signal` stops it between two pages (it fails with an AbortError). */
  async exportContactsCsv(directoryId: number, opts: ExportOptions = {}): Promise<Buffer> {
    const { onProgress, signal } = opts;
    const data = await this.#call<Uint8Array, ExportProgress>('exportContactsCsv', [directoryId], {
      onProgress: onProgress && ((p) => onProgress(p.done, p.total)),
      signal,
    });
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** The report's `contacts` (every parsed row) stays in the worker: empty here. */
  importBuffer(data: Uint8Array, directoryId: number, opts: ImportOptions = {}): Promise<ImportReport> {
    // Always with a cancel flag (close() raises it), even without a signal. The buffer is copied to the worker (a few
    // ms at the 64 MB cap), not transferred: the caller's stays usable.
    return this.#call('importBuffer', [data, directoryId, { ...(opts.dryRun !== undefined && { dryRun: opts.dryRun }) }], {
      onProgress: opts.onProgress ?? (() => undefined),
      signal: opts.signal,
    });
  }

  /** The report's `contacts` stays in the worker: empty here. */
  importFile(file: string, directoryId: number, opts: { dryRun?: boolean; onProgress?: ProgressCallback; signal?: AbortSignal } = {}): Promise<Result<ImportReport>> {
    return this.#call('importFile', [file, directoryId, { ...(opts.dryRun !== undefined && { dryRun: opts.dryRun }) }], {
      onProgress: opts.onProgress ?? (() => undefined),
      signal: opts.signal,
    });
  }

  /**
   * Issue 14: a source the worker can rebuild (`workerSpec`: LDAP) is fetched, decoded and written there, with
   * progress and cancel (close() cancels it too); this loop only waits for the result. Any other source (tests'
   * fakes) is fetched here and written there.
   */
  async syncCompany(source: CompanyDirectorySource, options: CompanySyncOptions = {}): Promise<{ inserted: number; updated: number; removed: number }> {
    const { signal, onProgress } = options;
    const plain = { ...(options.minRatio !== undefined && { minRatio: options.minRatio }), ...(options.force !== undefined && { force: options.force }) };
    if (source.workerSpec) {
      return this.#call<{ inserted: number; updated: number; removed: number }, CompanySyncProgress>('syncCompany', [source.workerSpec, plain], {
        onProgress: onProgress ?? (() => undefined),
        signal,
      });
    }
    const entries = await fetchCompany(source, { ...(signal && { signal }), ...(onProgress && { onProgress }) });
    return this.replaceCompany(entries, { ...plain, ...(signal && { signal }), ...(onProgress && { onProgress }) });
  }

  /** The copy replaced in the worker (one transaction); `signal` and `onProgress` cross as a shared flag and messages. */
  replaceCompany(entries: readonly ContactInput[], options: Pick<CompanySyncOptions, 'minRatio' | 'force' | 'signal' | 'onProgress'> = {}): Promise<{ inserted: number; updated: number; removed: number }> {
    const plain = { ...(options.minRatio !== undefined && { minRatio: options.minRatio }), ...(options.force !== undefined && { force: options.force }) };
    return this.#call<{ inserted: number; updated: number; removed: number }, CompanySyncProgress>('replaceCompany', [entries, plain], {
      // Always with a cancel flag, as an import: close() rolls it back rather than wait.
      onProgress: options.onProgress ?? (() => undefined),
      signal: options.signal,
    });
  }

  async prepareErasure(): Promise<PreparedDatabaseErasure> {
    await this.#call('prepareErasure', []);
    return {
      commit: () => this.#call('commitErasure', []),
      rollback: () => this.#call('rollbackErasure', []),
    };
  }

  /** Lets the operations already sent finish, closes the database (WAL checkpointed) and ends the thread. */
  close(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#closing ??= (async () => {
      // A running import is cancelled (rolled back); the other operations already sent finish.
      for (const p of this.#pending.values()) if (p.cancel) Atomics.store(p.cancel, 0, 1);
      await Promise.allSettled([...this.#pending.values()].map((p) => new Promise<void>((r) => {
        const { resolve, reject } = p;
        p.resolve = (v) => (resolve(v), r());
        p.reject = (e) => (reject(e), r());
      })));
      this.#worker.postMessage({ type: 'close' } satisfies ToWorker);
      const timer = setTimeout(() => void this.#worker.terminate(), 10_000);
      await this.#exited;
      clearTimeout(timer);
    })();
    return this.#closing;
  }
}
