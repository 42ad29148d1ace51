/**
 * How many rows of a long list the page renders now (lib/state/progressive.ts: the first screenful, then a slice per
 * frame). Create it while a component initializes (it runs an effect for the component's life).
 *
 * `rows` is read, not pushed: when the view changes (a tab opened, another directory or filter answered), it is the
 * first screenful in that very update; an effect runs after the update, which would have rendered the count grown
 * for the view shown before. A refresh of the same view keeps the rows already shown.
 */
import { untrack } from 'svelte';
import { FIRST_ROWS, growRows, startRows, type FrameScheduler } from './progressive';

const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export class GrowingRows {
  #grown = $state({ view: '', rows: FIRST_ROWS });
  readonly #view: () => string;

  /** `view` names what the list shows (it changes with the tab, directory or filter); `total` is its length. */
  constructor(view: () => string, total: () => number) {
    this.#view = view;
    $effect(() => {
      const shown = view();
      const length = total();
      const from = untrack(() => startRows(this.#grown.view === shown, this.#grown.rows));
      return growRows(length, from, (rows) => (this.#grown = { view: shown, rows }), animationFrames);
    });
  }

  get rows(): number {
    return this.#grown.view === this.#view() ? this.#grown.rows : FIRST_ROWS;
  }
}
