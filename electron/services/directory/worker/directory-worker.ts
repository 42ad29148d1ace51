/**
 * The storage worker (a node:worker_threads thread): it owns the contacts database and runs the directory service's
 * operations, so no SQLite statement, import parse, export or company directory fetch (LDAP) runs on the main
 * process's loop (the one that carries SIP and the RTP bridge). Bundled as dist/directory-worker.js (scripts/build-node.mjs); the console talks to it
 * through DirectoryClient (directory-client.ts), one message per operation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js';
import type { PreparedDatabaseErasure } from '../../../storage/erase';
import type { HistoryQuery } from '../../../storage/history-store';
import type { ContactInput } from '../../../storage/types';
import type { CompanySourceSpec } from '../company-source';
import { DirectoryService, type CompanySyncOptions } from '../directory-service';
import type { ExportOptions, ImportOptions, ImportReport } from '../import';
import { LdapCompanySource } from '../ldap-source';
import { toWire } from './errors';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';

/** The operations a `call` may name (the rest of DirectoryService is not reachable from a message). */
const METHODS = new Set([
  'search', 'lookupNumber', 'listDirectories', 'ensureDirectory', 'listContacts', 'getContact', 'createContact', 'updateContact',
  'deleteContact', 'setFavorite', 'previewImportFile', 'previewImportBuffer', 'exportFile', 'addHistory', 'queryHistory', 'deleteHistory',
  'exportHistoryCsv', 'countContacts', 'getDirectory', 'speedDials', 'setSpeedDialPosition', 'hydrate', 'listFavorites', 'getHistory',
  'saveHistoryDetails', 'historyDetails', 'exportContactsCsv', 'takeStarred', 'clearStarred', 'mirrorFavorites', 'scrub', 'sqliteVersion',
]);

/**
 * Answered on the read-only connection (file databases): a search or a caller lookup does not wait for an import or
 * a company refresh holding the writer; each statement sees what is committed.
 */
const READS = new Set([
  'search', 'lookupNumber', 'listDirectories', 'listContacts', 'getContact', 'queryHistory', 'exportHistoryCsv', 'countContacts',
  'getDirectory', 'speedDials', 'hydrate', 'listFavorites', 'getHistory', 'historyDetails', 'exportContactsCsv', 'sqliteVersion',
]);

const port = parentPort!;
const init = workerData as WorkerInit;
let country = init.defaultCountry as CountryCode;
let erasure: PreparedDatabaseErasure | undefined;

const post = (m: FromWorker): void => port.postMessage(m);

/** An import's report without the parsed contacts (50,000 objects nobody reads on the other side). */
const slim = (r: ImportReport): ImportReport => ({ ...r, contacts: [] });

/**
 * The console's cancel flag for a long operation (import, export, company sync) as an AbortSignal: `check()` reads the
 * flag and aborts; it is called between batches or pages, where this thread, too busy to read a message, can see it.
 */
function cancelFlag(m: Extract<ToWorker, { type: 'call' }>): { signal: AbortSignal; check(): void; flagged: boolean } {
  const controller = new AbortController();
  const flag = m.cancel ? new Int32Array(m.cancel) : undefined;
  const check = (): void => {
    if (flag && Atomics.load(flag, 0) !== 0) controller.abort();
  };
  check();
  return { signal: controller.signal, check, flagged: flag !== undefined };
}

