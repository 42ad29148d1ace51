/**
 * Contacts benchmarks (numbers printed, no pass/fail): `npx tsx tests/bench/contacts-bench.ts`.
 * Issue 14 targets: search p95 ≤ 2 ms at 100,000 contacts; 50,000-row Outlook CSV import ≤ 2 s, re-import ≤ 2.5 s;
 * history "number contains" p95 ≤ 5 ms at 100,000 calls. Measured as the console pays them: through the storage
 * worker that owns the database (one message round trip per operation), beside the same call in process for
 * comparison; the import also reports how long the main loop was held up meanwhile (it should not be), and the
 * console's own flow — a preview, two seconds of reading it, the confirmation — as `import50k.commit_after_preview`,
 * and the export of the imported contacts (`export50k`, for information: no target).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ContactStore } from '../../electron/storage/contact-store';
import { Database } from '../../electron/storage/db';
import { HistoryStore } from '../../electron/storage/history-store';
import { migrate } from '../../electron/storage/migrate';
import { importContacts } from '../../electron/services/directory/import';
import { DirectorySearch } from '../../electron/services/directory/search';
import { DirectoryClient } from '../../electron/services/directory/worker/directory-client';
import { benchContact, fillCallHistory, fillContacts, HISTORY_T0 } from './lib/directory-data';
import { storageWorkerFile } from '../unit/helpers/storage-worker';

/** Prints the line and returns the p95 (ms, two decimals) for the machine-readable `bench <key> <value> <unit>` lines. */
function stats(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  console.log(`${label.padEnd(46)} n=${String(s.length).padStart(4)}  p50 ${q(0.5).padStart(7)} ms  p95 ${q(0.95).padStart(7)} ms  max ${q(1).padStart(7)} ms`);
  return q(0.95);
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

let retries = 0;
/** One sample: a failure is retried (counted and printed), a hang is a failure after `ms`. */
async function sample<T>(fn: () => Promise<T>, ms = 30_000): Promise<[T, number]> {
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const t = performance.now();
      const r = await Promise.race([fn(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]);
      return [r, performance.now() - t];
    } catch (err) {
      if (attempt >= 3) throw err;
      retries++;
      console.log(`  retry ${attempt}: ${String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-'));
  // The worker as the build ships it (scripts/build-storage-worker.mjs).
    const worker = storageWorkerFile();
  try {
    // --- search at 100,000 contacts ---------------------------------------------------------------------------
    const searchFile = path.join(dir, 'search.sqlite');
    const db = await Database.open(searchFile);
    await migrate(db);
    const store = new ContactStore(db, { defaultCountry: 'FR' });
    const personal = (await store.ensureDirectory('personal', 'Personal')).id;
    const company = (await store.ensureDirectory('company', 'Company')).id;
    const N = 100_000;
    const [, fill] = await time(() => fillContacts(db, store, { company, personal }, N));
    console.log(`filled ${N} contacts in ${(fill / 1000).toFixed(2)} s`);
    const local = new DirectorySearch(store, 'FR');
    const client = await DirectoryClient.open({ dbPath: searchFile, defaultCountry: 'FR', workerFile: worker });
    const typed = (word: string): string[] => Array.from({ length: word.length }, (_, i) => word.slice(0, i + 1));
    const textQueries = [...typed('helene'), ...typed('lefevre'), ...typed('bachedor'), 'jean m', 'zoe dup', 'comptab', 'electricite gen', ...typed('bjorn'), 'a', 'e', 'ma'];
    const numberQueries = [...typed('0612'), '06 12 34', '+33 6 00', '+336000', '1234', '1010', '01 10', '0345'];
    for (const q of [...textQueries, ...numberQueries]) {
      await local.search(q); // warm caches
      await client.search(q);
    }
    const runs = async (search: (q: string) => Promise<unknown>, qs: string[], rounds: number): Promise<number[]> => {
      const out: number[] = [];
      for (let r = 0; r < rounds; r++) for (const q of qs) out.push((await sample(() => search(q)))[1]);
      return out;
    };
    const viaWorker = (q: string) => client.search(q);
    const inProcess = (q: string) => local.search(q);
    const searchP95 = stats('search: names, typed letter by letter (worker)', await runs(viaWorker, textQueries, 5));
    stats('  same, in process (no worker round trip)', await runs(inProcess, textQueries, 5));
    stats('search: numbers and extensions (worker)', await runs(viaWorker, numberQueries, 5));
    stats('search: 1-letter prefixes, worst case (worker)', await runs(viaWorker, ['a', 'e', 'm', 'j', 'h'], 10));
    // The lines above search back to back. A receptionist types a letter every 100-300 ms, and between letters the
    // CPU goes idle: waking and cold caches cost more (on these virtual machines ~0.5-1 ms; in process too). Measured
    // here at 120 ms between keystrokes, for information (search.p95 stays the back-to-back figure, comparable with
    // earlier runs).
    const paced: number[] = [];
    for (const q of [...textQueries, ...textQueries]) {
      await new Promise((resolve) => setTimeout(resolve, 120));
      paced.push((await sample(() => viaWorker(q)))[1]);
    }
    const pacedP95 = stats('search: names at typing pace, 120 ms apart (worker)', paced);
    const lookups: number[] = [];
    for (let i = 0; i < 300; i++) {
      const raw = i % 3 === 0 ? `+336${String(i * 2).padStart(8, '0')}` : i % 3 === 1 ? String(1000 + i) : `+44 20 7946 ${String(i).padStart(4, '0')}`;
      lookups.push((await sample(() => client.lookupNumber(raw)))[1]);
    }
    stats('lookupNumber: hit, extension, miss (worker)', lookups);
    // A directory tab's next page as she scrolls (100 contacts, name order, through the worker), at the end of the
    // 50,000-contact Company directory: after the last contact shown (the keyset the pane pages by), and by OFFSET
    // (how it paged before), which steps over the 49,900 rows before it.
    const pageEnd = 49_900;
    const anchor = (await client.listContacts(company, { limit: 1, offset: pageEnd - 1 }))[0]!.id;
    const byKey: number[] = [];
    const byOffset: number[] = [];
    for (let i = 0; i < 40; i++) {
      byKey.push((await sample(() => client.listContacts(company, { limit: 100, afterId: anchor })))[1]);
      byOffset.push((await sample(() => client.listContacts(company, { limit: 100, offset: pageEnd })))[1]);
    }
    stats('directory page at 49,900 of 50,000, keyset (worker)', byKey);
    stats('  same page by OFFSET (before 12-07 late)', byOffset);
    // A directory tab's size ("50,000 contacts", asked for after its list): its one directory counted, as since
    // 12-07 night, and every directory counted (what the tab asked for until then, and its filter at each keystroke).
    const countOne: number[] = [];
    const countEvery: number[] = [];
    for (let i = 0; i < 40; i++) {
      countOne.push((await sample(() => client.countContacts(company)))[1]);
      countEvery.push((await sample(async () => Promise.all((await client.listDirectories()).map((d) => client.countContacts(d.id)))))[1]);
    }
    stats("a directory tab's size, its directory counted (worker)", countOne);
    stats('  every directory counted (before 12-07 night)', countEvery);
    // The median: a page is one short query among other work, its p95 here is the machine's noise.
    const median = (xs: number[]): string => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(2);
    const pageP50 = median(byKey);
    console.log(`bench search.p95 ${searchP95} ms`);
    console.log(`bench search.typing_pace.p95 ${pacedP95} ms`);
    console.log(`bench directory.page_end.p50 ${pageP50} ms`);
    console.log(`bench directory.count.p50 ${median(countOne)} ms`);
    await client.close();
    await db.close();

    // --- import of a 50,000-row Outlook CSV, through the worker (the console's path) ----------------------------
    const header = '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title","Business Phone","Mobile Phone","E-mail Address","Notes"';
    const lines = [header];
    for (let i = 0; i < 50_000; i++) {
      const c = benchContact(i);
      lines.push([
        '', c.firstName, '', c.lastName, '', c.company, c.department, 'Staff', c.phones![0]!.number, c.phones![1]?.number ?? '', c.emails![0], i % 50 === 0 ? 'Line 1\r\nLine 2, "quoted"' : '',
      ].map((v) => `"${String(v).replace(/"/g, '""')}"`).join(','));
    }
    const csv = Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
    const iclient = await DirectoryClient.open({ dbPath: path.join(dir, 'import.sqlite'), defaultCountry: 'FR', workerFile: worker });
    const target = (await iclient.ensureDirectory('outlook', 'Outlook')).id;
    // While the worker imports, the main loop should stay free: its longest stall is measured.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const [rep, first] = await sample(() => iclient.importBuffer(csv, target), 120_000);
    loop.disable();
    const stall1 = loop.max / 1e6;
    loop.reset();
    loop.enable();
    const [rep2, again] = await sample(() => iclient.importBuffer(csv, target), 120_000);
    loop.disable();
    const stall2 = loop.max / 1e6;
    // Export CSV of the 50,000 contacts just imported, as the console asks for it: read in the worker a page at a
    // time (with its progress reports), the file handed to the main thread.
    loop.reset();
    loop.enable();
    let reports = 0;
    const [exported, exportMs] = await sample(() => iclient.exportContactsCsv(target, { onProgress: () => void reports++ }), 120_000);
    loop.disable();
    const stall3 = loop.max / 1e6;
    await iclient.close();
    // The console's own flow: the file's preview, READ_PREVIEW_MS while the receptionist reads it (the worker prepares
    // its contacts meanwhile), then her confirmation: what she waits for after clicking Import is the commit.
    const READ_PREVIEW_MS = 2000;
    const pclient = await DirectoryClient.open({ dbPath: path.join(dir, 'import-preview.sqlite'), defaultCountry: 'FR', workerFile: worker });
    const ptarget = (await pclient.ensureDirectory('outlook', 'Outlook')).id;
    const [, previewMs] = await sample(() => pclient.previewImportBuffer(csv, 20), 120_000);
    await new Promise((resolve) => setTimeout(resolve, READ_PREVIEW_MS));
    const [prep, commitMs] = await sample(() => pclient.importBuffer(csv, ptarget), 120_000);
    await pclient.close();
    console.log(`import 50,000-row Outlook CSV (${(csv.length / 1e6).toFixed(1)} MB), empty db (worker): ${(first / 1000).toFixed(2)} s  (${rep.inserted} new; main loop's longest stall ${stall1.toFixed(1)} ms)`);
    console.log(`re-import same file, all de-duplicated → updates (worker): ${(again / 1000).toFixed(2)} s  (${rep2.updated} updated; longest stall ${stall2.toFixed(1)} ms)`);
    console.log(`export of those 50,000 contacts to CSV (worker): ${(exportMs / 1000).toFixed(2)} s  (${(exported.length / 1e6).toFixed(1)} MB, ${reports} progress reports; longest stall ${stall3.toFixed(1)} ms)`);
    console.log(`preview of the same file then, ${READ_PREVIEW_MS / 1000} s later, the confirmation (worker): preview ${previewMs.toFixed(0)} ms, commit ${(commitMs / 1000).toFixed(2)} s  (${prep.inserted} new)`);
    // The same import in process, for comparison (what the main loop used to run itself).
    const idb = await Database.open(path.join(dir, 'import-local.sqlite'));
    await migrate(idb);
    const istore = new ContactStore(idb, { defaultCountry: 'FR' });
    const ltarget = (await istore.ensureDirectory('outlook', 'Outlook')).id;
    const [, lfirst] = await sample(() => importContacts(istore, ltarget, csv), 120_000);
    const [, lagain] = await sample(() => importContacts(istore, ltarget, csv), 120_000);
    await idb.close();
    console.log(`  same, in process: ${(lfirst / 1000).toFixed(2)} s / re-import ${(lagain / 1000).toFixed(2)} s (the main loop blocked throughout)`);
    console.log(`bench import50k ${(first / 1000).toFixed(2)} s`);
    console.log(`bench reimport50k ${(again / 1000).toFixed(2)} s`);
    console.log(`bench import50k.commit_after_preview ${(commitMs / 1000).toFixed(2)} s`);
    console.log(`bench export50k ${(exportMs / 1000).toFixed(2)} s`);

    // --- history at 100,000 calls -------------------------------------------------------------------------------
    const historyFile = path.join(dir, 'history.sqlite');
    const hdb = await Database.open(historyFile);
    await migrate(hdb);
    const history = new HistoryStore(hdb, { defaultCountry: 'FR' });
    const t0 = HISTORY_T0;
    const [, hfill] = await time(() => fillCallHistory(hdb, 100_000));
    console.log(`filled 100,000 history rows in ${(hfill / 1000).toFixed(2)} s`);
    const hclient = await DirectoryClient.open({ dbPath: historyFile, defaultCountry: 'FR', workerFile: worker });
    const hq = async (label: string, q: NonNullable<Parameters<HistoryStore['query']>[0]>): Promise<string> => {
      const s: number[] = [];
      await hclient.queryHistory(q);
      for (let i = 0; i < 30; i++) s.push((await sample(() => hclient.queryHistory(q)))[1]);
      return stats(`history: ${label} (worker)`, s);
    };
    await hq('latest 100', { limit: 100 });
    await hq('missed calls, latest 100', { types: ['missed'], limit: 100 });
    await hq('one week window', { from: t0 + 30 * 86_400_000, to: t0 + 37 * 86_400_000, limit: 1000 });
    const containsP95 = await hq('number contains "1234"', { text: '1234', limit: 100 });
    const local1234: number[] = [];
    for (let i = 0; i < 30; i++) local1234.push((await sample(() => history.query({ text: '1234', limit: 100 })))[1]);
    stats('  same, in process', local1234);
    await hq('number contains "0600" (most rows)', { text: '0600', limit: 100 });
    await hq('number contains "12" (2 digits)', { text: '12', limit: 100 });
    await hq('name contains "caller 42" (scan)', { text: 'caller 42', limit: 100 });
    const [, exp] = await sample(() => hclient.exportHistoryCsv({ limit: 10_000 }));
    console.log(`history export CSV of 10,000 rows (worker): ${exp.toFixed(0)} ms`);
    console.log(`bench history.contains.p95 ${containsP95} ms`);
    await hclient.close();
    await hdb.close();
    console.log(`samples retried: ${retries}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
