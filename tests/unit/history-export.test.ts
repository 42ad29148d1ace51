/**
 * Issue 14: the call history's CSV export writes every call (it silently stopped at the newest 10,000), a page at a
 * time in date order with keyset paging by (start, id) — calls sharing a start time across a page boundary are all
 * there, once — with its progress and a cancel between pages. `limit` still gives the newest N in one read.
 */
import { Database } from '../../electron/storage/db';
import { HISTORY_EXPORT_PAGE, HistoryStore, type CallType } from '../../electron/storage/history-store';
import { migrate } from '../../electron/storage/migrate';

const TYPES: readonly CallType[] = ['missed', 'received', 'placed', 'rejected', 'transferred', 'picked-up'];
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** `n` calls, seven at a time sharing one start time (so ties straddle every page boundary), some with odd names. */
async function fill(db: Database, n: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      const num = `06${String(i % 40_000).padStart(8, '0')}`;
      const name = i % 97 === 0 ? '=HYPERLINK("x"), "quoted"\nline' : `Caller ${i % 997}`;
      await tx.run(
        `INSERT INTO call_history (direction, type, remote_number, remote_digits, remote_national, remote_name, remote_name_folded,
           started_at, ring_ms, talk_ms, line, transfer_target, account) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        [i % 3 === 0 ? 'outgoing' : 'incoming', TYPES[i % 6]!, num, num, num, name, name.toLowerCase(), T0 + Math.floor(i / 7) * 60_000, 5000, 60_000 + i,
          i % 4 === 0 ? null : 1 + (i % 4), i % 5 === 0 ? '1003' : null, i % 2 ? 'acct-a' : 'acct-b'],
      );
    }
  });
}

/** Every matching row straight from SQL, newest first, as the export writes them (the reference). */
async function referenceRows(db: Database, where = ''): Promise<string[][]> {
  const rows = await db.all<Record<string, string | number | null>>(`SELECT * FROM call_history ${where} ORDER BY started_at DESC, id DESC`);
  return rows.map((r) => [new Date(Number(r.started_at)).toISOString(), String(r.direction), String(r.type), String(r.remote_number), String(r.remote_name),
    (Number(r.ring_ms) / 1000).toFixed(1), (Number(r.talk_ms) / 1000).toFixed(1), r.line === null ? '' : String(r.line), String(r.transfer_target ?? ''), String(r.account)]);
}

/** The export's cells read back (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
function cells(csv: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && csv[i + 1] === '\n') row.push(cell), out.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return out;
}

const unquote = (rows: string[][]): string[][] => rows.map((r) => r.map((c) => (/^'[=+\-@]/.test(c) ? c.slice(1) : c)));

describe('call history export', () => {
  let db: Database;
  let history: HistoryStore;
  beforeEach(async () => {
    db = await Database.open(':memory:');
    await migrate(db);
    history = new HistoryStore(db, { defaultCountry: 'FR' });
  });
  afterEach(() => db.close());

  it('writes every call, newest first, across pages whose boundaries split calls of the same start time', async () => {
    const N = 2 * HISTORY_EXPORT_PAGE + 1234; // more than the 10,000 it used to stop at
    await fill(db, N);
    const progress: [number, number][] = [];
    const csv = await history.exportCsv({}, { onProgress: (done, total) => progress.push([done, total]) });
    const rows = cells(csv);
    expect(rows[0]).toEqual(['Started', 'Direction', 'Type', 'Number', 'Name', 'Ring (s)', 'Talk (s)', 'Line', 'Transferred to', 'Account']);
    expect(unquote(rows.slice(1))).toEqual(await referenceRows(db));
    expect(csv).toContain(`'=HYPERLINK(""x""), ""quoted""`); // a formula stays inert
    expect(progress).toEqual([[0, N], [HISTORY_EXPORT_PAGE, N], [2 * HISTORY_EXPORT_PAGE, N], [N, N]]);
  });

  it('filters as the history list does, and `limit` gives the newest calls in one read', async () => {
    await fill(db, 3000);
    const missed = cells(await history.exportCsv({ types: ['received'] }));
    expect(unquote(missed.slice(1))).toEqual(await referenceRows(db, "WHERE type = 'received'"));
    const newest = cells(await history.exportCsv({ limit: 100 }));
    expect(unquote(newest.slice(1))).toEqual((await referenceRows(db)).slice(0, 100));
    const byNumber = cells(await history.exportCsv({ text: '0600000012' }));
    expect(byNumber.slice(1).map((r) => r[3])).toEqual(['0600000012']);
  });

  it('stops between pages when cancelled: an AbortError', async () => {
    await fill(db, 2 * HISTORY_EXPORT_PAGE + 10);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = history.exportCsv({}, {
      signal: controller.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, HISTORY_EXPORT_PAGE]);
    await expect(history.exportCsv({}, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
