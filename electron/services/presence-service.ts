/**
 * Favorites (monitored extensions) and message waiting, on top of sip-core's BLF/MWI watches.
 * Owned by ConsoleService: it feeds provisioning and commands in and broadcasts `presence.changed`,
 * `favorites.changed`, `mwi.changed`. One softphone (the primary account) carries the subscriptions.
 */
import type { ContractError, EventName, Events } from '../contract/contract';
import type { Preferences, Snapshot } from '../contract/dto';
import type { FavoriteInput, FavoriteView, MwiView } from '../contract/presence';
import type { MailboxWatch, PresenceStatus, Watch } from '../../sip-core/api/presence';
import type { Softphone } from '../../sip-core/api/softphone';
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

export class PresenceService implements ConsoleExtension {
  #broadcast: <E extends EventName>(event: E, payload: Events[E]) => void = () => undefined;
  #host: PresenceHost | undefined;
  readonly #favorites = new Map<string, FavoriteEntry>();
  #softphone: Softphone | undefined;
  #mailbox: MailboxWatch | undefined;
  #mailboxOff: (() => void) | undefined;
  #mwi: MwiView | undefined;

  readonly #opts = {
    onFavorite: (v: FavoriteView) => this.#broadcast('presence.changed', v),
    onFavorites: (v: readonly FavoriteView[]) => this.#broadcast('favorites.changed', { favorites: v }),
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
    this.detach();
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
    return e;
  }

  #drop(extension: string): void {
    const e = this.#favorites.get(extension);
    if (!e) return;
    this.#unwatch(e);
    this.#favorites.delete(extension);
  }

  #watch(e: FavoriteEntry): void {
    const sp = this.#softphone;
    if (!sp?.watch || e.watch) return;
    const w = sp.watch(e.extension);
    e.watch = w;
    e.off = w.onDidChange((s) => this.#update(e, s, true));
    this.#update(e, w.status());
  }

  #unwatch(e: FavoriteEntry): void {
    e.off?.();
    e.watch?.dispose();
    e.watch = e.off = undefined;
  }

  #update(e: FavoriteEntry, s: PresenceStatus, notify = true): void {
    const next = viewOf(e, s);
    const prev = e.view;
    e.view = next;
    if (
      notify &&
      (prev.state !== next.state || prev.caller?.user !== next.caller?.user || prev.caller?.name !== next.caller?.name || prev.peer?.user !== next.peer?.user)
    ) {
      this.#opts.onFavorite(next);
    }
  }
}