async function run(svc: DirectoryService, reader: DirectoryService | undefined, m: Extract<ToWorker, { type: 'call' }>): Promise<unknown> {
  const args = m.args as unknown[];
  if (m.method === 'importBuffer' || m.method === 'importFile') {
    const cancel = cancelFlag(m);
    const opts: ImportOptions = {
      ...(args[2] as { dryRun?: boolean }),
      signal: cancel.signal,
      // Called between batches, in the parse and in the write.
      onProgress: (progress) => {
        cancel.check();
        if (m.progress) post({ type: 'progress', id: m.id, progress });
      },
    };
    if (m.method === 'importBuffer') return slim(await svc.importBuffer(args[0] as Uint8Array, args[1] as number, opts));
    const r = await svc.importFile(args[0] as string, args[1] as number, opts);
    return r.ok ? { ok: true, value: slim(r.value) } : r;
  }
  if (m.method === 'exportContactsCsv' || m.method === 'exportHistoryCsv') {
    // A read: on the read connection where there is one. The cancel flag is read between pages, where the progress
    // goes out.
    const cancel = cancelFlag(m);
    const opts: ExportOptions = {
      signal: cancel.signal,
      onProgress: (done, total) => {
        cancel.check();
        if (m.progress) post({ type: 'progress', id: m.id, progress: { phase: 'export', done, total } });
      },
    };
    const target = reader ?? svc;
    return m.method === 'exportContactsCsv' ? target.exportContactsCsv(args[0] as number, opts) : target.exportHistoryCsv(args[0] as HistoryQuery | undefined, opts);
  }
  if (m.method === 'syncCompany' || m.method === 'replaceCompany') {
    const options = args[1] as Pick<CompanySyncOptions, 'minRatio' | 'force'>;
    const cancel = cancelFlag(m);
    // While a sync waits for the server this thread is idle: a cancel is seen within 50 ms, not only at the next page.
    const poll = cancel.flagged ? setInterval(cancel.check, 50) : undefined;
    const opts: CompanySyncOptions = {
      ...options,
      signal: cancel.signal,
      onProgress: (progress) => {
        cancel.check();
        if (m.progress) post({ type: 'progress', id: m.id, progress });
      },
    };
    try {
      if (m.method === 'replaceCompany') return await svc.replaceCompany(args[0] as ContactInput[], opts);
      // Issue 14: the whole refresh runs here — LDAP connection, paged search, BER decoding, mapping to ContactInput,
      // then the write (batches, one transaction) — so none of it holds the main loop. Same result and errors
      // (LdapError with its reason, CompanyShrinkError, `aborted`) as DirectoryService.syncCompany in process.
      const spec = args[0] as CompanySourceSpec;
      if (spec.kind !== 'ldap') throw new Error(`The storage worker cannot read a company directory of kind ${String(spec.kind)}`);
      return await svc.syncCompany(new LdapCompanySource(spec.config), opts);
    } finally {
      clearInterval(poll);
    }
  }
  if (m.method === 'prepareErasure') {
    if (erasure) throw new Error('An erasure is already prepared');
    erasure = await svc.prepareErasure();
    return undefined;
  }
  if (m.method === 'commitErasure' || m.method === 'rollbackErasure') {
    const e = erasure;
    erasure = undefined;
    if (!e) throw new Error('No erasure is prepared');
    return m.method === 'commitErasure' ? e.commit() : e.rollback();
  }
  if (!METHODS.has(m.method)) throw new Error(`The storage worker has no operation ${m.method}`);
  const target = reader && READS.has(m.method) ? reader : svc;
  const fn = (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m.method]!;
  return fn.apply(target, args);
}

async function main(): Promise<void> {
  let svc: DirectoryService;
  try {
    svc = await DirectoryService.open({ dbPath: init.dbPath, recover: init.recover, defaultCountry: () => country });
  } catch (err) {
    post({ type: 'open-failed', error: toWire(err) });
    port.close();
    return;
  }
  const inMemory = init.dbPath === ':memory:' || init.dbPath === '' || init.dbPath.startsWith('file::memory:');
  // Without it (a read-only file system…) every operation simply runs on the writer.
  const reader = inMemory ? undefined : await DirectoryService.openReader(init.dbPath, () => country).catch(() => undefined);
  let closing: Promise<void> | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'country') {
      country = m.value as CountryCode;
    } else if (m.type === 'close') {
      closing ??= (async () => {
        if (erasure) await erasure.rollback().catch(() => undefined);
        await reader?.close().catch(() => undefined);
        await svc.close().catch(() => undefined);
        post({ type: 'closed' });
        port.close();
      })();
    } else if (m.type === 'call') {
      run(svc, reader, m).then(
        (value) => post({ type: 'result', id: m.id, ok: true, value }),
        (err: unknown) => post({ type: 'result', id: m.id, ok: false, error: toWire(err) }),
      );
    }
  });
  post({ type: 'ready', ...(svc.setAside && { setAside: svc.setAside }) });
}

void main();
