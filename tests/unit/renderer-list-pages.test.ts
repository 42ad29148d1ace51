/**
 * A directory tab lists the whole directory a page at a time as she scrolls (renderer/lib/state/list-pages.ts), not
 * its first 500 contacts and nothing after them.
 */
import { LIST_PAGE, REFRESH_MAX, RETRY_MS, NextPage, appendPage, mayHaveMore, readFirstRows, wantsMore, type MoreWanted, type PageReader } from '../../renderer/lib/state/list-pages';

const contacts = (from: number, n: number): { id: number }[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const ids = (rows: readonly { id: number }[]): number[] => rows.map((c) => c.id);

/** A directory of `n` rows (ids 1..n in list order) read by keyset, as contacts.list afterId; what was asked is kept. */
function directory(n: number): { read: PageReader<{ id: number }>; asked: { after?: number; limit: number }[]; fail: Set<number> } {
  const rows = contacts(1, n);
  const asked: { after?: number; limit: number }[] = [];
  const fail = new Set<number>();
  const read: PageReader<{ id: number }> = (last, limit) => {
    asked.push({ ...(last && { after: last.id }), limit });
    if (fail.has(asked.length)) return Promise.resolve(undefined);
    const from = last ? rows.findIndex((c) => c.id === last.id) + 1 : 0;
    return Promise.resolve(rows.slice(from, from + limit));
  };
  return { read, asked, fail };
}

describe('directory tabs, a page at a time', () => {
  it('reads a first page when a tab opens, and everything loaded when the same view is refreshed, however far', async () => {
    const d = directory(5000);
    const opened = await readFirstRows(d.read, false, 700); // another tab or directory: its own first page
    expect(ids(opened!.rows)).toEqual(ids(contacts(1, LIST_PAGE)));
    expect(opened!.more).toBe(true);
    expect(d.asked).toEqual([{ limit: LIST_PAGE }]);

    d.asked.length = 0;
    const small = await readFirstRows(d.read, true, 30); // a refresh asks at least a page
    expect(small!.rows).toHaveLength(LIST_PAGE);

    d.asked.length = 0;
    const refreshed = await readFirstRows(d.read, true, 2500); // she had scrolled to 2,500: the list does not shrink
    expect(ids(refreshed!.rows)).toEqual(ids(contacts(1, 2500)));
    expect(refreshed!.more).toBe(true);
    // REFRESH_MAX a request, each starting after the last row answered.
    expect(d.asked).toEqual([{ limit: REFRESH_MAX }, { after: 1000, limit: REFRESH_MAX }, { after: 2000, limit: 500 }]);

    const whole = await readFirstRows(directory(1200).read, true, 3000); // the directory got shorter meanwhile
    expect(whole!.rows).toHaveLength(1200);
    expect(whole!.more).toBe(false);
    expect(await readFirstRows(directory(0).read, false, 0)).toEqual({ rows: [], more: false });
  });

  it('reads nothing when a request of a refresh fails (the list shown stays as it was)', async () => {
    const d = directory(5000);
    d.fail.add(2);
    expect(await readFirstRows(d.read, true, 2500)).toBeUndefined();
  });

  it('expects more only after a full page', () => {
    expect(mayHaveMore(LIST_PAGE, LIST_PAGE)).toBe(true);
    expect(mayHaveMore(LIST_PAGE - 1, LIST_PAGE)).toBe(false);
    expect(mayHaveMore(0, LIST_PAGE)).toBe(false);
  });

  it('appends the next page, each contact once when one was renamed between two pages', () => {
    const first = contacts(1, 100);
    expect(ids(appendPage(first, contacts(101, 100)))).toEqual(ids(contacts(1, 200)));
    // Contact 150 was renamed to sort after 100: listed at its old place already, answered again at its new one.
    const renamed = appendPage(contacts(101, 100), [{ id: 150 }, ...contacts(201, 99)]);
    expect(new Set(ids(renamed)).size).toBe(renamed.length);
    expect(renamed).toHaveLength(199);
    expect(appendPage(first, [])).toEqual(first);
    expect(first).toHaveLength(100); // the list shown is not changed in place
  });

  it('loads the next page after the last row, one at a time, and drops it when the list was replaced meanwhile', async () => {
    const d = directory(250);
    let list: { id: number }[] = contacts(1, LIST_PAGE);
    let more = true;
    const next = new NextPage(() => list, d.read, (rows, m) => ((list = rows), (more = m)));
    await Promise.all([next.load(), next.load()]); // she scrolls twice quickly: one request
    expect(d.asked).toEqual([{ after: 100, limit: LIST_PAGE }]);
    expect(ids(list)).toEqual(ids(contacts(1, 200)));
    expect(more).toBe(true);
    await next.load();
    expect(ids(list)).toEqual(ids(contacts(1, 250)));
    expect(more).toBe(false); // the directory's end

    // Another tab was opened while the page was on its way: its list is not touched.
    list = contacts(1, LIST_PAGE);
    const loading = next.load();
    const other = [{ id: 9001 }];
    list = other;
    await loading;
    expect(list).toBe(other);

    // An empty list has no next page.
    list = [];
    const asked = d.asked.length;
    await next.load();
    expect(d.asked).toHaveLength(asked);
  });

  it('shows the same rows again a moment after a page failed, so the pane asks for it again; not once the list changed', async () => {
    jest.useFakeTimers();
    try {
      const d = directory(250);
      let list: { id: number }[] = contacts(1, LIST_PAGE);
      let shown = 0;
      const next = new NextPage(() => list, d.read, (rows) => ((list = rows), shown++));
      d.fail.add(1);
      const before = list;
      await next.load();
      expect(list).toBe(before); // nothing appended, nothing lost
      jest.advanceTimersByTime(RETRY_MS - 1);
      expect(shown).toBe(0);
      jest.advanceTimersByTime(1);
      expect(shown).toBe(1);
      expect(list).not.toBe(before); // a new list: the pane's effect runs again
      expect(ids(list)).toEqual(ids(before));
      await next.load(); // the pane asks again: the page comes
      expect(ids(list)).toEqual(ids(contacts(1, 200)));

      // Failed again, but she opened another tab meanwhile: that list is left alone.
      d.fail.add(d.asked.length + 1);
      await next.load();
      const other = [{ id: 9001 }];
      list = other;
      jest.advanceTimersByTime(RETRY_MS);
      expect(list).toBe(other);
      expect(shown).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('asks for the next page only near the end, with every loaded row on screen, after a full page, in a scrolling pane', () => {
    let layouts = 0;
    const scrolls = (): boolean => (layouts++, true);
    const ready: MoreWanted = { nearEnd: true, rendered: 100, loaded: 100, more: true, scrolls };
    expect(wantsMore(ready)).toBe(true);
    expect(wantsMore({ ...ready, nearEnd: false })).toBe(false); // she has not scrolled there
    expect(wantsMore({ ...ready, rendered: 80 })).toBe(false); // rows loaded still going on screen
    expect(wantsMore({ ...ready, more: false })).toBe(false); // the directory's end
    // The pane's scroll height (a forced layout) is read only when everything else says yes.
    expect(layouts).toBe(1);
    expect(wantsMore({ ...ready, scrolls: () => false })).toBe(false); // an unbounded pane would load the whole directory
  });
});
