/**
 * A directory tab lists the whole directory, a page at a time as she scrolls (001: the Company tab "shows all the
 * contacts of your company"). It used to ask for the first 500 by name and stop there without a word: at 50,000
 * contacts she could never scroll past the A's. And those 500 were read, sent, parsed and rendered at every click on
 * the tab (Chromium, 2 cores: the answer took ~15 ms to arrive in the page, leaving the tab tore 500 rows down in a
 * ~25 ms click), where she sees about fifteen.
 *
 * The first page is LIST_PAGE contacts; the next one is asked for when the end of what is loaded comes near the
 * screen, and so on to the directory's end. A refresh of the same view (a contact changed, an import, a company
 * refresh) asks again for what she had loaded, up to REFRESH_MAX: the list does not shrink under her.
 */
export const LIST_PAGE = 100;
/** The most a refresh asks for at once (the command's own limit): beyond, the next pages come again as she scrolls. */
export const REFRESH_MAX = 1000;

/** How many contacts to ask for from the start: a first page, or what was loaded of the same view (a refresh). */
export function firstPageLimit(sameView: boolean, loaded: number): number {
  return sameView ? Math.min(REFRESH_MAX, Math.max(LIST_PAGE, loaded)) : LIST_PAGE;
}

/** Whether more may follow what a page answered: it came full. */
export function mayHaveMore(answered: number, asked: number): boolean {
  return answered >= asked;
}

/**
 * The list with a next page appended. Pages are asked by offset: a contact added or removed in between (an LDAP
 * refresh) shifts the next page by one, so a contact already listed may come again. It is listed once (the list is
 * keyed by id); the change itself refreshes the whole view. The caller counts the rows answered, not the rows listed,
 * for the next page's offset: a page of repeats must not be asked for again and again.
 */
export function appendPage<T extends { id: number }>(list: readonly T[], page: readonly T[]): T[] {
  const ids = new Set(list.map((c) => c.id));
  return [...list, ...page.filter((c) => !ids.has(c.id))];
}

export interface MoreWanted {
  /** The end of what is rendered is near the screen (within a screenful or so). */
  nearEnd: boolean;
  /** Rows rendered and rows loaded: while the first is smaller, rows still go on screen a slice per frame. */
  rendered: number;
  loaded: number;
  /** The last page came full. */
  more: boolean;
  /**
   * The list's container scrolls: if it does not, its height is not bounded and "near the end" is always true. Asked
   * last, only when all the rest holds: reading a scroll height lays the page out at once (a forced layout).
   */
  scrolls: () => boolean;
}

/** Whether to ask for the next page now. */
export function wantsMore(s: MoreWanted): boolean {
  return s.more && s.nearEnd && s.rendered >= s.loaded && s.scrolls();
}
