/**
 * Favorites with their lamps and our message-waiting count, mirrored from main (snapshot + `presence.changed`,
 * `favorites.changed`, `mwi.changed`). Self-contained: any pane can create one over the client.
 */
import type { CallView, ConsoleClient, FavoriteView, MwiView } from '../../../electron/contract';

export type FavoriteAction = 'dial' | 'pickup' | 'transfer' | 'consult';

/** What a click (or Enter) on a favorite does: ringing → pick up; during our own call → transfer (modifier: consult). */
export function favoriteAction(fav: FavoriteView, ourCall: CallView | undefined, modifier: boolean): FavoriteAction {
  if (fav.state === 'ringing') return 'pickup';
  if (ourCall) return modifier ? 'consult' : 'transfer';
  return 'dial';
}

/** The call a transfer from the favorites applies to: the active one, else the only held one. */
export function transferableCall(calls: readonly CallView[]): CallView | undefined {
  const active = calls.find((c) => c.state === 'active' && c.consultFor === undefined);
  if (active) return active;
  const held = calls.filter((c) => c.state === 'held');
  return held.length === 1 ? held[0] : undefined;
}

export class PresenceState {
  #favorites = $state<FavoriteView[]>([]);
  #mwi = $state<MwiView | undefined>(undefined);
  #available = $state(false);

  constructor(client: ConsoleClient) {
    client.on('snapshot', (s) => {
      this.#available = s.favorites !== undefined;
      this.#favorites = [...(s.favorites ?? [])];
      this.#mwi = s.mwi;
    });
    client.on('favorites.changed', ({ favorites }) => {
      this.#available = true;
      this.#favorites = [...favorites];
    });
    client.on('presence.changed', (f) => {
      const i = this.#favorites.findIndex((x) => x.extension === f.extension);
      if (i >= 0) this.#favorites = this.#favorites.map((x, j) => (j === i ? f : x));
    });
    client.on('mwi.changed', (m) => {
      this.#mwi = m;
    });
  }

  get available(): boolean {
    return this.#available;
  }
  get favorites(): readonly FavoriteView[] {
    return this.#favorites;
  }
  get mwi(): MwiView | undefined {
    return this.#mwi;
  }
}
