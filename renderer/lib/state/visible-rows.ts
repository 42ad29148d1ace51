/**
 * Which directory rows with a lamp are on screen (issue 13 item 2). One IntersectionObserver for the window; after the
 * rows settle (debounced: a scroll sends one set, not one per row) their extensions go to main in list order as
 * `presence.watch`, which replaces this window's set; main subscribes within its cap and lets hidden rows linger a
 * few seconds. The set is sent again every 30 s so main can drop the set of a window that closed without a word.
 */
export const VISIBLE_ROWS_DEBOUNCE_MS = 300;
export const VISIBLE_ROWS_REFRESH_MS = 30_000;
/** The contract's limit for one `presence.watch` (main caps far lower). */
const MAX_SENT = 200;

export class VisibleRows {
  readonly #elements = new Map<Element, string>();
  readonly #visible = new Set<Element>();
  readonly #send: (extensions: readonly string[]) => void;
  #observer: IntersectionObserver | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the set is to be sent: VISIBLE_ROWS_DEBOUNCE_MS after the last change. */
  #due = 0;
  #refresh: ReturnType<typeof setTimeout> | undefined;
  #last: string | undefined;

  constructor(send: (extensions: readonly string[]) => void) {
    this.#send = send;
  }

  observe(element: Element, extension: string): () => void {
    this.#elements.set(element, extension);
    const io = this.#io();
    // Without IntersectionObserver every row counts as visible (main still applies its cap).
    if (io) io.observe(element);
    else this.#visible.add(element);
    this.#schedule();
    return () => {
      this.#elements.delete(element);
      this.#visible.delete(element);
      io?.unobserve(element);
      this.#schedule();
    };
  }

  /** Send the set again even if unchanged (a new connection to main). */
  resend(): void {
    this.#last = undefined;
    this.#schedule();
  }

  #io(): IntersectionObserver | undefined {
    if (!this.#observer && typeof IntersectionObserver !== 'undefined') {
      this.#observer = new IntersectionObserver((entries) => {
        for (const e of entries) {
          if (e.isIntersecting) this.#visible.add(e.target);
          else this.#visible.delete(e.target);
        }
        this.#schedule();
      });
    }
    return this.#observer;
  }

  /**
   * Every row added or removed calls this (a directory tab opened: a hundred rows at once). One timer, moved on when it
   * fires early, instead of a clearTimeout and a setTimeout per row (~3 ms of each tab click on a 2-core machine).
   */
  #schedule(): void {
    this.#due = Date.now() + VISIBLE_ROWS_DEBOUNCE_MS;
    this.#timer ??= setTimeout(() => this.#fire(), VISIBLE_ROWS_DEBOUNCE_MS);
  }

  #fire(): void {
    const wait = this.#due - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => this.#fire(), wait);
      return;
    }
    this.#timer = undefined;
    this.#flush(false);
  }

  #flush(force: boolean): void {
    const rows = [...this.#visible].sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    const extensions = [...new Set(rows.map((el) => this.#elements.get(el)).filter((e): e is string => e !== undefined))].slice(0, MAX_SENT);
    const key = extensions.join(',');
    if (!force && key === this.#last) return;
    this.#last = key;
    this.#send(extensions);
    clearTimeout(this.#refresh);
    this.#refresh = extensions.length ? setTimeout(() => this.#flush(true), VISIBLE_ROWS_REFRESH_MS) : undefined;
  }
}
