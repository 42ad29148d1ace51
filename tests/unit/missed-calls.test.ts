/**
 * Issue 13 item 8: what counts as a missed call (answered elsewhere does not), the counter main keeps and saves, the
 * desktop shell's badge / overlay / flash decisions per platform, the pop-up decisions of the web host, the Recall list.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallView, EventName, Events } from '../../electron/contract';
import { isMissedCall, MissedCallsService, parseMissedCallsFile } from '../../electron/services/missed-calls';
import { AttentionTracker, attentionChanged, attentionPlan, missedCallNotification, overlayDotBitmap } from '../../electron/main/attention';
import { popupContent, popupText, shouldPopUp, type PopupContext } from '../../renderer/lib/popups';
import { recallKey, recallList } from '../../renderer/lib/state/recall';
import type { HistoryEntryView } from '../../electron/contract/contacts';
import { translate } from '../../renderer/i18n';

function ended(patch: Partial<CallView> = {}): CallView {
  return {
    id: 'c1',
    accountId: 'acc-1',
    direction: 'incoming',
    state: 'ended',
    remote: { displayName: 'Alice', user: '1002', uri: 'sip:1002@pbx' },
    mediaMode: 'rtp',
    createdAt: 1000,
    endedAt: 5000,
    endReason: 'cancelled',
    line: 1,
    muted: false,
    volume: 1,
    ...patch,
  };
}

describe('what counts as a missed call', () => {
  test('the caller hung up before anyone answered: missed', () => {
    expect(isMissedCall(ended())).toBe(true);
  });
  test('answered elsewhere (CANCEL with Reason: SIP;cause=200 — a colleague picked it up, a queue member answered): not missed', () => {
    expect(isMissedCall(ended({ endReason: 'answered-elsewhere' }))).toBe(false);
  });
  test('answered on this console, even if it ended badly afterwards: not missed', () => {
    expect(isMissedCall(ended({ answeredAt: 2000, endReason: 'remote-hangup' }))).toBe(false);
    expect(isMissedCall(ended({ answeredAt: 2000, endReason: 'network' }))).toBe(false);
  });
  test('handled by the receptionist (declined, sent elsewhere, transferred, replaced): not missed', () => {
    for (const endReason of ['declined', 'deflected', 'transferred', 'replaced']) expect(isMissedCall(ended({ endReason }))).toBe(false);
  });
  test('the PBX stopped ringing us or the network dropped it, unanswered: missed', () => {
    for (const endReason of ['timeout', 'network', 'unavailable', undefined]) {
      const { endReason: _drop, ...rest } = ended();
      expect(isMissedCall(endReason === undefined ? rest : ended({ endReason }))).toBe(true);
    }
  });
  test('our own outgoing calls and calls still ringing are never missed', () => {
    expect(isMissedCall(ended({ direction: 'outgoing' }))).toBe(false);
    expect(isMissedCall(ended({ state: 'incoming' }))).toBe(false);
  });
});

function service(file?: string) {
  const events: { name: EventName; payload: unknown }[] = [];
  const s = new MissedCallsService({ file });
  s.bind(<E extends EventName>(name: E, payload: Events[E]) => events.push({ name, payload }));
  return { s, events };
}

describe('the missed-call counter in main', () => {
  test('each missed call adds one and is announced (missed.changed, then missed.added to notify); others change nothing', () => {
    const { s, events } = service();
    s.callEnded(ended({ id: 'a' }));
    s.callEnded(ended({ id: 'b', endReason: 'answered-elsewhere' }));
    s.callEnded(ended({ id: 'c', remote: { user: '1004', uri: 'sip:1004@pbx' } }));
    expect(s.view().count).toBe(2);
    expect(s.snapshot().missed).toEqual({ count: 2, last: { callId: 'c', number: '1004', at: 5000 } });
    expect(events.map((e) => e.name)).toEqual(['missed.changed', 'missed.added', 'missed.changed', 'missed.added']);
    expect(events[1]!.payload).toEqual({ callId: 'a', number: '1002', name: 'Alice', at: 5000, count: 1 });
  });

  test('the directory name wins over the SIP display name', () => {
    const { s } = service();
    s.callEnded(ended({ contact: { id: 1, name: 'Alice Martin', directory: 'Company', directoryKind: 'company' } }));
    expect(s.view().last?.name).toBe('Alice Martin');
  });

  test('viewing the History (missed.seen) brings it back to 0, once', () => {
    const { s, events } = service();
    s.callEnded(ended());
    events.length = 0;
    expect(s.handlers['missed.seen']()).toEqual({ count: 0, last: expect.objectContaining({ number: '1002' }) });
    s.handlers['missed.seen']();
    expect(events.map((e) => e.name)).toEqual(['missed.changed']);
  });

  test('saved in the data directory and read back at the next start; a damaged file counts as nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-missed-'));
    const file = join(dir, 'missed-calls.json');
    const first = service(file).s;
    first.callEnded(ended({ id: 'a' }));
    first.callEnded(ended({ id: 'b' }));
    await first.stop();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ count: 2 });
    expect(service(file).s.view().count).toBe(2);
    writeFileSync(file, '{"count": "lots"');
    expect(service(file).s.view()).toEqual({ count: 0 });
    expect(parseMissedCallsFile('{"count": -3, "last": {"number": 5}}')).toEqual({ count: 0 });
    expect(parseMissedCallsFile(JSON.stringify({ count: 7, last: { callId: 'x', number: '1'.repeat(500), at: 1 } })).last?.number).toHaveLength(128);
  });

  test('no file (web host --in-memory): counts in memory, writes nothing', async () => {
    const { s } = service(undefined);
    s.callEnded(ended());
    await s.stop();
    expect(s.view().count).toBe(1);
  });
});

describe('badge, overlay and taskbar flash per platform', () => {
  const base = { missed: 3, ringing: 0, focused: false, pending: true };
  test('macOS and Linux: the count on the app icon (setBadgeCount), no overlay', () => {
    for (const p of ['darwin', 'linux'] as const) {
      expect(attentionPlan(base, p)).toEqual({ badgeCount: 3, overlay: null, flash: true });
      expect(attentionPlan({ ...base, missed: 0, pending: false }, p)).toEqual({ badgeCount: 0, overlay: null, flash: false });
    }
  });
  test('Windows: no badge count (unsupported) but a taskbar overlay whose description says the count; cleared at 0', () => {
    expect(attentionPlan(base, 'win32')).toEqual({
      badgeCount: null,
      overlay: { show: true, description: { key: 'missed.count', params: { count: 3 } } },
      flash: true,
    });
    expect(attentionPlan({ ...base, missed: 0 }, 'win32').overlay).toEqual({ show: false });
    expect(translate('fr', 'missed.count', { count: 3 })).toBe('3 appels manqués');
  });
  test('flash: a call missed or ringing while the console is in the background; stops when she comes back, the count stays', () => {
    const t = new AttentionTracker();
    t.focusChanged(true);
    t.missedAdded(1);
    expect(attentionPlan(t.input(), 'win32').flash).toBe(false); // she was looking at it
    t.focusChanged(false);
    expect(attentionPlan(t.input(), 'win32').flash).toBe(false); // nothing new since
    t.missedAdded(2);
    expect(attentionPlan(t.input(), 'win32').flash).toBe(true);
    t.focusChanged(true);
    const back = attentionPlan(t.input(), 'darwin');
    expect(back).toEqual({ badgeCount: 2, overlay: null, flash: false });
    t.focusChanged(false);
    t.ringingChanged(1);
    expect(attentionPlan(t.input(), 'linux').flash).toBe(true); // a call rings in the background
    t.ringingChanged(0);
    t.missedChanged(0); // History viewed (in another window)
    expect(attentionPlan(t.input(), 'linux')).toEqual({ badgeCount: 0, overlay: null, flash: true }); // until she comes back
    expect(attentionChanged(back, back)).toBe(false);
    expect(attentionChanged(undefined, back)).toBe(true);
  });
  test('the overlay dot is drawn in code: transparent corners, opaque red centre', () => {
    const bmp = overlayDotBitmap(16);
    expect(bmp).toHaveLength(16 * 16 * 4);
    expect(bmp[3]).toBe(0); // corner alpha
    const centre = (8 * 16 + 8) * 4;
    expect([...bmp.subarray(centre, centre + 4)]).toEqual([0x2d, 0x2d, 0xc6, 0xff]);
  });
});

describe('pop-ups', () => {
  const m = { callId: 'c', number: '1002', name: 'Alice', at: 1, count: 1 };
  test('Electron: a missed-call notification only with pop-ups on; caller data as plain text', () => {
    expect(missedCallNotification(m, false)).toBeUndefined();
    expect(missedCallNotification(m, true)).toEqual({ title: { key: 'notify.missed', params: { name: 'Alice' } }, body: '1002' });
    const hostile = missedCallNotification({ ...m, name: '\u202Eevil<b>\u0000' }, true);
    expect(hostile?.title.params.name).toBe('evilb');
    expect(missedCallNotification({ ...m, name: '\u200B' }, true)).toEqual({ title: { key: 'notify.missed', params: { name: '1002' } }, body: '' });
  });
  test('web host: only with pop-ups on and the browser permission granted; ringing calls only when the page is not in front', () => {
    const ok: PopupContext = { host: 'web', popups: true, permission: 'granted', attentive: true };
    expect(shouldPopUp('missed', ok)).toBe(true);
    expect(shouldPopUp('incoming', ok)).toBe(false);
    expect(shouldPopUp('incoming', { ...ok, attentive: false })).toBe(true);
    expect(shouldPopUp('missed', { ...ok, popups: false })).toBe(false);
    for (const permission of ['default', 'denied', 'unsupported'] as const) expect(shouldPopUp('missed', { ...ok, permission })).toBe(false);
    expect(shouldPopUp('missed', { ...ok, host: 'electron' })).toBe(false); // Electron main shows its own
  });
  test('web pop-up text: hostile caller data cleaned and capped', () => {
    expect(popupContent('missed', { name: 'Bob\u202E\nSmith', number: '1003' })).toEqual({ key: 'notify.missed', params: { name: 'Bob Smith' }, body: '1003' });
    expect(popupContent('incoming', { number: '1003' })).toEqual({ key: 'notify.incoming', params: { name: '1003' }, body: '' });
    expect(Array.from(popupText('é'.repeat(200)))).toHaveLength(80);
  });
  test('plural texts (French counts 0 and 1 as one)', () => {
    expect(translate('en', 'missed.historyTab', { count: 1 })).toBe('History, 1 missed call');
    expect(translate('en', 'missed.historyTab', { count: 2 })).toBe('History, 2 missed calls');
    expect(translate('fr', 'missed.count', { count: 1 })).toBe('1 appel manqué');
    expect(translate('nl', 'missed.count', { count: 2 })).toBe('2 gemiste oproepen');
  });
});

describe('the Recall list', () => {
  let id = 0;
  const h = (number: string, type: HistoryEntryView['type'], startedAt: number, remoteName = ''): HistoryEntryView => ({
    id: ++id,
    direction: type === 'placed' || type === 'picked-up' ? 'outgoing' : 'incoming',
    type,
    remoteNumber: number,
    remoteName,
    startedAt,
    answeredAt: null,
    endedAt: null,
    ringMs: 0,
    talkMs: 0,
    line: 1,
    transferTarget: null,
    endReason: '',
  });

  test('newest first, one entry per number (written any way), with the newest call type and a name from any call', () => {
    const list = recallList([
      h('01 23 45 67 89', 'received', 100, 'Dupont SA'),
      h('1002', 'placed', 300),
      h('0123456789', 'missed', 400),
      h('1002', 'missed', 200, 'Alice'),
      h('sip:1003', 'received', 250),
    ]);
    expect(list).toEqual([
      { number: '0123456789', name: 'Dupont SA', type: 'missed', at: 400 },
      { number: '1002', name: 'Alice', type: 'placed', at: 300 },
      { number: 'sip:1003', name: '', type: 'received', at: 250 },
    ]);
  });
  test('at most ten numbers; pickups and empty numbers left out', () => {
    const rows = Array.from({ length: 15 }, (_, i) => h(String(2000 + i), 'placed', i));
    const list = recallList([...rows, h('**1003', 'picked-up', 99), h('  ', 'missed', 98)]);
    expect(list).toHaveLength(10);
    expect(list[0]!.number).toBe('2014');
    expect(list.some((e) => e.number.startsWith('**'))).toBe(false);
    expect(recallKey(' (01) 23-45.67/89 ')).toBe('0123456789');
  });
});
