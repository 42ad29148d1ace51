import { Database } from '../../electron/storage/db';
import { HistoryStore } from '../../electron/storage/history-store';
import { migrate } from '../../electron/storage/migrate';

describe('call history store', () => {
  let db: Database;
  let history: HistoryStore;
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);

  beforeEach(async () => {
    db = await Database.open(':memory:');
    await migrate(db);
    history = new HistoryStore(db, { defaultCountry: 'FR' });
    await history.add({ direction: 'incoming', type: 'missed', remoteNumber: '+33 6 12 34 56 78', remoteName: 'Hélène Dupré', startedAt: t0, ringMs: 12000 });
    await history.add({ direction: 'incoming', type: 'received', remoteNumber: '1003', startedAt: t0 + 60_000, talkMs: 45000, line: 1, account: '1001' });
    await history.add({ direction: 'incoming', type: 'transferred', remoteNumber: '1002', startedAt: t0 + 120_000, talkMs: 5000, transferTarget: '1004' });
    await history.add({ direction: 'outgoing', type: 'placed', remoteNumber: '=HYPERLINK("http://evil")', startedAt: t0 + 180_000 });
  });
  afterEach(() => db.close());

  it('lists newest first with every field kept', async () => {
    const all = await history.list();
    expect(all.map((e) => e.type)).toEqual(['placed', 'transferred', 'received', 'missed']);
    expect(all[2]).toMatchObject({ remoteNumber: '1003', talkMs: 45000, line: 1, account: '1001', transferTarget: null });
    expect(all[1]!.transferTarget).toBe('1004');
  });

  it('the receptionist filters missed calls, a number typed any way, or a name without accents', async () => {
    expect((await history.query({ types: ['missed'] })).map((e) => e.remoteName)).toEqual(['Hélène Dupré']);
    expect((await history.query({ text: '06 12 34' })).length).toBe(1);
    expect((await history.query({ text: '+33612' })).length).toBe(1);
    expect((await history.query({ text: 'HELENE' })).length).toBe(1);
    expect((await history.query({ direction: 'outgoing' })).length).toBe(1);
    expect((await history.query({ from: t0 + 60_000, to: t0 + 120_001 })).map((e) => e.type)).toEqual(['transferred', 'received']);
  });

  it('a whole number typed another way than the PBX presented it finds the call: "+33…" or "0033…" for 06…', async () => {
    await history.add({ direction: 'incoming', type: 'received', remoteNumber: '0145678901', startedAt: t0 + 240_000 });
    for (const text of ['+33 1 45 67 89 01', '0033145678901', '+33145678901', '01 45 67 89 01', '78901']) {
      expect([text, (await history.query({ text })).map((e) => e.remoteNumber)]).toEqual([text, ['0145678901']]);
    }
    // The call presented internationally is found typed nationally, as before.
    expect((await history.query({ text: '06 12 34 56 78' })).map((e) => e.remoteNumber)).toEqual(['+33 6 12 34 56 78']);
    // Through the trigram index too (few rows hold the digits), with other filters.
    expect((await history.query({ text: '+33 1 45 67 89 01', direction: 'incoming', types: ['received'] })).length).toBe(1);
    expect(await history.query({ text: '+33 1 45 67 89 02' })).toEqual([]);
  });

  it('the start of a number typed internationally ("+33 1 45", "0033 1 45") finds calls presented nationally', async () => {
    await history.add({ direction: 'incoming', type: 'received', remoteNumber: '01 45 67 89 01', startedAt: t0 + 240_000 });
    for (const text of ['+33 1 45', '+33145', '0033 1 45 67', '+33 (0)1 45']) {
      expect([text, (await history.query({ text })).map((e) => e.remoteNumber)]).toEqual([text, ['01 45 67 89 01']]);
    }
    // Another country's code is not read as a French number.
    for (const text of ['+44 1 45', '0044 145']) expect([text, await history.query({ text })]).toEqual([text, []]);
  });

  it('pages with beforeId without skipping or repeating entries', async () => {
    const first = await history.query({ limit: 2 });
    const next = await history.query({ limit: 2, beforeId: first[1]!.id });
    expect([...first, ...next].map((e) => e.type)).toEqual(['placed', 'transferred', 'received', 'missed']);
  });

  it('deletes chosen entries and entries older than a date', async () => {
    const [newest] = await history.list(1);
    expect(await history.delete({ ids: [newest!.id] })).toBe(1);
    expect(await history.delete({ olderThan: t0 + 60_000 })).toBe(1);
    expect((await history.list()).map((e) => e.type)).toEqual(['transferred', 'received']);
  });

  it('exports CSV with a header, ISO times and formula-looking cells neutralised', async () => {
    const csv = await history.exportCsv();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Started,Direction,Type,Number,Name,Ring (s),Talk (s),Line,Transferred to,Account');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(lines[4]).toContain("2026-01-05T09:00:00.000Z,incoming,missed,'+33 6 12 34 56 78,Hélène Dupré,12.0");
  });
});
