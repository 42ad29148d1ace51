/**
 * Presence everywhere (issue 13 item 2): the on-demand watch set (cap, linger, pacing), which extension a contact
 * shows, and the presence service applying it over a softphone seam we own (counting SUBSCRIBE dialogs).
 */
import { contactExtension } from '../../electron/contract/contact-extension';
import { OnDemandWatchSet } from '../../electron/services/presence-demand';
import { favoriteKeyOf, PresenceService } from '../../electron/services/presence-service';
import type { PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';

const exts = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));

describe('OnDemandWatchSet', () => {
  test('rows on screen are subscribed, a few per step, never more than the cap', () => {
    const set = new OnDemandWatchSet({ cap: 10, lingerMs: 5000, perStep: 4 });
    set.want(exts(2000, 25), 0);
    const steps = [set.step(0), set.step(250), set.step(500), set.step(750)];
    expect(steps.map((s) => s.subscribe.length)).toEqual([4, 4, 2, 0]);
    expect(steps.flatMap((s) => s.subscribe)).toEqual(exts(2000, 10));
    expect(set.active()).toHaveLength(10);
    // Every subscribed row is still on screen: the cap holds, the rest wait.
    expect(set.busy()).toBe(false);
  });

  test('a row scrolled away lingers, comes back without a new SUBSCRIBE, and is released after the linger', () => {
    const set = new OnDemandWatchSet({ cap: 10, lingerMs: 5000, perStep: 8 });
    set.want(['1002', '1003'], 0);
    expect(set.step(0).subscribe).toEqual(['1002', '1003']);
    set.want(['1003'], 1000);
    expect(set.step(1000)).toEqual({ subscribe: [], unsubscribe: [] });
    expect(set.busy()).toBe(true);
    set.want(['1002', '1003'], 3000); // scrolled back within the linger
    expect(set.step(3000)).toEqual({ subscribe: [], unsubscribe: [] });
    set.want(['1003'], 4000);
    expect(set.step(8999)).toEqual({ subscribe: [], unsubscribe: [] });
    expect(set.step(9000)).toEqual({ subscribe: [], unsubscribe: ['1002'] });
    expect(set.active()).toEqual(['1003']);
  });

  test('at the cap, the least-recently-visible lingering row makes room for a new one', () => {
    const set = new OnDemandWatchSet({ cap: 3, lingerMs: 60_000, perStep: 8 });
    set.want(['a'], 0);
    set.step(0);
    set.want(['b'], 100);
    set.step(100);
    set.want(['c'], 200);
    set.step(200);
    expect(set.active()).toEqual(['a', 'b', 'c']);
    set.want(['d', 'e'], 300);
    const s = set.step(300);
    expect(s.subscribe).toEqual(['d', 'e']);
    expect(s.unsubscribe).toEqual(['a', 'b']); // a was seen last at 0, b at 100: c (200) stays
    expect(set.active().sort()).toEqual(['c', 'd', 'e']);
  });

  test('scrolling through 500 rows never holds more than the cap at once', () => {
    const set = new OnDemandWatchSet({ cap: 40, lingerMs: 4000, perStep: 8 });
    let peak = 0;
    let started = 0;
    for (let t = 0, top = 0; top < 500; t += 100, top += 5) {
      set.want(exts(3000 + top, 15), t); // 15 rows on screen, scrolling 5 rows per 100 ms
      const s = set.step(t);
      started += s.subscribe.length;
      peak = Math.max(peak, set.active().length);
    }
    expect(peak).toBeLessThanOrEqual(40);
    expect(started).toBeGreaterThan(40); // it did follow the scroll
  });

  test('forget (became a favorite) and reset (account gone)', () => {
    const set = new OnDemandWatchSet({ cap: 5, lingerMs: 1000, perStep: 8 });
    set.want(['1', '2'], 0);
    set.step(0);
    expect(set.forget('1')).toBe(true);
    expect(set.active()).toEqual(['2']);
    expect(set.reset()).toEqual(['2']);
    expect(set.active()).toEqual([]);
    expect(set.step(10).subscribe).toEqual(['1', '2']); // still wanted: subscribed again on the next account
    expect(() => new OnDemandWatchSet({ cap: -1 })).toThrow(RangeError);
  });
});

