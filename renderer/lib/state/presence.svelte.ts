/**
 * Favorites with their lamps and our message-waiting count, mirrored from main (snapshot + `presence.changed`,
 * `favorites.changed`, `mwi.changed`). Self-contained: any pane can create one over the client.
 */
import type { CallView, ConsoleClient, FavoriteView, MwiView } from '../../../electron/contract';
import { contactExtension, type ContactPhonesLike } from '../../../electron/contract';
import { VisibleRows } from './visible-rows';

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
  // issue 13 item 2: lamps of directory rows on screen, watched on demand (presence.watch / presence.lamp).
  #lamps = $state<Record<string, FavoriteView>>({});
  readonly #client: ConsoleClient;
  readonly #rows: VisibleRows;

  constructor(client: ConsoleClient) {
    this.#client = client;
    this.#rows = new VisibleRows((extensions) => {
      void client.invoke('presence.watch', { extensions: [...extensions] });
    });
    client.on('presence.lamp', (f) => {
      this.#lamps = { ...this.#lamps, [f.extension]: f };
    });
    client.on('snapshot', (s) => {
      this.#available = s.favorites !== undefined;
      this.#favorites = [...(s.favorites ?? [])];
      this.#mwi = s.mwi;
      // A new connection (start, reconnect): main knows nothing of this window's rows yet.
      this.#rows.resend();
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

  /** The lamp of an extension: its favorite's, else the on-demand one (undefined: not known yet). */
  lamp(extension: string): FavoriteView | undefined {
    return this.#favorites.find((f) => f.extension === extension) ?? this.#lamps[extension];
  }

  isFavorite(extension: string): boolean {
    return this.#favorites.some((f) => f.extension === extension);
  }

  /** A contact is a favorite when its extension is monitored (one notion of favorite: contact-extension.ts). */
  contactIsFavorite(contact: ContactPhonesLike): boolean {
    const ext = contactExtension(contact);
    return ext !== undefined && this.isFavorite(ext);
  }

  /** "Add to favorites" on a contact: its extension becomes a monitored favorite under the contact's name. */
  async toggleFavorite(contact: ContactPhonesLike & { readonly name: string }): Promise<boolean> {
    const extension = contactExtension(contact);
    if (!extension) return false;
    const r = this.isFavorite(extension)
      ? await this.#client.invoke('favorites.remove', { extension })
      : await this.#client.invoke('favorites.add', { extension, ...(contact.name.trim() && { name: contact.name.trim().slice(0, 128) }) });
    return r.ok;
  }

  /** A row with a lamp is on the page: watched while it is visible (returns the function that forgets it). */
  observe(element: Element, extension: string): () => void {
    return this.#rows.observe(element, extension);
  }
}

/** Svelte context key under which the Contacts pane gives its rows the presence state (lamps, favorites). */
export const PRESENCE_CONTEXT = Symbol('presence');
