/**
 * Long lists go on screen a slice per frame: a directory tab's 500 contacts or the history's 200 calls rendered in one
 * task held the page for 100-300 ms (Chromium, 2 cores: a click on the Personal tab painted its list ~300-460 ms later,
 * in tasks of up to 200 ms, during which a ringing call could not be answered). The first screenful comes at once, the
 * rest ROWS_PER_FRAME rows per animation frame, each frame a few milliseconds of work.
 *
 * Twenty rows: the pane shows about sixteen on a 1080-pixel screen. Each row costs ~0.25 ms of script to create (a
 * Svelte component with its lamp, ~0.15 ms in a CPU profile) plus its layout and paint; forty made the answer's task
 * ~25 ms and each following frame ~25 ms, over a 60 Hz frame's 16 ms. On a taller screen the rows past the twentieth
 * come a frame (16 ms) later.
 */
export const FIRST_ROWS = 20;
export const ROWS_PER_FRAME = 20;

/** The page's animation frames (requestAnimationFrame), or the test's. */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

/**
 * Shows `from` rows of a list of `total` at once (at least FIRST_ROWS; never more than `total`) and then ROWS_PER_FRAME
 * more per frame until all are shown, through `show`. Returns the cancel (a newer list, or the list leaves the page).
 */
export function growRows(total: number, from: number, show: (rows: number) => void, frames: FrameScheduler): () => void {
  let rows = Math.min(total, Math.max(from, FIRST_ROWS));
  let handle: number | undefined;
  const next = (): void => {
    rows = Math.min(total, rows + ROWS_PER_FRAME);
    show(rows);
    handle = rows < total ? frames.request(next) : undefined;
  };
  show(rows);
  if (rows < total) handle = frames.request(next);
  return () => {
    if (handle !== undefined) frames.cancel(handle);
    handle = undefined;
  };
}

/**
 * Where a list replaced by a newer one starts: the same view refreshed (a contact changed, a call added to the history)
 * keeps the rows already shown, so the page does not shrink under a receptionist who scrolled down; another view (tab,
 * directory, filter) starts from its first screenful.
 */
export function startRows(sameView: boolean, shown: number): number {
  return sameView ? Math.max(shown, FIRST_ROWS) : FIRST_ROWS;
}
