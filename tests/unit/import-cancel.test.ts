/**
 * Issue 14: the contacts import reports progress per phase and can be cancelled (AbortSignal) between parse
 * batches and write batches; a cancelled import throws ImportError `cancelled` and writes nothing.
 */
import {
  ImportError,
  importContacts,
  parseContactsFile,
  parseContactsFileAsync,
  PARSE_BATCH,
  type ImportProgress,
} from '../../electron/services/directory/import';
import { CsvReader, parseCsv } from '../../electron/services/directory/import/csv-parse';
import { importProgressOf } from '../../renderer/lib/state/import-progress';
import { dumpContacts, freshContactStore } from './helpers/contact-db';

const freshStore = (): ReturnType<typeof freshContactStore> => freshContactStore('outlook', 'Outlook');

/** An Outlook CSV of `n` rows (quoted cells, a multi-line note every 50 rows). */
function outlookCsv(n: number, prefix = 'Person'): Buffer {
  const lines = ['"First Name","Last Name","Company","Business Phone","E-mail Address","Notes"'];
  for (let i = 0; i < n; i++) {
    const note = i % 50 === 0 ? '"Line 1\r\nLine 2, ""quoted"""' : '""';
    lines.push(`"${prefix}","N${i}","Acme","01 23 ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100) % 100).padStart(2, '0')} 00","p${i}@example.com",${note}`);
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

async function expectCancelled(run: Promise<unknown>): Promise<void> {
  const e = await run.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ImportError);
  expect((e as ImportError).code).toBe('cancelled');
}

describe('import progress', () => {
  it('reports the parse phase (characters read, rising to the total), then the write phase (contacts written)', async () => {
    const { db, store, dir } = await freshStore();
    const progress: ImportProgress[] = [];
    const report = await importContacts(store, dir, outlookCsv(5000), { onProgress: (p) => progress.push(p) });
    expect(report.inserted).toBe(5000);
    const parse = progress.filter((p) => p.phase === 'parse');
    const write = progress.filter((p) => p.phase === 'write');
    expect(parse.length).toBeGreaterThanOrEqual(3); // 5000 rows = 3 batches of PARSE_BATCH
    expect(parse.every((p, i) => i === 0 || p.done >= parse[i - 1]!.done)).toBe(true);
    expect(parse.at(-1)!.done).toBe(parse.at(-1)!.total);
    expect(write.at(-1)).toEqual({ phase: 'write', done: 5000, total: 5000 });
    // All parse reports come before the first write report.
    expect(progress.findIndex((p) => p.phase === 'write')).toBe(parse.length);
    await db.close();
  });

  it('maps the phases onto one bar: parse fills the first fifth, write the rest', () => {
    expect(importProgressOf('parse', 0, 100).progress).toBe(0);
    expect(importProgressOf('parse', 100, 100).progress).toBeCloseTo(0.2);
    expect(importProgressOf('write', 0, 10).progress).toBeCloseTo(0.2);
    expect(importProgressOf('write', 5, 10)).toEqual({ phase: 'write', done: 5, total: 10, progress: expect.closeTo(0.6) });
    expect(importProgressOf('write', 12, 10).progress).toBe(1); // never past the end
    expect(importProgressOf('parse', 3, 0).progress).toBe(0); // no division by zero
  });
});

describe('import cancel', () => {
  it('an already aborted signal: cancelled before anything is read or written', async () => {
    const { db, store, dir } = await freshStore();
    const before = await dumpContacts(db);
    const ac = new AbortController();
    ac.abort();
    await expectCancelled(importContacts(store, dir, outlookCsv(10), { signal: ac.signal }));
    expect(await dumpContacts(db)).toEqual(before);
    await db.close();
  });

  it('aborted while parsing: stops between batches, nothing written, the existing contacts unchanged', async () => {
    const { db, store, dir } = await freshStore();
    await importContacts(store, dir, outlookCsv(300, 'Existing'));
    const before = await dumpContacts(db);
    const ac = new AbortController();
    const seen: ImportProgress[] = [];
    const run = importContacts(store, dir, outlookCsv(4 * PARSE_BATCH), {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.phase === 'parse' && seen.length === 1) ac.abort();
      },
    });
    await expectCancelled(run);
    expect(seen.every((p) => p.phase === 'parse')).toBe(true);
    expect(seen.length).toBe(1); // stopped at the first batch boundary, not at the end of the file
    expect(await dumpContacts(db)).toEqual(before);
    await db.close();
  });

  it('aborted while writing: the transaction is rolled back, a re-import afterwards still works', async () => {
    const { db, store, dir } = await freshStore();
    await importContacts(store, dir, outlookCsv(300, 'Existing'));
    const before = await dumpContacts(db);
    const ac = new AbortController();
    let writes = 0;
    const file = outlookCsv(5000);
    await expectCancelled(
      importContacts(store, dir, file, {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'write' && ++writes === 1) ac.abort();
        },
      }),
    );
    expect(writes).toBe(1);
    expect(await dumpContacts(db)).toEqual(before);
    // Not cancelled: everything goes in.
    const r = await importContacts(store, dir, file);
    expect(r).toMatchObject({ inserted: 5000, updated: 0 });
    expect(await store.count(dir)).toBe(5300);
    await db.close();
  });

  it('a dry run can be cancelled too, and an abort after the last batch still commits nothing', async () => {
    const { db, store, dir } = await freshStore();
    const before = await dumpContacts(db);
    const ac = new AbortController();
    await expectCancelled(
      importContacts(store, dir, outlookCsv(50), {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'write' && p.done === p.total) ac.abort(); // the very last report
        },
      }),
    );
    expect(await dumpContacts(db)).toEqual(before);
    await db.close();
  });
});

describe('parse speed-ups keep the results', () => {
  it('sync and async parses agree, row numbers included', async () => {
    const file = outlookCsv(2 * PARSE_BATCH + 7);
    const a = parseContactsFile(file);
    const b = await parseContactsFileAsync(file);
    expect(b).toEqual(a);
    expect(a.contacts).toHaveLength(2 * PARSE_BATCH + 7);
    // Row 2 is the first data row; a multi-line note takes two spreadsheet lines but one record.
    expect(a.contacts[0]).toMatchObject({ row: 2, contact: { firstName: 'Person', lastName: 'N0', notes: 'Line 1\r\nLine 2, "quoted"' } });
    expect(a.contacts[1]!.row).toBe(3);
  });

  it('CsvReader: doubled quotes, text after a closing quote, empty last cell, CR/LF/CRLF, blank lines', () => {
    const text = 'a,b,c\r\n"x ""y"" z",plain,"q"tail\n\n"",,\r"multi\nline",2,3';
    expect(parseCsv(text, ',').map((r) => [r.row, r.cells])).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['x "y" z', 'plain', 'qtail']],
      [4, ['', '', '']],
      [5, ['multi\nline', '2', '3']],
    ]);
    const reader = new CsvReader('h1;h2\n1;2', ';');
    expect(reader.next()?.cells).toEqual(['h1', 'h2']);
    expect(reader.position).toBe(6);
    expect(reader.next()?.cells).toEqual(['1', '2']);
    expect(reader.next()).toBeUndefined();
    expect(reader.position).toBe(reader.length);
  });

  it('still refuses a file that ends inside a quoted value', () => {
    expect(() => parseCsv('a,b\n"open,1', ',')).toThrow(expect.objectContaining({ code: 'truncated' }) as Error);
    expect(() => parseCsv('a,b\n"x""y', ',')).toThrow(expect.objectContaining({ code: 'truncated' }) as Error);
  });
});
