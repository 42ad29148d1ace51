/**
 * The missed-call counter mirrored from main (snapshot `missed`, then `missed.changed`), shown on the Contacts pane's
 * History tab and in the window title; `markSeen()` clears it when the receptionist views the History. Also tracks
 * whether the page has her attention (visible and focused): a History tab left open in a window behind others does
 * not clear the count by itself.
 */
import type { ConsoleClient } from '../../../electron/contract';
import type { MissedCallsView } from '../../../electron/contract/missed-calls';
import { pageAttentive } from '../web-notifications';


export class MissedCallsState {
  #view = $state.raw<MissedCallsView>({ count: 0 });
  #available = $state(false);
  #attentive = $state(false);
  #clearing = false;
  readonly #client: ConsoleClient;

  constructor(client: ConsoleClient) {
    this.#client = client;
    client.on('snapshot', (s) => {
      this.#available = s.missed !== undefined;
      this.#view = s.missed ?? { count: 0 };
    });
    client.on('missed.changed', (v) => {
      this.#view = v;
    });
    if (typeof window !== 'undefined') {
      const update = () => {
        this.#attentive = pageAttentive();
      };
      update();
      window.addEventListener('focus', update);
      window.addEventListener('blur', update);
      document.addEventListener('visibilitychange', update);
    }
  }

  get available(): boolean {
    return this.#available;
  }
  get count(): number {
    return this.#view.count;
  }
  get last(): MissedCallsView['last'] {
    return this.#view.last;
  }
  /** The page is visible and focused (updated on focus, blur and visibility changes). */
  get attentive(): boolean {
    return this.#attentive;
  }

  /** The receptionist viewed the History: back to 0 (in main, so every window and the taskbar follow). */
  async markSeen(): Promise<void> {
    if (this.#view.count === 0 || this.#clearing) return;
    this.#clearing = true;
    try {
      const r = await this.#client.invoke('missed.seen', {});
      if (r.ok) this.#view = r.value;
    } finally {
      this.#clearing = false;
    }
  }
}
