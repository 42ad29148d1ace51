/**
 * A directory tab lists the whole directory, a page at a time as she scrolls (001: the Company tab "shows all the
 * contacts of your company"). It used to ask for the first 500 by name and stop there without a word: at 50,000
 * contacts she could never scroll past the A's. And those 500 were read, sent, parsed and rendered at every click on
 * the tab (Chromium, 2 cores: the answer took ~15 ms to arrive in the page, leaving the tab tore 500 rows down in a
 * ~25 ms click), where she sees about fifteen.
 *
 * The first page is LIST_PAGE contacts; the next one is asked for when the end of what is loaded comes near the
 * screen, and so on to the directory's end. A refresh of the same view (a contact changed, an import, a company
 * refresh) asks again for what she had loaded: the list does not shrink under her. The history pages the same way.
 */
export const LIST_PAGE = 100;
/** The most one request asks for (the commands' own limit): a refresh of more asks again from where the last ended. */
export const REFRESH_MAX = 1000;

/**
 * Rows of a list after `last` (from the list's start when undefined), at most `limit`; undefined when the request failed
 * (the error is shown). Pages are read by their last row, a keyset: `contacts.list` `afterId` in name order,
 * `history.list` `beforeId` newest first. A contact added or removed before a page does not shift it, and a page deep in
 * 50,000 contacts costs what the first does.
 */
export type PageReader<T> = (last: T | undefined, limit: number) => Promise<readonly T[] | undefined>;

/** What a view shows after reading its first rows: the rows, and whether more may follow (the last page came full). */
export interface FirstRows<T> {
  readonly rows: T[];
  readonly more: boolean;
}

/**
 * The first rows of a view: a first page when she opens it, or everything she had loaded of it when the same view is
 * refreshed (a contact changed, an import, a company refresh, a call added), REFRESH_MAX rows a request: the list does
 * not shrink under her however far she scrolled. Undefined when a request failed (the list shown stays as it was).
 */
export async function readFirstRows<T extends { id: number }>(read: PageReader<T>, sameView: boolean, loaded: number): Promise<FirstRows<T> | undefined> {
  const wanted = sameView ? Math.max(LIST_PAGE, loaded) : LIST_PAGE;
  let rows: T[] = [];
  // Each request starts after the last row answered (not the last row listed, which a repeat may have dropped).
  for (let last: T | undefined; ; ) {
    const limit = Math.min(REFRESH_MAX, wanted - rows.length);
    const page = await read(last, limit);
    if (!page) return undefined;
    rows = appendPage(rows, page);
    last = page.at(-1);
    if (!mayHaveMore(page.length, limit)) return { rows, more: false };
    if (rows.length >= wanted) return { rows, more: true };
  }
}

/** Whether more may follow what a page answered: it came full. */
export function mayHaveMore(answered: number, asked: number): boolean {
  return answered >= asked;
}

/**
 * The list with a next page appended. A page starts after the list's last row, so it repeats nothing unless a contact
 * was renamed in between (listed at its old place, answered at its new one): it is listed once (the list is keyed by
 * id), and the rename itself refreshes the whole view.
 */
export function appendPage<T extends { id: number }>(list: readonly T[], page: readonly T[]): T[] {
  const ids = new Set(list.map((c) => c.id));
  return [...list, ...page.filter((c) => !ids.has(c.id))];
}

/** A next page that failed is asked for again after this long, if she is still near the end of the same list. */
export const RETRY_MS = 3000;

/**
 * A list's next page as she scrolls: one at a time, after the list's last row, appended; dropped when the list was
 * replaced while it was on its way (another tab, a filter, a refresh: that answer is newer). A page that failed (the
 * pane shows the error) is retried: RETRY_MS later the same rows are shown again as a new list, which makes the pane
 * ask again if the end is still near its view; the error goes once a page comes.
 */
export class NextPage<T extends { id: number }> {
  readonly #list: () => readonly T[];
  readonly #read: PageReader<T>;
  readonly #show: (rows: T[], more: boolean) => void;
  #busy = false;

  /** `list` is the list shown; `show` replaces it with the rows given and says whether more may follow. */
  constructor(list: () => readonly T[], read: PageReader<T>, show: (rows: T[], more: boolean) => void) {
    this.#list = list;
    this.#read = read;
    this.#show = show;
  }

  async load(): Promise<void> {
    const list = this.#list();
    const last = list.at(-1);
    if (!last || this.#busy) return;
    this.#busy = true;
    try {
      const page = await this.#read(last, LIST_PAGE);
      if (this.#list() !== list) return;
      if (!page) {
        setTimeout(() => this.#list() === list && this.#show([...list], true), RETRY_MS);
        return;
      }
      this.#show(appendPage(list, page), mayHaveMore(page.length, LIST_PAGE));
    } finally {
      this.#busy = false;
    }
  }
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
