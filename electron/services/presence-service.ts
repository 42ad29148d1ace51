/**
 * Favorites (monitored extensions) and message waiting, on top of sip-core's BLF/MWI watches.
 * Owned by ConsoleService: it feeds provisioning and commands in and broadcasts `presence.changed`,
 * `favorites.changed`, `mwi.changed`. One softphone (the primary account) carries the subscriptions.
 */
import type { ContractError, EventName, Events } from '../contract/contract';
import type { Preferences, Snapshot } from '../contract/dto';
import { contactExtension, type ContactPhonesLike, type FavoriteInput, type FavoriteView, type MwiView, type PresenceWatchResult } from '../contract/presence';
import type { MailboxWatch, PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { SipLogger, Softphone } from '../../sip-core/api/softphone';
import { OnDemandWatchSet, type OnDemandOptions } from './presence-demand';
import { CommandFailure, type ConsoleExtension, type HostConnection } from './console-service';
import type { Provisioning } from './provisioning';

/** What the presence service needs from the call desk (ConsoleService implements it). */
export interface PresenceHost {
  dispatch(conn: HostConnection, name: unknown, args: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: ContractError }>;
  preferences(): Preferences;
  /** Save the settings now (favorites added or removed in the UI survive a restart). */
  persistNow?(): void;
}

interface FavoriteEntry {
  extension: string;
  name?: string;
  watch?: Watch;
  off?: () => void;
  view: FavoriteView;
}

function viewOf(e: { extension: string; name?: string }, s: PresenceStatus): FavoriteView {
  return {
    extension: e.extension,
    ...(e.name && { name: e.name }),
    state: s.state,
    ...(s.caller && { caller: { ...s.caller } }),
    ...(s.peer && { peer: { ...s.peer } }),
    since: s.since,
  };
}

/** One window's wanted on-demand set; dropped when the window stops refreshing it (closed without a word). */
interface Demand {
  readonly extensions: readonly string[];
  readonly at: number;
}

export interface PresenceServiceOptions {
  readonly logger?: SipLogger;
  /** Cap, linger and pace of the on-demand watches (presence-demand.ts); tests shorten them. */
  readonly onDemand?: Partial<OnDemandOptions>;
  /** Milliseconds between two on-demand steps (each starts at most `perStep` SUBSCRIBEs). */
  readonly stepMs?: number;
  /** A window's set expires when it is not sent again within this time (the renderer re-sends it every 30 s). */
  readonly demandTtlMs?: number;
  /**
   * Contacts starred in the contacts database by an earlier version (contacts-service.ts `takeStarredContacts`):
   * made monitored favorites once, after the saved favorites are loaded (first account attached).
   */
  readonly starred?: () => Promise<{ contacts: readonly (ContactPhonesLike & { name: string })[]; done: () => Promise<void> }>;
  /** The list changed (added, removed, replaced): the contacts database mirrors it for search (contacts-service.ts). */
  readonly onFavoritesChanged?: () => void;
}

/** A starred contact's favorite key: its extension (contact-extension.ts), else its first number as a dial string. */
export function favoriteKeyOf(contact: ContactPhonesLike): string | undefined {
  const ext = contactExtension(contact);
  if (ext) return ext;
  for (const p of contact.phones) {
    const n = p.number.replace(/[\s().\/-]+/g, '');
    if (/^[0-9A-Za-z*#+._-]{1,32}$/.test(n)) return n;
  }
  return undefined;
}

export class PresenceService implements ConsoleExtension {
  #broadcast: <E extends EventName>(event: E, payload: Events[E]) => void = () => undefined;
  #host: PresenceHost | undefined;
  readonly #favorites = new Map<string, FavoriteEntry>();
  #softphone: Softphone | undefined;
  #mailbox: MailboxWatch | undefined;
  #mailboxOff: (() => void) | undefined;
  #mwi: MwiView | undefined;
  // issue 13 item 2: lamps of directory rows on screen, watched on demand within a cap (presence-demand.ts).
  readonly #demand: OnDemandWatchSet;
  readonly #demands = new Map<string, Demand>();
  readonly #onDemand = new Map<string, FavoriteEntry>();
  #stepTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #stepMs: number;
  readonly #demandTtlMs: number;
  readonly #logger: SipLogger | undefined;
  /** SUBSCRIBE dialogs started on demand since launch (diagnostics). */
  #onDemandStarted = 0;
  #lastLogged = '';

  constructor(options: PresenceServiceOptions = {}) {
    this.#demand = new OnDemandWatchSet(options.onDemand);
    this.#stepMs = options.stepMs ?? 250;
    this.#demandTtlMs = options.demandTtlMs ?? 90_000;
    this.#logger = options.logger;
    this.#starred = options.starred;
    this.#favoritesChanged = options.onFavoritesChanged;
  }
  readonly #favoritesChanged: (() => void) | undefined;
  #starred: PresenceServiceOptions['starred'];

  readonly #opts = {
    onFavorite: (v: FavoriteView) => this.#broadcast('presence.changed', v),
    onFavorites: (v: readonly FavoriteView[]) => {
      this.#broadcast('favorites.changed', { favorites: v });
      this.#favoritesChanged?.();
    },
    onMwi: (v: MwiView) => this.#broadcast('mwi.changed', v),
  };

  readonly handlers: ConsoleExtension['handlers'] = {
    'favorites.add': (args) => this.add(args),
    'favorites.remove': ({ extension }) => {
      if (!this.remove(extension)) throw new CommandFailure('not-found', `${extension} is not a favorite`, 'error.notFavorite', { extension });
    },
    'call.voicemail': async (_args, conn) => {
      const host = this.#host;
      if (!host) throw new CommandFailure('internal', 'Presence service not started', 'error.notStarted');
      const r = await host.dispatch(conn, 'call.dial', { target: host.preferences().voicemailNumber ?? '*97' });
      if (!r.ok) throw new CommandFailure(r.error.code, r.error.message, r.error.key, r.error.params);
      return r.value as { callId: string };
    },
    'presence.watch': ({ extensions }, conn) => this.watchVisible(conn.id, extensions, (v) => conn.send('presence.lamp', v)),
  };

  /** Called by the composition with the call desk (dial for the voicemail button). */
  start(host: PresenceHost): void {
    this.#host = host;
  }

  bind(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void {
    this.#broadcast = broadcast;
  }

  snapshot(): Partial<Snapshot> {
    return { favorites: this.favorites(), ...(this.#mwi && { mwi: this.#mwi }) };
  }

  provision(p: Provisioning): void {
    if (p.favorites) this.setFavorites(p.favorites);
  }

  primarySoftphone(softphone: Softphone | undefined): void {
    if (softphone) this.attach(softphone);
    else this.detach();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#stepTimer);
    this.#stepTimer = undefined;
    this.detach();
  }

  /**
   * A window's rows on screen (their extensions) replace what that window wanted before. Favorites are left out
   * (always watched). Returns the on-demand count now; `send` gets the known lamps of the wanted extensions at once
   * (a re-opened window need not wait for the next NOTIFY).
   */
  watchVisible(connId: string, extensions: readonly string[], send?: (v: FavoriteView) => void): PresenceWatchResult {
    const now = Date.now();
    if (extensions.length) this.#demands.set(connId, { extensions: extensions.map((e) => e.trim()), at: now });
    else this.#demands.delete(connId);
    this.#applyDemand(now);
    if (send) for (const e of extensions) {
      const known = this.#onDemand.get(e.trim());
      if (known) send(known.view);
    }
    return { watching: this.#demand.active().length, cap: this.#demand.cap };
  }

  /** Diagnostics: favorites and on-demand watches now, the cap, SUBSCRIBE dialogs started on demand since launch. */
  stats(): { favorites: number; onDemand: number; cap: number; wanted: number; started: number } {
    return {
      favorites: this.#favorites.size,
      onDemand: this.#demand.active().length,
      cap: this.#demand.cap,
      wanted: this.#demand.wanted().length,
      started: this.#onDemandStarted,
    };
  }

  #applyDemand(now: number): void {
    this.#refreshWanted(now);
    this.#scheduleStep(0);
  }

  /** The union of the windows' sets (a window silent for too long is dropped), favorites left out. */
  #refreshWanted(now: number): void {
    const wanted: string[] = [];
    for (const [id, d] of this.#demands) {
      if (now - d.at > this.#demandTtlMs) this.#demands.delete(id);
      else for (const e of d.extensions) if (!this.#favorites.has(e)) wanted.push(e);
    }
    this.#demand.want(wanted, now);
  }

  #scheduleStep(delay: number): void {
    const due = Date.now() + delay;
    if (this.#stepTimer && this.#stepDue <= due) return;
    clearTimeout(this.#stepTimer);
    this.#stepDue = due;
    this.#stepTimer = setTimeout(() => {
      this.#stepTimer = undefined;
      this.#step();
    }, delay);
    this.#stepTimer.unref?.();
  }
  #stepDue = 0;

  #step(): void {
    if (!this.#softphone?.watch) return; // attach() steps again
    const now = Date.now();
    this.#refreshWanted(now);
    const { subscribe, unsubscribe } = this.#demand.step(now);
    for (const ext of unsubscribe) {
      const e = this.#onDemand.get(ext);
      if (e) this.#unwatch(e);
      this.#onDemand.delete(ext);
    }
    for (const ext of subscribe) {
      const e: FavoriteEntry = { extension: ext, view: { extension: ext, state: 'unknown', since: now } };
      this.#onDemand.set(ext, e);
      this.#onDemandStarted++;
      this.#watch(e, (v) => this.#broadcast('presence.lamp', v));
    }
    if (subscribe.length || unsubscribe.length) this.#logCount();
    // Linger timers and pending subscribes: step again while there is something to do; demands expire too.
    if (this.#demand.busy()) this.#scheduleStep(this.#stepMs);
    else if (this.#demands.size) this.#scheduleStep(Math.min(this.#demandTtlMs, 30_000));
  }

  /** Starred contacts of an earlier version become monitored favorites (one notion of favorite), then lose their star. */
  async #takeStarred(): Promise<void> {
    const take = this.#starred;
    this.#starred = undefined;
    if (!take) return;
    try {
      const { contacts, done } = await take();
      if (!contacts.length) return;
      for (const c of contacts) {
        const extension = favoriteKeyOf(c);
        if (extension) this.#upsert({ extension, ...(c.name.trim() && { name: c.name.trim().slice(0, 128) }) });
      }
      this.#opts.onFavorites(this.favorites());
      this.#host?.persistNow?.();
      await done();
      this.#logger?.info(`presence: ${contacts.length} starred contact(s) made monitored favorites`);
    } catch (e) {
      this.#logger?.warn(`presence: starred contacts not handed over: ${(e as Error).message}`);
    }
  }

  #logCount(): void {
    const s = this.stats();
    const line = `presence: on-demand ${s.onDemand}/${s.cap} watched (favorites ${s.favorites}, wanted ${s.wanted}, started ${s.started})`;
    if (line !== this.#lastLogged) this.#logger?.info(line);
    this.#lastLogged = line;
  }

  favorites(): FavoriteView[] {
    return [...this.#favorites.values()].map((f) => f.view);
  }

  mwi(): MwiView | undefined {
    return this.#mwi;
  }

  has(extension: string): boolean {
    return this.#favorites.has(extension);
  }

  /** Replace the list (provisioning). */
  setFavorites(list: readonly FavoriteInput[]): void {
    const wanted = new Map(list.map((f) => [f.extension.trim(), f]));
    for (const ext of [...this.#favorites.keys()]) if (!wanted.has(ext)) this.#drop(ext);
    for (const f of wanted.values()) this.#upsert(f);
    this.#opts.onFavorites(this.favorites());
  }

  add(f: FavoriteInput): FavoriteView {
    const entry = this.#upsert(f);
    this.#opts.onFavorites(this.favorites());
    this.#host?.persistNow?.();
    return entry.view;
  }

  /** Favorites are part of the saved settings, in the provisioning file's format. */
  persisted(): { favorites: FavoriteInput[] } {
    return { favorites: this.favorites().map((f) => ({ extension: f.extension, ...(f.name !== undefined && { name: f.name }) })) };
  }

  remove(extension: string): boolean {
    if (!this.#favorites.has(extension)) return false;
    this.#drop(extension);
    this.#opts.onFavorites(this.favorites());
    this.#host?.persistNow?.();
    return true;
  }

  /** The primary account's softphone: every favorite and the mailbox are watched through it. */
  attach(softphone: Softphone): void {
    if (this.#softphone === softphone) return;
    this.detach();
    if (!softphone.watch) return;
    this.#softphone = softphone;
    for (const e of this.#favorites.values()) this.#watch(e);
    this.#scheduleStep(0);
    void this.#takeStarred();
    if (softphone.watchMailbox) {
      const mb = softphone.watchMailbox();
      this.#mailbox = mb;
      this.#mailboxOff = mb.onDidChange((s) => {
        this.#mwi = { waiting: s.waiting, newMessages: s.newMessages, oldMessages: s.oldMessages };
        this.#opts.onMwi(this.#mwi);
      });
    }
  }

  /** The softphone goes away (account removed, stop): un-SUBSCRIBE and show `unknown`. */
  detach(softphone?: Softphone): void {
    if (softphone && softphone !== this.#softphone) return;
    this.#softphone = undefined;
    for (const e of this.#favorites.values()) {
      this.#unwatch(e);
      this.#update(e, { state: 'unknown', since: Date.now() });
    }
    this.#demand.reset();
    for (const e of this.#onDemand.values()) {
      this.#unwatch(e);
      this.#broadcast('presence.lamp', { extension: e.extension, state: 'unknown', since: Date.now() });
    }
    this.#onDemand.clear();
    this.#mailboxOff?.();
    this.#mailbox?.dispose();
    this.#mailbox = this.#mailboxOff = undefined;
  }

  #upsert(f: FavoriteInput): FavoriteEntry {
    const extension = f.extension.trim();
    const name = f.name?.trim() || undefined;
    let e = this.#favorites.get(extension);
    if (e) {
      if (name !== undefined && name !== e.name) {
        e.name = name;
        e.view = viewOf(e, e.view);
      }
      return e;
    }
    e = { extension, ...(name && { name }), view: { extension, ...(name && { name }), state: 'unknown', since: Date.now() } };
    this.#favorites.set(extension, e);
    this.#watch(e);
    // Watched on demand until now: the favorite's watch took over (sip-core counts watchers: no un-SUBSCRIBE).
    const shown = this.#onDemand.get(extension);
    if (shown) {
      this.#unwatch(shown);
      this.#onDemand.delete(extension);
      this.#demand.forget(extension);
      this.#applyDemand(Date.now());
    }
    return e;
  }

  #drop(extension: string): void {
    const e = this.#favorites.get(extension);
    if (!e) return;
    this.#unwatch(e);
    this.#favorites.delete(extension);
    // Still on screen somewhere: it goes back to an on-demand lamp.
    if (this.#demands.size) this.#applyDemand(Date.now());
  }

  #watch(e: FavoriteEntry, notify: (v: FavoriteView) => void = this.#opts.onFavorite): void {
    const sp = this.#softphone;
    if (!sp?.watch || e.watch) return;
    // Favorites make the console's resource list (RFC 4662, when the account has one); on-demand lamps do not.
    const w = sp.watch(e.extension, { listed: this.#favorites.get(e.extension) === e });
    e.watch = w;
    e.off = w.onDidChange((s) => this.#update(e, s, true, notify));
    this.#update(e, w.status(), true, notify);
  }

  #unwatch(e: FavoriteEntry): void {
    e.off?.();
    e.watch?.dispose();
    e.watch = e.off = undefined;
  }

  #update(e: FavoriteEntry, s: PresenceStatus, notify = true, send: (v: FavoriteView) => void = this.#opts.onFavorite): void {
    const next = viewOf(e, s);
    const prev = e.view;
    e.view = next;
    if (
      notify &&
      (prev.state !== next.state || prev.caller?.user !== next.caller?.user || prev.caller?.name !== next.caller?.name || prev.peer?.user !== next.peer?.user)
    ) {
      send(next);
    }
  }
}
