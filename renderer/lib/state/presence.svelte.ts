/**
 * Favorites with their lamps and our message-waiting count, mirrored from main (snapshot + `presence.changed`,
 * `favorites.changed`, `mwi.changed`). Self-contained: any pane can create one over the client.
 */
import type { CallView, ConsoleClient, FavoriteView, MwiView } from '../../../electron/contract';
import { contactExtension, type ContactPhonesLike } from '../../../electron/contract';
import { VisibleRows } from './visible-rows';
import { applyLamps, FrameBatch, type FrameScheduler } from './presence-batch';

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

/** The browser's: the next animation frame; a hidden page (no frames) still applies within a second. */
const animationFrameScheduler: FrameScheduler = (flush) => {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    cancelAnimationFrame(frame);
    flush();
  };
  const frame = requestAnimationFrame(run);
  // Background tabs get no frames: the lamps must still be right when the window comes back.
  const timer = setTimeout(run, 1000);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
};

export class PresenceState {
  // issue 14: raw state (whole arrays replaced, never mutated: no deep proxy of 500 favorites) and an index by extension.
  #favorites = $state.raw<readonly FavoriteView[]>([]);
  #byExtension = $derived(new Map(this.#favorites.map((f) => [f.extension, f])));
  #mwi = $state<MwiView | undefined>(undefined);
  #available = $state(false);
  // issue 13 item 2: lamps of directory rows on screen, watched on demand (presence.watch / presence.lamp).
  #lamps = $state.raw<Record<string, FavoriteView>>({});
  readonly #client: ConsoleClient;
  readonly #rows: VisibleRows;
  // issue 14: lamp events applied once per animation frame (coalesced per extension, last state wins).
  readonly #changed: FrameBatch<FavoriteView>;
  readonly #lampEvents: FrameBatch<FavoriteView>;

  constructor(client: ConsoleClient, schedule: FrameScheduler = animationFrameScheduler) {
    this.#client = client;
    this.#rows = new VisibleRows((extensions) => {
      void client.invoke('presence.watch', { extensions: [...extensions] });
    });
    this.#changed = new FrameBatch(schedule, (updates) => {
      this.#favorites = applyLamps(this.#favorites, updates);
    });
    this.#lampEvents = new FrameBatch(schedule, (updates) => {
      this.#lamps = { ...this.#lamps, ...Object.fromEntries(updates) };
    });
    client.on('presence.lamp', (f) => this.#lampEvents.push(f));
    client.on('snapshot', (s) => {
      // The full list with the current states supersedes the events that arrived before it.
      this.#changed.clear();
      this.#available = s.favorites !== undefined;
      this.#favorites = [...(s.favorites ?? [])];
      this.#mwi = s.mwi;
      // A new connection (start, reconnect): main knows nothing of this window's rows yet.
      this.#rows.resend();
    });
    client.on('favorites.changed', ({ favorites }) => {
      this.#changed.clear();
      this.#available = true;
      this.#favorites = [...favorites];
    });
    client.on('presence.changed', (f) => this.#changed.push(f));
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
    return this.#byExtension.get(extension) ?? this.#lamps[extension];
  }

  isFavorite(extension: string): boolean {
    return this.#byExtension.has(extension);
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
