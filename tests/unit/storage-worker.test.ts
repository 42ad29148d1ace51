/**
 * Issue 14: the storage worker that owns the contacts database (electron/services/directory/worker/). The real
 * worker, built as the build ships it, on real SQLite files: one message per operation, errors crossing with their
 * class and code, import progress and cancel (rolled back), erasure, closing, and a worker that dies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { CompanyShrinkError, DirectoryService } from '../../electron/services/directory/directory-service';
import { ImportError } from '../../electron/services/directory/import';
import { DirectoryClient } from '../../electron/services/directory/worker/directory-client';
import { isCorruption, isDiskFull, SqliteError, StorageError } from '../../electron/storage/db';
import { fromWire, toWire } from '../../electron/services/directory/worker/errors';
import { SchemaTooNewError } from '../../electron/storage/migrate';
import { companyErrorKey, ContactsService } from '../../electron/services/contacts-service';
import type { HostConnection } from '../../electron/services/console-service';
import { contactsConsole } from './helpers/contacts-console';
import { LdapConfigSchema } from '../../electron/services/directory/directory-config';
import { LdapError } from '../../electron/services/directory/ldap-failure';
import { LdapCompanySource } from '../../electron/services/directory/ldap-source';
import { storageWorkerFile } from './helpers/storage-worker';

let dir: string;
let workerFile: string;
beforeAll(() => {
  workerFile = storageWorkerFile();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-storage-worker-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function outlookCsv(rows: number): Buffer {
  const lines = ['First Name,Last Name,Company,Business Phone,E-mail Address'];
  for (let i = 0; i < rows; i++) lines.push(`Jean${i},Dupré${i % 500},Acme,01 23 ${String(i).padStart(6, '0').replace(/(..)(?=.)/g, '$1 ')},j${i}@example.com`);
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

describe('storage worker: the directory service in its own thread', () => {
  it('runs the operations one round trip each, and what it wrote is in the file after close', async () => {
    let country: CountryCode = 'FR';
    const file = join(dir, 'contacts.sqlite');
    const client = await DirectoryClient.open({ dbPath: file, defaultCountry: () => country, recover: true, workerFile });
    expect(client.setAside).toBeUndefined();
    const personal = await client.ensureDirectory('personal', 'Personal');
    const c = await client.createContact(personal.id, { firstName: 'Hélène', lastName: 'Dupré', company: 'Acme', phones: [{ type: 'work', number: '01 44 55 10 00' }] });
    expect(c).toMatchObject({ id: expect.any(Number), name: 'Hélène Dupré', phones: [{ type: 'work', number: '01 44 55 10 00', e164: '+33144551000' }] });
    expect((await client.search('hele')).map((h) => h.contact.name)).toEqual(['Hélène Dupré']);
    expect(await client.lookupNumber('+33 1 44 55 10 00')).toMatchObject({ name: 'Hélène Dupré', directory: { kind: 'personal' } });
    expect(await client.countContacts(personal.id)).toBe(1);
    // The country read at each call: a change applies to what is written from then on.
    country = 'BE';
    const b = await client.createContact(personal.id, { name: 'Bruxelles', phones: [{ type: 'work', number: '02 555 12 34' }] });
    expect(b.phones[0]!.e164).toBe('+3225551234');
    const h = await client.addHistory({ direction: 'incoming', type: 'received', remoteNumber: '0144551000', startedAt: 1_700_000_000_000, talkMs: 5000 });
    await client.saveHistoryDetails(h, { timeline: [{ at: 1, kind: 'ringing' }], quality: [] });
    expect(await client.historyDetails(h)).toEqual({ timeline: [{ at: 1, kind: 'ringing' }], quality: [] });
    expect((await client.queryHistory({ text: '4455' })).map((e) => e.id)).toEqual([h]);
    const csv = await client.exportContactsCsv(personal.id);
    expect(Buffer.isBuffer(csv)).toBe(true);
    expect(csv.toString('utf8')).toContain('Hélène');
    expect(await client.sqliteVersion()).toMatch(/^3\.\d+\.\d+$/);
    await client.close();
    await expect(client.search('x')).rejects.toMatchObject({ code: 'closed' });
    // Flushed and closed: another connection sees everything.
    const again = await DirectoryService.open({ dbPath: file, defaultCountry: 'FR' });
    expect(await again.countContacts(personal.id)).toBe(2);
    expect((await again.queryHistory({})).length).toBe(1);
    await again.close();
  });

  it('errors cross with their class, code and fields', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'c.sqlite'), defaultCountry: 'FR', workerFile });
    const personal = await client.ensureDirectory('personal', 'Personal');
    const bad = await client.importBuffer(Buffer.from('a|b|c\n1|2|3\n'), personal.id).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ImportError);
    expect(bad).toMatchObject({ code: 'wrong-delimiter', row: 1 });
    expect(await client.importFile(join(dir, 'missing.csv'), personal.id)).toMatchObject({ ok: false, error: { code: 'unreadable' } });
    // A refresh that would gut the company copy.
    const company = Array.from({ length: 30 }, (_, i) => ({ name: `Colleague ${i}`, phones: [{ type: 'extension' as const, number: String(2000 + i) }] }));
    expect(await client.replaceCompany(company)).toEqual({ inserted: 30, updated: 0, removed: 0 });
    const shrunk = await client.replaceCompany(company.slice(0, 3)).catch((e: unknown) => e);
    expect(shrunk).toBeInstanceOf(CompanyShrinkError);
    expect(shrunk).toMatchObject({ code: 'company-shrunk', found: 3, cached: 30 });
    await client.close();
    // A database from a newer version: refused at open (without recover) with the same error class.
    const newer = join(dir, 'newer.sqlite');
    const svc = await DirectoryService.open({ dbPath: newer, defaultCountry: 'FR' });
    await svc.db.exec('PRAGMA user_version = 99');
    await svc.close();
    const refused = await DirectoryClient.open({ dbPath: newer, defaultCountry: 'FR', workerFile }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchemaTooNewError);
    expect(refused).toMatchObject({ code: 'schema-too-new', found: 99 });
    // With recover, the damaged file is moved aside and the worker says where.
    const damaged = join(dir, 'damaged.sqlite');
    writeFileSync(damaged, Buffer.alloc(8192, 7));
    const recovered = await DirectoryClient.open({ dbPath: damaged, defaultCountry: 'FR', recover: true, workerFile });
    expect(recovered.setAside).toMatchObject({ reason: 'damaged', keptIn: expect.stringContaining('damaged.sqlite.broken-') });
    await recovered.close();
  });

  it('a preview is parsed in the worker, and the commit of the same bytes writes without parsing them again', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'p.sqlite'), defaultCountry: 'FR', workerFile });
    const outlook = await client.ensureDirectory('outlook', 'Outlook');
    // 3,000 good rows and 300 with a column too many (skipped).
    const file = Buffer.concat([outlookCsv(3000), Buffer.from('\r\n' + Array.from({ length: 300 }, (_, i) => `X${i},Y,Acme,0123,x@example.com,extra`).join('\r\n'))]);
    const preview = await client.previewImportBuffer(file, 3);
    expect(preview).toMatchObject({ format: 'outlook-com-csv', total: 3300, valid: 3000 });
    expect(preview.sample.map((c) => c.firstName)).toEqual(['Jean0', 'Jean1', 'Jean2']);
    // The dialog lists the first skipped rows; total - valid counts them all.
    expect(preview.skipped).toHaveLength(200);
    expect(preview.skipped[0]).toMatchObject({ row: 3002, reason: expect.stringContaining('columns') });
    expect(await client.countContacts(outlook.id)).toBe(0);

    const phases = new Set<string>();
    const report = await client.importBuffer(file, outlook.id, { onProgress: (p) => phases.add(p.phase) });
    expect(report).toMatchObject({ inserted: 3000, updated: 0 });
    expect(report.skipped).toHaveLength(300);
    expect([...phases]).toEqual(['write']);
    expect(await client.countContacts(outlook.id)).toBe(3000);

    // Kept for one commit only, and only for the same bytes: other bytes, or the same file again, are parsed.
    await client.previewImportBuffer(outlookCsv(10), 5);
    phases.clear();
    expect(await client.importBuffer(outlookCsv(11), outlook.id, { onProgress: (p) => phases.add(p.phase) })).toMatchObject({ inserted: 0, updated: 11 });
    expect([...phases].sort()).toEqual(['parse', 'write']);
    phases.clear();
    await client.importBuffer(outlookCsv(11), outlook.id, { onProgress: (p) => phases.add(p.phase) });
    expect([...phases].sort()).toEqual(['parse', 'write']);
    // A file that is not a contacts export fails in the preview, with the import's own error.
    await expect(client.previewImportBuffer(Buffer.from('a|b|c\n1|2|3\n'), 5)).rejects.toBeInstanceOf(ImportError);
    await client.close();
  });

  it('an import reports its progress, and a cancel rolls it back while the worker is busy writing', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'i.sqlite'), defaultCountry: 'FR', workerFile });
    const outlook = await client.ensureDirectory('outlook', 'Outlook');
    const phases = new Set<string>();
    const report = await client.importBuffer(outlookCsv(6000), outlook.id, { onProgress: (p) => phases.add(p.phase) });
    expect(report).toMatchObject({ inserted: 6000, updated: 0, contacts: [] });
    expect([...phases].sort()).toEqual(['parse', 'write']);
    // Cancelled at the first write progress: the whole import is undone.
    const abort = new AbortController();
    const cancelled = await client
      .importBuffer(outlookCsv(20_000), outlook.id, {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.phase === 'write') abort.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(ImportError);
    expect(cancelled).toMatchObject({ code: 'cancelled' });
    expect(await client.countContacts(outlook.id)).toBe(6000);
    // Already aborted: nothing happens at all.
    const pre = new AbortController();
    pre.abort();
    await expect(client.importBuffer(outlookCsv(10), outlook.id, { signal: pre.signal })).rejects.toMatchObject({ code: 'cancelled' });
    // While an import writes, a search and a caller lookup are answered on the read connection (committed rows only),
    // before the import ends.
    let writing!: () => void;
    const started = new Promise<void>((r) => (writing = r));
    let importDone = false;
    const importing = client
      .importBuffer(outlookCsv(20_000), outlook.id, { onProgress: (p) => p.phase === 'write' && writing() })
      .finally(() => (importDone = true));
    await started;
    const hits = await client.search('jean1');
    const caller = await client.lookupNumber('01 23 00 00 05');
    expect(importDone).toBe(false);
    expect(hits.length).toBeGreaterThan(0);
    expect(caller).toMatchObject({ name: 'Jean5 Dupré5' });
    expect(await client.countContacts(outlook.id)).toBe(6000);
    expect(await importing).toMatchObject({ inserted: 14_000, updated: 6000 });
    expect(await client.countContacts(outlook.id)).toBe(20_000);
    await client.close();
  });

  it('an export reads in the worker with its progress, gives the same file as in process, and can be cancelled', async () => {
    const file = join(dir, 'x.sqlite');
    const client = await DirectoryClient.open({ dbPath: file, defaultCountry: 'FR', workerFile });
    const outlook = await client.ensureDirectory('outlook', 'Outlook');
    await client.importBuffer(outlookCsv(2500), outlook.id);
    const progress: [number, number][] = [];
    const csv = await client.exportContactsCsv(outlook.id, { onProgress: (done, total) => progress.push([done, total]) });
    expect(progress[0]).toEqual([0, 2500]);
    expect(progress.at(-1)).toEqual([2500, 2500]);
    expect(progress.length).toBeGreaterThanOrEqual(4); // 0, then after each of the 3 pages
    // Cancelled once sent (the flag is up before the worker reads the message): an AbortError, and the worker goes on.
    const abort = new AbortController();
    const cancelled = client.exportContactsCsv(outlook.id, { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    expect(await cancelled).toMatchObject({ name: 'AbortError' });
    expect(await client.countContacts(outlook.id)).toBe(2500);
    await client.close();
    const local = await DirectoryService.open({ dbPath: file, defaultCountry: 'FR' });
    expect(csv.equals(await local.exportContactsCsv(outlook.id))).toBe(true);
    expect(csv.toString('utf8').split('\r\n')).toHaveLength(2502);
    await local.close();
  });

  it('the console\'s export command sends its progress to the window and stops on contacts.exportCancel', async () => {
    const contacts = new ContactsService({ dbPath: join(dir, 'svc-export.sqlite'), config: { defaultCountry: 'FR', queues: [] }, storageWorker: { workerFile } });
    const events: { name: string; payload: unknown }[] = [];
    const conn: HostConnection = { id: 'w1', send: (name, payload) => events.push({ name, payload }) };
    const service = contactsConsole(contacts);
    service.connect(conn);
    const storage = await contacts.storage();
    const personal = await storage.ensureDirectory('personal', 'Personal');
    await storage.importBuffer(outlookCsv(2100), personal.id);
    const ok = await service.dispatch(conn, 'contacts.export', { directory: 'personal', exportId: 'e-1' });
    expect(ok).toMatchObject({ ok: true, value: { fileName: 'Personal.csv', count: 2100 } });
    const sent = events.filter((e) => e.name === 'contacts.exportProgress').map((e) => e.payload);
    expect(sent[0]).toEqual({ exportId: 'e-1', done: 0, total: 2100 });
    expect(sent.at(-1)).toEqual({ exportId: 'e-1', done: 2100, total: 2100 });
    // Cancelled right after it was asked for: no file, her own words for it, and the id can be used again.
    const running = service.dispatch(conn, 'contacts.export', { directory: 'personal', exportId: 'e-2' });
    const busy = await service.dispatch(conn, 'contacts.export', { directory: 'personal', exportId: 'e-2' });
    expect(busy).toMatchObject({ ok: false, error: { key: 'contacts.exportBusy' } });
    await service.dispatch(conn, 'contacts.exportCancel', { exportId: 'e-2' });
    expect(await running).toMatchObject({ ok: false, error: { code: 'invalid-state', key: 'contacts.exportCancelled' } });
    expect(await service.dispatch(conn, 'contacts.export', { directory: 'personal', exportId: 'e-2' })).toMatchObject({ ok: true });
    // Without an id (the CLI, older windows): no progress events, the file all the same.
    const before = events.length;
    expect(await service.dispatch(conn, 'contacts.export', {})).toMatchObject({ ok: true, value: { count: 2100 } });
    expect(events.slice(before).filter((e) => e.name === 'contacts.exportProgress')).toEqual([]);
    // The history's export: the same progress and cancel, every call in the file.
    for (let i = 0; i < 30; i++) await storage.addHistory({ direction: 'incoming', type: 'received', remoteNumber: `06000000${String(i).padStart(2, '0')}`, startedAt: 1_700_000_000_000 + i, talkMs: 1000 });
    const history = await service.dispatch(conn, 'history.export', { exportId: 'h-1' });
    if (!history.ok) throw new Error(history.error.message);
    expect(Buffer.from((history.value as { data: string }).data, 'base64').toString('utf8').match(/06000000\d\d/g)).toHaveLength(30);
    expect(events.filter((e) => e.name === 'contacts.exportProgress' && (e.payload as { exportId: string }).exportId === 'h-1').map((e) => e.payload)).toEqual([
      { exportId: 'h-1', done: 0, total: 30 },
      { exportId: 'h-1', done: 30, total: 30 },
    ]);
    const runningHistory = service.dispatch(conn, 'history.export', { exportId: 'h-2' });
    await service.dispatch(conn, 'contacts.exportCancel', { exportId: 'h-2' });
    expect(await runningHistory).toMatchObject({ ok: false, error: { key: 'contacts.exportCancelled' } });
    await contacts.stop();
  });

  it('closing (quit) cancels a running import, rolled back, and does not wait for it', async () => {
    const file = join(dir, 'q.sqlite');
    const client = await DirectoryClient.open({ dbPath: file, defaultCountry: 'FR', workerFile });
    const outlook = await client.ensureDirectory('outlook', 'Outlook');
    let writing!: () => void;
    const started = new Promise<void>((r) => (writing = r));
    const importing = client.importBuffer(outlookCsv(40_000), outlook.id, { onProgress: (p) => p.phase === 'write' && writing() }).catch((e: unknown) => e);
    await started;
    await client.close();
    expect(await importing).toMatchObject({ code: 'cancelled' });
    const again = await DirectoryService.open({ dbPath: file, defaultCountry: 'FR' });
    expect(await again.countContacts(outlook.id)).toBe(0);
    await again.close();
  });

  it('"Delete all data" holds its transaction across messages until commit or rollback', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'e.sqlite'), defaultCountry: 'FR', workerFile });
    const personal = await client.ensureDirectory('personal', 'Personal');
    await client.createContact(personal.id, { name: 'Anna', phones: [{ type: 'work', number: '1001' }] });
    const kept = await client.prepareErasure();
    await kept.rollback();
    expect(await client.countContacts()).toBe(1);
    const erased = await client.prepareErasure();
    // Reads see what is committed; writes wait for the decision (the writer's lock), they are not refused.
    expect(await client.countContacts()).toBe(1);
    const write = client.createContact(personal.id, { name: 'After', phones: [] });
    await erased.commit();
    await write;
    expect((await client.listContacts(personal.id)).map((c) => c.name)).toEqual(['After']);
    await client.scrub();
    await client.close();
  });

  it('a full disk and a damaged file are still recognised after crossing (structured clone of the wire form)', () => {
    const cross = (e: Error) => fromWire(structuredClone(toWire(e)));
    const full = cross(new SqliteError('database or disk is full', 'SQLITE_FULL'));
    expect(full).toBeInstanceOf(SqliteError);
    expect(isDiskFull(full)).toBe(true);
    const notADb = cross(new StorageError('Cannot open the database x: file is not a database', 'open-failed', new SqliteError('file is not a database', 'SQLITE_NOTADB')));
    expect(notADb).toBeInstanceOf(StorageError);
    expect(notADb).toMatchObject({ code: 'open-failed' });
    expect(isCorruption(notADb)).toBe(true);
    expect(isDiskFull(cross(Object.assign(new Error('no space'), { code: 'ENOSPC' })))).toBe(true);
  });

  it('a company refresh from LDAP runs in the worker; its failure crosses as LdapError with the reason she is told', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'c.sqlite'), defaultCountry: 'FR', workerFile });
    // Nothing listens on port 1: a real refused connection, made by the worker's LDAP client.
    const down = new LdapCompanySource(LdapConfigSchema.parse({ url: 'ldap://127.0.0.1:1', base: 'dc=example,dc=com', timeoutMs: 2000 }));
    const progress: unknown[] = [];
    const err = await client.syncCompany(down, { onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LdapError);
    expect(err).toMatchObject({ reason: 'unreachable', message: expect.stringMatching(/ldap:\/\/127\.0\.0\.1:1\) could not be read: the server cannot be reached/) });
    // Raised in the worker (its stack says so), not on this thread.
    expect((err as Error).stack).toContain('[storage worker]');
    expect(companyErrorKey(err, down.label)).toEqual({ key: 'contacts.companyError.unreachable', params: { source: 'LDAP ldap://127.0.0.1:1' } });
    expect(progress).toEqual([]);
    await client.close();
    // Every reason survives the structured clone.
    for (const reason of ['credentials', 'base', 'access', 'unreachable', 'not-found', 'timeout', 'tls', 'other'] as const) {
      const back = fromWire(structuredClone(toWire(new LdapError('The company directory could not be read', reason))));
      expect(back).toBeInstanceOf(LdapError);
      expect(back).toMatchObject({ name: 'LdapError', reason, message: 'The company directory could not be read' });
    }
  });

  it('a company copy written in the worker reports its progress, and a cancelled one keeps the copy', async () => {
    const client = await DirectoryClient.open({ dbPath: join(dir, 'c.sqlite'), defaultCountry: 'FR', workerFile });
    const people = (n: number) => Array.from({ length: n }, (_, i) => ({ sourceId: `u${i}`, name: `Colleague ${i}`, phones: [{ type: 'extension' as const, number: String(2000 + i) }] }));
    const progress: unknown[] = [];
    expect(await client.replaceCompany(people(30), { onProgress: (p) => progress.push(p) })).toEqual({ inserted: 30, updated: 0, removed: 0 });
    expect(progress.at(-1)).toEqual({ phase: 'write', done: 30, total: 30 });
    const abort = new AbortController();
    abort.abort();
    await expect(client.replaceCompany(people(40), { signal: abort.signal })).rejects.toMatchObject({ code: 'aborted' });
    const company = (await client.listDirectories()).find((d) => d.kind === 'company')!;
    expect(await client.countContacts(company.id)).toBe(30);
    await client.close();
  });

  it('a worker that dies is reported and fails every waiting and later call instead of hanging', async () => {
    const errors: string[] = [];
    for (const death of ['throw new Error("boom")', 'process.exit(3)']) {
      const crashing = join(dir, 'crashing-worker.js');
      writeFileSync(
        crashing,
        `const { parentPort } = require('node:worker_threads');
         parentPort.postMessage({ type: 'ready' });
         parentPort.on('message', (m) => { if (m.type === 'call') setTimeout(() => { ${death}; }, 20); });`,
      );
      const client = await DirectoryClient.open({ dbPath: ':memory:', defaultCountry: 'FR', workerFile: crashing, logger: { error: (m) => errors.push(m) } });
      const waiting = client.search('anna').catch((e: unknown) => e);
      const err = await waiting;
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toMatchObject({ code: 'worker-stopped', message: expect.stringContaining('stopped working') });
      await expect(client.countContacts()).rejects.toMatchObject({ code: 'worker-stopped' });
      await client.close();
    }
    expect(errors).toEqual([expect.stringContaining('boom'), expect.stringContaining('code 3')]);
  });

  it('a worker file that cannot start is an open failure, not a hang', async () => {
    await expect(DirectoryClient.open({ dbPath: ':memory:', defaultCountry: 'FR', workerFile: join(dir, 'nope.js') })).rejects.toMatchObject({ code: 'worker-stopped' });
  });

  it('the contacts service runs on the worker when asked (as both hosts do)', async () => {
    const contacts = new ContactsService({ dbPath: join(dir, 'svc.sqlite'), config: { defaultCountry: 'FR', queues: [] }, storageWorker: { workerFile } });
    const storage = await contacts.storage();
    expect(storage).toBeInstanceOf(DirectoryClient);
    await expect(contacts.directory()).rejects.toThrow(/storage worker/);
    const personal = await storage.ensureDirectory('personal', 'Personal');
    await storage.createContact(personal.id, { name: 'Zoë Martin', phones: [{ type: 'mobile', number: '06 12 34 56 78' }] });
    expect(await contacts.lookupNumber('0612345678')).toMatchObject({ name: 'Zoë Martin', directory: 'Personal' });
    expect(await contacts.sqliteVersion()).toMatch(/^3\./);
    await contacts.stop();
    await expect(storage.countContacts()).rejects.toMatchObject({ code: 'closed' });
  });
});