describe('contactExtension: which lamp a contact shows', () => {
  test('an extension field first, else a short internal work/main/other number; mobiles never', () => {
    expect(contactExtension({ phones: [{ type: 'work', number: '+33 1 44 55 10 03' }, { type: 'extension', number: '1003' }] })).toBe('1003');
    expect(contactExtension({ phones: [{ type: 'work', number: '1004' }] })).toBe('1004');
    expect(contactExtension({ phones: [{ type: 'other', number: '42' }] })).toBe('42');
    expect(contactExtension({ phones: [{ type: 'mobile', number: '1005' }] })).toBeUndefined();
    expect(contactExtension({ phones: [{ type: 'work', number: '+33 6 12 34 56 78' }] })).toBeUndefined();
    expect(contactExtension({ phones: [{ type: 'work', number: '1234567' }] })).toBeUndefined();
    expect(contactExtension({ phones: [{ type: 'extension', number: '<script>' }] })).toBeUndefined();
    expect(contactExtension({ phones: [] })).toBeUndefined();
  });
  test('a starred contact without extension keeps its number as favorite key', () => {
    expect(favoriteKeyOf({ phones: [{ type: 'mobile', number: '+33 6 12 34 56 78' }] })).toBe('+33612345678');
    expect(favoriteKeyOf({ phones: [{ type: 'work', number: '1003' }] })).toBe('1003');
    expect(favoriteKeyOf({ phones: [] })).toBeUndefined();
  });
});

/** A softphone seam: counts SUBSCRIBE dialogs like sip-core does (one per extension, shared by its watchers). */
class CountingSoftphone {
  readonly refs = new Map<string, number>();
  subscribes = 0;
  unsubscribes = 0;
  readonly listeners = new Map<string, Set<(s: PresenceStatus) => void>>();
  watch(extension: string): Watch {
    const n = this.refs.get(extension) ?? 0;
    if (n === 0) this.subscribes++;
    this.refs.set(extension, n + 1);
    let disposed = false;
    const listeners = this.listeners.get(extension) ?? new Set();
    this.listeners.set(extension, listeners);
    return {
      extension,
      status: () => ({ state: 'idle', since: 1 }),
      onDidChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        const left = (this.refs.get(extension) ?? 1) - 1;
        if (left === 0) {
          this.refs.delete(extension);
          this.unsubscribes++;
        } else this.refs.set(extension, left);
      },
    };
  }
  emit(extension: string, state: PresenceStatus['state']): void {
    for (const l of this.listeners.get(extension) ?? []) l({ state, since: Date.now() });
  }
}

