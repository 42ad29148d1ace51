/**
 * issue 13 item 8 follow-up: a call answered elsewhere (CANCEL with Reason cause=200, sip-core's `answered-elsewhere`)
 * is its own History type — not missed: the "missed" filter leaves it out, "all" and its own type find it, the CSV
 * says so, and rows written before (stored as missed with that end reason) read the same way.
 */
import type { CallView } from '../../electron/contract';
import { CALL_TYPE_NAMES } from '../../electron/contract/contacts';
import { parseCommand } from '../../electron/contract/contract';
import { historyEntryFromCall } from '../../electron/services/contacts-service';
import { DirectoryService } from '../../electron/services/directory/directory-service';
import { isMissedCall } from '../../electron/services/missed-calls';

const base: CallView = {
  id: 'c', accountId: 'acc-1', direction: 'incoming', state: 'ended', remote: { user: '1002', uri: 'sip:1002@pbx' },
  mediaMode: 'rtp', createdAt: 1000, line: 1, muted: false, volume: 1,
};
const ctx = { pickupPrefix: '**' };

let svc: DirectoryService;
beforeEach(async () => {
  svc = await DirectoryService.open({ dbPath: ':memory:', defaultCountry: 'FR' });
});
afterEach(async () => svc.close());

describe('history type of a call answered elsewhere', () => {
  it('an unanswered incoming call taken by another device is "answered-elsewhere", exactly when the missed-call counter does not count it', () => {
    for (const endReason of ['answered-elsewhere', 'cancelled', 'remote-hangup', 'declined'] as const) {
      const view: CallView = { ...base, endReason, endedAt: 4000 };
      const e = historyEntryFromCall(view, ctx);
      expect(e.type === 'missed').toBe(isMissedCall(view));
      expect(e.type).toBe({ 'answered-elsewhere': 'answered-elsewhere', cancelled: 'missed', 'remote-hangup': 'missed', declined: 'rejected' }[endReason]);
    }
    // Answered here first, then the call went elsewhere: still a received call.
    expect(historyEntryFromCall({ ...base, answeredAt: 2000, endedAt: 5000, endReason: 'answered-elsewhere' }, ctx).type).toBe('received');
  });

  it('is stored, listed, filtered and exported as its own type; the missed filter leaves it out', async () => {
    const missed = await svc.addHistory(historyEntryFromCall({ ...base, endReason: 'remote-hangup', endedAt: 3000 }, ctx));
    const elsewhere = await svc.addHistory(historyEntryFromCall({ ...base, createdAt: 2000, endReason: 'answered-elsewhere', endedAt: 4000 }, ctx));
    const rejected = await svc.addHistory(historyEntryFromCall({ ...base, createdAt: 3000, endReason: 'declined', endedAt: 5000 }, ctx));
    const received = await svc.addHistory(historyEntryFromCall({ ...base, createdAt: 4000, answeredAt: 4500, endReason: 'remote-hangup', endedAt: 6000 }, ctx));
    const ids = async (types?: (typeof CALL_TYPE_NAMES)[number][]) => (await svc.queryHistory({ ...(types && { types }) })).map((e) => e.id);

    expect((await svc.history.get(elsewhere))?.type).toBe('answered-elsewhere');
    expect((await svc.history.get(elsewhere))?.endReason).toBe('answered-elsewhere');
    expect(await ids()).toEqual([received, rejected, elsewhere, missed]);
    // The renderer's filters (contacts.svelte.ts): missed = missed + rejected; received = received + transferred + picked-up.
    expect(await ids(['missed', 'rejected'])).toEqual([rejected, missed]);
    expect(await ids(['missed'])).toEqual([missed]);
    expect(await ids(['received', 'transferred', 'picked-up'])).toEqual([received]);
    expect(await ids(['answered-elsewhere'])).toEqual([elsewhere]);
    expect(await ids(['answered-elsewhere', 'missed'])).toEqual([elsewhere, missed]);
    expect(await ids(['answered-elsewhere', 'received'])).toEqual([received, elsewhere]);
    expect(await ids([...CALL_TYPE_NAMES])).toEqual([received, rejected, elsewhere, missed]);
    // Combined with the text filter too.
    expect((await svc.queryHistory({ types: ['missed'], text: '1002' })).map((e) => e.id)).toEqual([missed]);

    const csv = await svc.exportHistoryCsv();
    const typesInCsv = csv.trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[2]);
    expect(typesInCsv).toEqual(['received', 'rejected', 'answered-elsewhere', 'missed']);
  });

  it('rows written before (type missed, end reason answered-elsewhere) read as answered elsewhere; older rows without an end reason stay missed', async () => {
    await svc.db.run(
      "INSERT INTO call_history (id, direction, type, remote_number, remote_digits, started_at, end_reason) VALUES (1,'incoming','missed','1002','1002',10,'answered-elsewhere')",
    );
    await svc.db.run("INSERT INTO call_history (id, direction, type, remote_number, remote_digits, started_at) VALUES (2,'incoming','missed','1003','1003',20)");
    const all = await svc.queryHistory({});
    expect(all.map((e) => [e.id, e.type])).toEqual([
      [2, 'missed'],
      [1, 'answered-elsewhere'],
    ]);
    expect((await svc.queryHistory({ types: ['missed'] })).map((e) => e.id)).toEqual([2]);
  });

  it('the contract accepts the new type in history.list and refuses unknown ones', () => {
    expect(parseCommand('history.list', { types: [...CALL_TYPE_NAMES] }).ok).toBe(true);
    expect(parseCommand('history.list', { types: ['answered-elsewhere'] }).ok).toBe(true);
    expect(parseCommand('history.list', { types: ['exploded'] }).ok).toBe(false);
  });
});
