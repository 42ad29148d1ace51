/**
 * Issue 14: a directory's CSV export reads the directory a page at a time in storage order (ContactStore.readPages)
 * with progress and a cancel signal, and writes exactly the file the page-by-page export in name order wrote (kept
 * below, verbatim, as the reference): same bytes for directories whose contacts interleave with another's, with ties
 * of name, phones beyond the Outlook slots, several e-mails, notes over lines, favorites and source ids.
 */
import { contactToRow, EXPORT_PAGE, exportContactsCsv } from '../../electron/services/directory/import';
import { EXPORT_COLUMNS } from '../../electron/services/directory/import/outlook-csv';
import type { ContactStore } from '../../electron/storage/contact-store';
import { toCsv } from '../../electron/storage/csv';
import type { ContactInput, PhoneType } from '../../electron/storage/types';
import { freshContactStore } from './helpers/contact-db';

/** The export as it was before issue 14's change: pages of 1000 through `list` (name order), each hydrated. */
async function referenceExport(store: ContactStore, directoryId: number): Promise<Buffer> {
  const rows: string[][] = [[...EXPORT_COLUMNS]];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.list(directoryId, { limit: 1000, offset });
    rows.push(...page.map(contactToRow));
    if (page.length < 1000) break;
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(toCsv(rows), 'utf8')]);
}

const TYPES: readonly PhoneType[] = ['work', 'mobile', 'home', 'fax', 'other', 'work', 'mobile'];

/** The i-th contact: a few shared names (ties ordered by id), 0–6 phones, 0–4 e-mails, some notes and source ids. */
function person(i: number): ContactInput {
  const phones = Array.from({ length: i % 7 }, (_, k) => ({ type: TYPES[(i + k) % TYPES.length]!, number: `01 ${String(10 + k)} ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100) % 100).padStart(2, '0')} ${String(k).padStart(2, '0')}` }));
  return {
    firstName: ['Hélène', 'Émile', 'Zoé', 'Åsa', 'jean'][i % 5],
    lastName: i % 9 === 0 ? 'Dupont' : `Nom${i % 613}`,
    company: i % 4 === 0 ? '' : `Société ${i % 37}`,
    department: i % 3 === 0 ? 'Compta' : '',
    title: i % 11 === 0 ? '=SUM(1+1)' : 'Staff',
    notes: i % 13 === 0 ? 'Line 1\nLine 2, "quoted"; end' : '',
    phones,
    emails: Array.from({ length: i % 5 }, (_, k) => `p${i}.${k}@example.com`),
    ...(i % 6 === 0 && { sourceId: `src-${i}` }),
    ...(i % 17 === 0 && { favorite: true }),
  };
}

/** `n` contacts in `dir`, every other one (by id) in `other`: the pages' id ranges hold the other directory's rows. */
async function fill(store: ContactStore, dir: number, other: number, n: number): Promise<void> {
  await store.db.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      await store.upsertMany(tx, dir, [person(i)], { dedupe: false });
      await store.upsertMany(tx, other, [{ ...person(i + 100_000), lastName: `Other${i}` }], { dedupe: false });
    }
  });
}

describe('contacts export', () => {
  it('writes the same bytes as the page-by-page export in name order, with progress after each page', async () => {
    const { db, store, dir } = await freshContactStore('personal', 'Personal');
    const other = (await store.ensureDirectory('outlook', 'Outlook')).id;
    const N = 2 * EXPORT_PAGE + 345;
    await fill(store, dir, other, N);
    const progress: [number, number][] = [];
    const csv = await exportContactsCsv(store, dir, { onProgress: (done, total) => progress.push([done, total]) });
    expect(csv.equals(await referenceExport(store, dir))).toBe(true);
    expect(csv.toString('utf8').split('\r\n')).toHaveLength(N + 2); // header, N lines (notes quoted over lines use \n), final CRLF
    // 0 first, then after each page, up to the total; never backwards.
    expect(progress[0]).toEqual([0, N]);
    expect(progress.at(-1)).toEqual([N, N]);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.every(([d, t], i) => t === N && (i === 0 || d >= progress[i - 1]![0]))).toBe(true);
    // The other directory too, and an empty one (the header only).
    expect((await exportContactsCsv(store, other)).equals(await referenceExport(store, other))).toBe(true);
    const empty = (await store.ensureDirectory('speed-dial', 'Speed dial')).id;
    expect((await exportContactsCsv(store, empty)).equals(await referenceExport(store, empty))).toBe(true);
    await db.close();
  });

  it('stops at the next page when cancelled: an AbortError, no file', async () => {
    const { db, store, dir } = await freshContactStore('personal', 'Personal');
    const other = (await store.ensureDirectory('outlook', 'Outlook')).id;
    await fill(store, dir, other, 3 * EXPORT_PAGE);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = exportContactsCsv(store, dir, {
      signal: controller.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done >= EXPORT_PAGE) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, EXPORT_PAGE]); // the first page only
    // Aborted before it starts: nothing is read.
    let reported = false;
    await expect(exportContactsCsv(store, dir, { signal: AbortSignal.abort(), onProgress: () => (reported = true) })).rejects.toMatchObject({ name: 'AbortError' });
    expect(reported).toBe(false);
    await db.close();
  });

  it('a contact deleted while the export runs is left out; one added meanwhile is not in it', async () => {
    const { db, store, dir } = await freshContactStore('personal', 'Personal');
    const other = (await store.ensureDirectory('outlook', 'Outlook')).id;
    await fill(store, dir, other, 2 * EXPORT_PAGE + 10);
    const ids = await store.orderedIds(dir);
    const last = Math.max(...ids); // in the last page (storage order)
    let changed = false;
    const csv = await exportContactsCsv(store, dir, {
      onProgress: (done) => {
        if (done !== EXPORT_PAGE || changed) return;
        changed = true;
        // Between two pages, as another call on the worker's loop would.
        void store.delete(last);
        void store.create(dir, { firstName: 'Aaron', lastName: 'Added', phones: [{ type: 'work', number: '01 99 99 99 99' }] });
      },
    });
    expect(changed).toBe(true);
    const lines = csv.toString('utf8').split('\r\n');
    expect(lines).toHaveLength(2 * EXPORT_PAGE + 10 - 1 + 2);
    expect(csv.toString('utf8')).not.toContain('Added');
    // Exactly the reference export of the directory as it was, without the deleted contact.
    await store.delete((await store.orderedIds(dir)).find((id) => !ids.includes(id))!);
    expect(csv.equals(await referenceExport(store, dir))).toBe(true);
    await db.close();
  });
});