describe('PresenceService on demand', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function service(): { svc: PresenceService; phone: CountingSoftphone; events: { name: string; payload: unknown }[] } {
    const svc = new PresenceService({ onDemand: { cap: 5, lingerMs: 3000, perStep: 2 }, stepMs: 200 });
    const events: { name: string; payload: unknown }[] = [];
    svc.bind((name, payload) => events.push({ name, payload }));
    const phone = new CountingSoftphone();
    svc.setFavorites([{ extension: '1002', name: 'Anna' }]);
    svc.attach(phone as unknown as Softphone);
    return { svc, phone, events };
  }

  test('visible rows are watched within the cap, paced; favorites are not counted; hidden ones are released', () => {
    const { svc, phone, events } = service();
    expect(phone.subscribes).toBe(1); // the favorite
    const r = svc.watchVisible('w1', ['1002', ...exts(2000, 12)]);
    expect(r.cap).toBe(5);
    jest.advanceTimersByTime(0);
    expect(svc.stats().onDemand).toBe(2);
    jest.advanceTimersByTime(1000);
    expect(svc.stats()).toMatchObject({ favorites: 1, onDemand: 5, cap: 5 });
    expect(phone.subscribes).toBe(1 + 5);
    phone.emit('2000', 'busy');
    expect(events).toContainEqual({ name: 'presence.lamp', payload: expect.objectContaining({ extension: '2000', state: 'busy' }) });
    svc.watchVisible('w1', []);
    jest.advanceTimersByTime(2000);
    expect(phone.unsubscribes).toBe(0); // lingering
    jest.advanceTimersByTime(1500);
    expect(phone.unsubscribes).toBe(5);
    expect(phone.refs.has('1002')).toBe(true); // the favorite stays
  });

  test('"Add to favorites" on a watched row: the favorite takes the SUBSCRIBE over, no un-SUBSCRIBE, cap freed', () => {
    const { svc, phone } = service();
    svc.watchVisible('w1', ['2000', '2001']);
    jest.advanceTimersByTime(500);
    expect(phone.subscribes).toBe(3);
    svc.add({ extension: '2000', name: 'Bob' });
    expect(phone.subscribes).toBe(3);
    expect(phone.unsubscribes).toBe(0);
    expect(svc.stats()).toMatchObject({ favorites: 2, onDemand: 1 });
    // Removed from favorites while still on screen: back to an on-demand lamp.
    svc.remove('2000');
    jest.advanceTimersByTime(500);
    expect(svc.stats()).toMatchObject({ favorites: 1, onDemand: 2 });
  });

  test('a window that stops refreshing its set is forgotten', () => {
    const svc = new PresenceService({ onDemand: { cap: 5, lingerMs: 1000, perStep: 5 }, stepMs: 100, demandTtlMs: 5000 });
    const phone = new CountingSoftphone();
    svc.attach(phone as unknown as Softphone);
    svc.watchVisible('gone', ['2000']);
    jest.advanceTimersByTime(100);
    expect(svc.stats().onDemand).toBe(1);
    svc.watchVisible('other', ['2001']);
    jest.advanceTimersByTime(6000);
    svc.watchVisible('other', ['2001']);
    jest.advanceTimersByTime(2000);
    expect(phone.refs.has('2000')).toBe(false);
    expect(phone.refs.has('2001')).toBe(true);
    // The last window goes silent too: its rows are released without any other window speaking.
    jest.advanceTimersByTime(5000 + 30_000 + 2000);
    expect(svc.stats().onDemand).toBe(0);
    svc.detach();
    expect(phone.refs.size).toBe(0);
  });

  test('contacts starred by an earlier version become monitored favorites, then lose their star', async () => {
    let cleared = false;
    const svc = new PresenceService({
      starred: async () => ({
        contacts: [
          { name: 'Colette', phones: [{ type: 'extension', number: '1003' }] },
          { name: 'Taxi', phones: [{ type: 'mobile', number: '+33 6 00 00 00 01' }] },
        ],
        done: async () => {
          cleared = true;
        },
      }),
    });
    let persisted = 0;
    svc.start({ dispatch: async () => ({ ok: true, value: undefined }), preferences: () => ({}) as never, persistNow: () => persisted++ });
    svc.setFavorites([{ extension: '1002' }]);
    svc.attach(new CountingSoftphone() as unknown as Softphone);
    await jest.runAllTimersAsync();
    expect(svc.favorites().map((f) => [f.extension, f.name])).toEqual([
      ['1002', undefined],
      ['1003', 'Colette'],
      ['+33600000001', 'Taxi'],
    ]);
    expect(persisted).toBe(1);
    expect(cleared).toBe(true);
  });
});

describe('ContactsService hands its starred contacts over (one notion of favorite)', () => {
  test('starred contacts are given with their numbers, and lose their star only when done', async () => {
    const { ContactsService } = await import('../../electron/services/contacts-service');
    const contacts = new ContactsService({ dbPath: ':memory:' });
    const conn = { id: 't', send: () => undefined };
    const create = contacts.handlers['contacts.create']!;
    const colette = (await create({ contact: { name: 'Colette Durand', phones: [{ type: 'work', number: '1003' }] } } as never, conn)) as { id: number };
    await create({ contact: { name: 'Not starred', phones: [{ type: 'work', number: '1004' }] } } as never, conn);
    // Starred by an earlier version: migration 0005 moved the star there (favorites-mirror.test.ts opens such a file).
    await (await contacts.directory()).db.run('INSERT INTO starred_handover (contact_id) VALUES (?)', [colette.id]);
    const first = await contacts.takeStarredContacts();
    expect(first.contacts).toEqual([{ name: 'Colette Durand', phones: [{ type: 'work', number: '1003' }] }]);
    // Interrupted before done(): still starred, handed over again next time (nothing lost).
    expect((await contacts.takeStarredContacts()).contacts).toHaveLength(1);
    await first.done();
    expect((await contacts.takeStarredContacts()).contacts).toEqual([]);
    await contacts.stop();
  });
});
