/**
 * A directory tab lists the whole directory a page at a time as she scrolls (renderer/lib/state/list-pages.ts), not
 * its first 500 contacts and nothing after them.
 */
import { LIST_PAGE, REFRESH_MAX, appendPage, firstPageLimit, mayHaveMore, wantsMore, type MoreWanted } from '../../renderer/lib/state/list-pages';

const contacts = (from: number, n: number): { id: number }[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));

describe('directory tabs, a page at a time', () => {
  it('asks for a first page when a tab opens, and for what was loaded when the same view is refreshed (up to the limit)', () => {
    expect(firstPageLimit(false, 0)).toBe(LIST_PAGE);
    expect(firstPageLimit(false, 700)).toBe(LIST_PAGE); // another tab or directory: its own first page
    expect(firstPageLimit(true, 0)).toBe(LIST_PAGE);
    expect(firstPageLimit(true, 30)).toBe(LIST_PAGE);
    expect(firstPageLimit(true, 3 * LIST_PAGE)).toBe(3 * LIST_PAGE); // a refresh does not shrink what she scrolled to
    expect(firstPageLimit(true, 50_000)).toBe(REFRESH_MAX);
  });

  it('expects more only after a full page', () => {
    expect(mayHaveMore(LIST_PAGE, LIST_PAGE)).toBe(true);
    expect(mayHaveMore(LIST_PAGE - 1, LIST_PAGE)).toBe(false);
    expect(mayHaveMore(0, LIST_PAGE)).toBe(false);
  });

  it('appends the next page, each contact once when the directory shifted between two pages', () => {
    const first = contacts(1, 100);
    expect(appendPage(first, contacts(101, 100)).map((c) => c.id)).toEqual(contacts(1, 200).map((c) => c.id));
    // A contact was added before the second page was read: the page starts one contact early.
    const shifted = appendPage(first, contacts(100, 100));
    expect(shifted.map((c) => c.id)).toEqual(contacts(1, 199).map((c) => c.id));
    expect(new Set(shifted.map((c) => c.id)).size).toBe(shifted.length);
    expect(appendPage(first, [])).toEqual(first);
    expect(first).toHaveLength(100); // the list shown is not changed in place
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
