/**
 * SUBSCRIBE/NOTIFY client for the dialog event package (RFC 4235, BLF) and message-summary (RFC 3842, MWI), on the
 * SIP.js core (not the SIP.js `Subscriber`, which hides response codes and refresh failures).
 *
 * One subscription per (event, target), shared by every Watch of it. Managed like a real client:
 * - RFC 4662 resource list first when configured (`list`): one SUBSCRIBE for every listed extension, its NOTIFYs
 *   (multipart/related + RLMI, presence/rlmi.ts) feed the same per-extension trackers; with an XCAP root the console
 *   publishes the list itself (presence/xcap.ts). No list on the server ⇒ one SUBSCRIBE per extension;
 * - paced start: a queue drained at most `subscribeRate`/s with at most `subscribeWindow` SUBSCRIBEs awaiting their
 *   first NOTIFY (AIMD: halved on 503 or timeout, +1 per success), so hundreds of favorites don't flood the PBX;
 * - the SIP.js subscription dialog refreshes at 90 % of the granted expiry; we watch the refresh: a non-2xx answer,
 *   481 (the PBX restarted and forgot us), a NOTIFY `terminated` or no NOTIFY by the deadline ⇒ new subscription;
 * - the state becomes `stale` when the connection dropped or a refresh/re-subscribe brought no fresh NOTIFY in time;
 * - attach(ua) on every new generation (reconnect) re-subscribes everything, detach() marks everything stale;
 * - dispose of the last Watch, or stop(), un-SUBSCRIBEs (Expires: 0).
 */
import { UserAgent, type Core } from 'sip.js';
import type {
  MailboxWatch,
  MessageSummary,
  PresenceOptions,
  PresenceStatus,
  Watch,
  WatchOptions,
} from '../../api/presence';
import type { Disposable, SipLogger } from '../../api/softphone';
import { DialogInfoTracker, parseDialogInfo, userOf } from '../../presence/dialog-info';
import { parseMessageSummary } from '../../presence/message-summary';
import type { ListNotify, ResourceUpdate } from '../../presence/rlmi';
import { rlsServicesDocument, rlsServicesUrl, xcapPut, type XcapCredentials } from '../../presence/xcap';
import { dialTargetToUri } from './dial-target';
import { ListSubscription, retryAfter } from './list-subscription';

const DEFAULT_EXPIRES = 600;
const DEFAULT_RATE = 1000;
const DEFAULT_WINDOW = 32;
const MIN_WINDOW = 4;
/** Pump tick (ms): SUBSCRIBEs go out in small batches, never one burst. */
const PUMP_MS = 10;
/** Listed extensions wait this long for the list's first NOTIFY before being subscribed one by one. */
const LIST_FIRST_NOTIFY_MS = 5000;
/** A list the server does not offer is tried again after this long (or on the next registration). */
const LIST_RETRY_MS = 600_000;
/** Transient list failures in a row before falling back to one SUBSCRIBE per extension. */
const LIST_MAX_FAILURES = 3;
/**
 * An extension the list carries but still has no state once the list has been quiet this long (no NOTIFY): watched
 * on its own. Longer than Kamailio's rls batching (waitn_time 1 s); re-armed by every list NOTIFY, so a big list that
 * keeps delivering is waited for.
 */
const LIST_QUIET_MS = 2500;
/** XCAP document republished this long after the last change of the listed set (debounce). */
const XCAP_DEBOUNCE_MS = 500;
/** A NOTIFY must follow a (re-)SUBSCRIBE within this time, or the state is stale. */
const FRESH_DEADLINE_MS = 8000;
/** Rejected subscriptions (unknown extension, forbidden) are retried slowly. */
const REJECTED_RETRY_MS = 120_000;
/**
 * Longest delay setTimeout honours (2**31 - 1 ms, ~24.8 days). Node turns anything longer into 1 ms, so a NOTIFY
 * saying `expires=99999999999999999999` or `retry-after=1e30` made its timer fire at once (issue 15, hostile input).
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
const timerDelay = (ms: number): number => (Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : MAX_TIMER_MS);
/** RFC 6665 §4.1.3 reasons after which re-subscribing is pointless for a while. */
const FINAL_REASONS = new Set(['rejected', 'noresource', 'invariant']);

type EventKind = 'dialog' | 'message-summary';

interface Attempt {
  readonly request: Core.OutgoingSubscribeRequest;
  dialog?: Core.Subscription;
  readonly tracker: DialogInfoTracker;
  done: boolean;
  /** Counted in the pacing window until its first NOTIFY or its failure. */
  inFlight: boolean;
}

export interface PresenceSubscriptionsOptions extends PresenceOptions {
  readonly logger: SipLogger;
  /** Domain for extensions without one. */
  readonly domain: string;
  /** Our own address of record (`sip:user@domain`): the mailbox. */
  readonly aor: string;
  /** Backoff after failures (ms), attempt ≥ 1. */
  readonly backoffMs?: (attempt: number) => number;
  /** Digest credentials for the XCAP server (`list.xcapRoot`). */
  readonly credentials?: XcapCredentials;
}

/** Where the resource list stands: not configured, being set up, delivering, or unavailable (one SUBSCRIBE each). */
export type ListPhase = 'off' | 'starting' | 'active' | 'fallback';

export interface PresenceStats {
  watched: number;
  active: number;
  queued: number;
  /** SUBSCRIBEs awaiting their first NOTIFY, and the current pacing window. */
  inFlight: number;
  window: number;
  list: ListPhase;
  /** Extensions whose state comes from the list. */
  viaList: number;
}

export class PresenceSubscriptions {
  readonly #opts: PresenceSubscriptionsOptions;
  readonly #entries = new Map<string, SubscriptionEntry>();
  #ua: UserAgent | undefined;
  readonly #queue = new Set<SubscriptionEntry>();
  #pumpTimer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #window: number;
  readonly #maxWindow: number;
  // RFC 4662 list
  #listPhase: ListPhase;
  #list: ListSubscription | undefined;
  /** Bumped on every list start/stop: stale async steps (XCAP PUT) check it. */
  #listGen = 0;
  #listFailures = 0;
  #listTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #xcapTimer: NodeJS.Timeout | undefined;
  /** Listed dialog entries waiting for the list's first NOTIFY (not queued meanwhile). */
  readonly #held = new Set<SubscriptionEntry>();
  /** Users (extensions) the list carried in its last full state, plus those named since. */
  #covered = new Set<string>();
  /** The listed set last published over XCAP (to skip identical PUTs). */
  #published = '';
  /** The listed set changed while the list was starting: publish again once it is active. */
  #republish = false;

  constructor(options: PresenceSubscriptionsOptions) {
    this.#opts = options;
    this.#maxWindow = Math.max(1, Math.floor(options.subscribeWindow ?? DEFAULT_WINDOW));
    this.#window = this.#maxWindow;
    this.#listPhase = 'off';
  }

  /** The list URI: configured, or derived when only an XCAP root is given (`sip:<user>-blf@<domain>`). */
  #listUri(): string | undefined {
    const l = this.#opts.list;
    if (!l) return undefined;
    const uri = l.uri?.trim();
    if (uri) return /^sips?:/i.test(uri) ? uri : `sip:${uri}@${this.#opts.domain}`;
    if (l.xcapRoot?.trim()) return `sip:${userOf(this.#opts.aor)}-blf@${this.#opts.domain}`;
    return undefined;
  }

  get expires(): number {
    return this.#opts.expires ?? DEFAULT_EXPIRES;
  }
  get logger(): SipLogger {
    return this.#opts.logger;
  }
  get ua(): UserAgent | undefined {
    return this.#ua;
  }
  backoff(attempt: number): number {
    return this.#opts.backoffMs?.(attempt) ?? Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 6)) * (0.8 + Math.random() * 0.4);
  }

  /** A new generation is registered: (re-)subscribe everything. */
  attach(ua: UserAgent): void {
    if (this.#ua === ua) return;
    this.#ua = ua;
    this.#inFlight = 0;
    // A list the server did not offer is tried again on a new registration (another server, or reconfigured).
    if (this.#listUri() && this.#listPhase !== 'starting' && this.#wantsList()) this.#startList();
    for (const e of this.#entries.values()) {
      e.drop();
      this.enqueue(e);
    }
  }

  /** The generation is gone (connection dropped, reconnect): every known state becomes stale. */
  detach(): void {
    this.#ua = undefined;
    this.#queue.clear();
    this.#inFlight = 0;
    this.#stopList(false);
    for (const e of this.#entries.values()) {
      e.drop();
      e.markStale();
    }
  }

  /** The softphone stops: un-SUBSCRIBE everything (best effort); watches stay and re-subscribe on the next attach. */
  async stop(graceMs = 300): Promise<void> {
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    this.#queue.clear();
    const entries = [...this.#entries.values()];
    const had = entries.some((e) => e.hadDialog) || this.#list !== undefined;
    this.#stopList(true);
    clearTimeout(this.#xcapTimer);
    for (const e of entries) {
      e.drop(true);
      e.markStale();
    }
    this.#ua = undefined;
    this.#inFlight = 0;
    if (had) await new Promise((r) => setTimeout(r, graceMs));
  }

  watch(extension: string, options: WatchOptions = {}): Watch {
    const uri = dialTargetToUri(extension, this.#opts.domain);
    const isNew = !this.#entries.has(`dialog|${uri}`);
    const entry = this.#entry('dialog', uri);
    const w = entry.addWatch(extension, options.listed === true);
    // First watch after registration: start the list (this entry and the rest of the burst wait for it).
    if (this.#ua && this.#listPhase === 'off' && this.#listUri() && this.#wantsList()) this.#startList();
    if (isNew) this.enqueue(entry);
    else if (options.listed) this.#listedChanged();
    return w;
  }

  /** A list is worth setting up: something to publish (XCAP), or any lamp a configured list may carry. */
  #wantsList(): boolean {
    const xcap = !!this.#opts.list?.xcapRoot?.trim();
    for (const e of this.#entries.values()) if (e.event === 'dialog' && (!xcap || e.listed)) return true;
    return false;
  }

  watchMailbox(): MailboxWatch {
    const isNew = !this.#entries.has(`message-summary|${this.#opts.aor}`);
    const entry = this.#entry('message-summary', this.#opts.aor);
    const w = entry.addMailboxWatch();
    if (isNew) this.enqueue(entry);
    return w;
  }

  /** Out-of-dialog NOTIFY (unsolicited MWI, RFC 3842 §3 allows it): true when handled. */
  unsolicitedNotify(event: string, contentType: string, body: string): boolean {
    if (event.trim().toLowerCase() !== 'message-summary') return false;
    const entry = this.#entries.get(`message-summary|${this.#opts.aor}`);
    if (!entry) return false;
    entry.applyMessageSummary(body, contentType);
    return true;
  }

  /** Subscriptions now (for tests, diagnostics and the bench). */
  stats(): PresenceStats {
    let active = 0;
    let viaList = 0;
    for (const e of this.#entries.values()) {
      if (e.fresh) active++;
      if (e.viaList) viaList++;
    }
    return { watched: this.#entries.size, active, queued: this.#queue.size, inFlight: this.#inFlight, window: this.#window, list: this.#listPhase, viaList };
  }

  #entry(event: EventKind, uri: string): SubscriptionEntry {
    const key = `${event}|${uri}`;
    let e = this.#entries.get(key);
    if (!e) {
      e = new SubscriptionEntry(this, event, uri, () => {
        this.#entries.delete(key);
        this.#queue.delete(e!);
        this.#held.delete(e!);
        if (e!.wasListed) this.#listedChanged();
      });
      this.#entries.set(key, e);
    }
    return e;
  }

  enqueue(e: SubscriptionEntry): void {
    if (!this.#ua) return;
    if (e.event === 'dialog') {
      if (e.viaList) return;
      // Carried by the list already (an on-demand lamp of a listed colleague): no SUBSCRIBE of its own.
      if (this.#listPhase === 'active' && this.#covered.has(e.user)) {
        e.useList(true);
        return;
      }
      // The list is being set up: listed extensions wait for its first NOTIFY (bounded by LIST_FIRST_NOTIFY_MS).
      if (this.#listPhase === 'starting' && e.listed) {
        this.#held.add(e);
        return;
      }
    }
    this.#queue.add(e);
    this.#pump();
  }

  // ───────────── pacing (one SUBSCRIBE per extension) ─────────────

  /** An attempt went out: it counts in the window until its first NOTIFY or its end. */
  beginFlight(): void {
    this.#inFlight++;
  }

  /** `overload`: 503 or no answer; the window halves. Otherwise it grows by one, up to the configured size. */
  endFlight(overload: boolean): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (overload) this.#window = Math.max(MIN_WINDOW, Math.floor(this.#window / 2));
    else if (this.#window < this.#maxWindow) this.#window++;
    if (this.#queue.size > 0) this.#pump();
  }

  #pump(): void {
    if (this.#pumpTimer) return;
    const rate = Math.max(1, this.#opts.subscribeRate ?? DEFAULT_RATE);
    const interval = Math.max(PUMP_MS, Math.ceil(1000 / rate));
    const perTick = Math.max(1, Math.round((rate * interval) / 1000));
    const tick = (): void => {
      this.#pumpTimer = undefined;
      const ua = this.#ua;
      if (!ua) return;
      let n = 0;
      for (const e of this.#queue) {
        if (n >= perTick || this.#inFlight >= this.#window) break;
        n++;
        this.#queue.delete(e);
        e.subscribe(ua);
      }
      // Window full: endFlight() pumps again when an answer frees a slot.
      if (this.#queue.size > 0 && this.#inFlight < this.#window) this.#pumpTimer = setTimeout(tick, interval);
    };
    // First batch now, the rest paced.
    this.#pumpTimer = setTimeout(tick, 0);
  }

  // ───────────── RFC 4662 resource list ─────────────

  #dialogEntries(): SubscriptionEntry[] {
    return [...this.#entries.values()].filter((e) => e.event === 'dialog');
  }

  #startList(): void {
    const uri = this.#listUri();
    const ua = this.#ua;
    if (!uri || !ua) return;
    this.#stopList(false);
    const gen = ++this.#listGen;
    this.#listPhase = 'starting';
    clearTimeout(this.#listTimer);
    this.#listTimer = setTimeout(() => {
      if (gen === this.#listGen && this.#listPhase === 'starting') this.#listUnavailable(0, 'no list NOTIFY in time');
    }, LIST_FIRST_NOTIFY_MS);
    const subscribe = (): void => {
      if (gen !== this.#listGen || this.#ua !== ua) return;
      const list = new ListSubscription(uri, this.expires, this.logger, {
        onList: (n) => {
          if (gen === this.#listGen) this.#onList(n);
        },
        onFailed: (unsupported, status, detail, retryAfterMs) => {
          if (gen === this.#listGen) this.#onListFailed(unsupported, status, detail, retryAfterMs);
        },
      });
      this.#list = list;
      list.subscribe(ua);
    };
    if (this.#opts.list?.xcapRoot?.trim()) {
      // After the current burst of watches (favorites are watched in one loop), so the document has them all.
      new Promise((r) => setTimeout(r, 0))
        .then(() => (gen === this.#listGen ? this.#publishList(uri) : undefined))
        .then(subscribe)
        .catch((e: unknown) => {
          if (gen === this.#listGen) this.#listUnavailable(0, `XCAP: ${e instanceof Error ? e.message : String(e)}`);
        });
    } else subscribe();
  }

  #stopList(unsubscribe: boolean): void {
    this.#listGen++;
    clearTimeout(this.#listTimer);
    clearTimeout(this.#graceTimer);
    this.#list?.dispose(unsubscribe);
    this.#list = undefined;
    if (this.#listPhase === 'starting' || this.#listPhase === 'active') this.#listPhase = 'off';
    const held = [...this.#held];
    this.#held.clear();
    for (const e of this.#dialogEntries()) if (e.viaList) e.useList(false);
    if (this.#ua) for (const e of held) this.enqueue(e);
  }

  async #publishList(uri: string): Promise<void> {
    const root = this.#opts.list?.xcapRoot?.trim();
    const creds = this.#opts.credentials;
    if (!root || !creds) throw new Error('no XCAP root or credentials');
    const listed = this.#dialogEntries().filter((e) => e.listed).map((e) => e.uri).sort();
    const key = `${uri}\n${listed.join('\n')}`;
    if (key === this.#published) return;
    await xcapPut(rlsServicesUrl(root, this.#opts.aor), 'application/rls-services+xml', rlsServicesDocument(uri, listed), creds);
    this.#published = key;
    this.logger.info(`BLF list ${uri}: ${listed.length} extension(s) published over XCAP`);
  }

  /** Favorites added or removed: republish the list (XCAP), debounced; the server updates the subscription. */
  listedChanged(): void {
    this.#listedChanged();
  }

  #listedChanged(): void {
    if (!this.#opts.list?.xcapRoot?.trim()) return;
    if (this.#listPhase === 'starting') {
      this.#republish = true;
      return;
    }
    if (this.#listPhase !== 'active') return;
    clearTimeout(this.#xcapTimer);
    this.#xcapTimer = setTimeout(() => {
      const uri = this.#listUri();
      if (!uri || this.#listPhase !== 'active') return;
      this.#publishList(uri).catch((e: unknown) => this.logger.warn(`BLF list: XCAP update failed (${e instanceof Error ? e.message : String(e)})`));
    }, XCAP_DEBOUNCE_MS);
    this.#xcapTimer.unref?.();
  }

  #onList(n: ListNotify): void {
    if (this.#listPhase !== 'active') {
      this.#listPhase = 'active';
      clearTimeout(this.#listTimer);
      this.logger.info(`BLF list ${this.#listUri()}: active (${n.list.resources.length} resource(s) in the first NOTIFY)`);
      if (this.#republish) {
        this.#republish = false;
        this.#listedChanged();
      }
    }
    this.#listFailures = 0;
    const byUser = new Map<string, SubscriptionEntry[]>();
    for (const e of this.#dialogEntries()) {
      const list = byUser.get(e.user);
      if (list) list.push(e);
      else byUser.set(e.user, [e]);
    }
    if (n.list.fullState) {
      const covered = new Set(n.resources.map((r) => r.user));
      this.#covered = covered;
      // No longer in the list (the admin changed it): back to a SUBSCRIBE of their own.
      for (const e of this.#dialogEntries()) if (e.viaList && !covered.has(e.user)) {
        e.useList(false);
        this.enqueue(e);
      }
    } else for (const r of n.resources) this.#covered.add(r.user);
    this.#armGrace();
    for (const r of n.resources) for (const e of byUser.get(r.user) ?? []) {
      if (!e.viaList) {
        this.#held.delete(e);
        this.#queue.delete(e);
        e.useList(true);
      } else if (n.list.fullState) e.resetList();
      e.applyListResource(r);
    }
    // Listed extensions the list does not carry (a static Asterisk list without them): their own SUBSCRIBE.
    if (n.list.fullState) {
      const held = [...this.#held];
      this.#held.clear();
      for (const e of held) this.enqueue(e);
    }
  }

  /** Extensions the list names but never gave a state: watched on their own rather than left dark. */
  #armGrace(): void {
    clearTimeout(this.#graceTimer);
    const gen = this.#listGen;
    this.#graceTimer = setTimeout(() => {
      if (gen !== this.#listGen || this.#listPhase !== 'active') return;
      const dark = this.#dialogEntries().filter((e) => e.viaList && e.status.state === 'unknown');
      if (dark.length) this.logger.info(`BLF list: ${dark.length} resource(s) still without state after ${LIST_QUIET_MS} ms without NOTIFY, subscribed one by one`);
      for (const e of dark) {
        this.#covered.delete(e.user);
        e.useList(false);
        this.enqueue(e);
      }
    }, LIST_QUIET_MS);
    this.#graceTimer.unref?.();
  }

  #onListFailed(unsupported: boolean, status: number, detail: string, retryAfterMs?: number): void {
    this.#list = undefined;
    const wasActive = this.#listPhase === 'active';
    if (unsupported || !wasActive || ++this.#listFailures >= LIST_MAX_FAILURES) {
      this.#listUnavailable(status, detail);
      return;
    }
    // Transient (refresh failed, terminated, expired): the lamps may be wrong until the list is back.
    for (const e of this.#dialogEntries()) if (e.viaList) e.markStale();
    this.#listPhase = 'starting';
    const gen = this.#listGen;
    clearTimeout(this.#listTimer);
    this.#listTimer = setTimeout(() => {
      if (gen === this.#listGen) this.#startList();
    }, retryAfterMs ?? this.backoff(this.#listFailures));
  }

  /** No list here: every extension on its own SUBSCRIBE; the list is tried again later. */
  #listUnavailable(status: number, detail: string): void {
    const uri = this.#listUri();
    this.logger.info(`BLF list ${uri}: unavailable (${`${status || ''} ${detail}`.trim()}), one SUBSCRIBE per extension`);
    this.#stopList(true);
    this.#listPhase = 'fallback';
    this.#listFailures = 0;
    this.#published = '';
    for (const e of this.#dialogEntries()) if (!e.hasAttempt) this.enqueue(e);
    const gen = this.#listGen;
    this.#listTimer = setTimeout(() => {
      if (gen === this.#listGen && this.#ua) this.#startList();
    }, LIST_RETRY_MS);
    this.#listTimer.unref?.();
  }
}

class SubscriptionEntry {
  #status: PresenceStatus = { state: 'unknown', since: Date.now() };
  #summary: MessageSummary | undefined;
  #attempt: Attempt | undefined;
  #failures = 0;
  #notified = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #freshTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #refs = 0;
  #listedRefs = 0;
  #closed = false;
  /** The state comes from the resource list (no SUBSCRIBE of its own). */
  #viaList = false;
  #listTracker = new DialogInfoTracker();
  readonly user: string;
  readonly #statusListeners = new Set<(s: PresenceStatus) => void>();
  readonly #summaryListeners = new Set<(s: MessageSummary) => void>();

  constructor(
    readonly owner: PresenceSubscriptions,
    readonly event: EventKind,
    readonly uri: string,
    readonly onEmpty: () => void,
  ) {
    this.user = userOf(uri);
  }

  get hadDialog(): boolean {
    return this.#attempt?.dialog !== undefined;
  }
  get hasAttempt(): boolean {
    return this.#attempt !== undefined || this.#retryTimer !== undefined;
  }
  get status(): PresenceStatus {
    return this.#status;
  }
  /** Watched as a favorite (part of the list the console publishes). */
  get listed(): boolean {
    return this.#listedRefs > 0;
  }
  /** Was listed when its last watch went away (the published list must drop it). */
  wasListed = false;
  get viaList(): boolean {
    return this.#viaList;
  }
  /** Active subscription (or list resource) whose state is current. */
  get fresh(): boolean {
    if (this.#viaList) return this.#status.state !== 'unknown' && this.#status.state !== 'stale';
    return this.#attempt !== undefined && this.#notified && this.#freshTimer === undefined && this.#status.state !== 'stale';
  }

  /** Switch between the list and a SUBSCRIBE of its own. Joining the list ends (un-SUBSCRIBEs) its own attempt. */
  useList(on: boolean): void {
    if (on === this.#viaList) return;
    this.#viaList = on;
    this.#listTracker.reset();
    if (on) this.drop(true);
    else clearTimeout(this.#lingerTimer);
  }

  /** A full-state list NOTIFY: versions of the resource's documents may restart. */
  resetList(): void {
    this.#listTracker.reset();
  }

  /** One resource of a list NOTIFY (RFC 4662 §5.2 instance state, its dialog-info part). */
  applyListResource(u: ResourceUpdate): void {
    if (!this.#viaList || this.#closed) return;
    const inst = u.instance;
    if (!inst) return; // listed without an instance: no news
    if (inst.state === 'pending') return;
    if (inst.state === 'terminated') {
      if (inst.reason && FINAL_REASONS.has(inst.reason)) this.#set({ state: 'offline' });
      else this.markStale();
      return;
    }
    const body = u.body ?? '';
    if (!body.trim()) {
      if (this.#listTracker.version === undefined && (this.#status.state === 'unknown' || this.#status.state === 'stale')) this.#set({ state: 'idle' });
      return;
    }
    if (u.contentType && !/dialog-info\+xml/i.test(u.contentType)) return;
    try {
      const doc = parseDialogInfo(body);
      // Versions restart when the list server re-subscribes its back-end: a full document replaces anyway.
      const last = this.#listTracker.version;
      if (doc.state === 'full' && last !== undefined && doc.version <= last) this.#listTracker.reset();
      this.#listTracker.applyDocument(doc);
    } catch (e) {
      this.owner.logger.warn(`BLF ${this.uri} (list): unusable dialog-info part (${e instanceof Error ? e.message : String(e)})`);
      if (this.#status.state === 'unknown') this.#set({ state: 'idle' });
      return;
    }
    this.#set(this.#derivedFrom(this.#listTracker));
    this.#armLingerFor(this.#listTracker, () => this.#viaList);
  }

  addWatch(extension: string, listed = false): Watch {
    this.#refs++;
    if (listed) {
      this.#listedRefs++;
      this.wasListed = true;
    }
    let disposed = false;
    const listeners = new Set<(s: PresenceStatus) => void>();
    const relay = (s: PresenceStatus): void => {
      for (const l of [...listeners]) l(s);
    };
    this.#statusListeners.add(relay);
    return {
      extension,
      status: () => this.#status,
      onDidChange: (l): Disposable => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.#statusListeners.delete(relay);
        if (listed && --this.#listedRefs === 0 && this.#refs > 1) this.owner.listedChanged(); // still watched on demand
        this.#release();
      },
    };
  }

  addMailboxWatch(): MailboxWatch {
    this.#refs++;
    let disposed = false;
    const listeners = new Set<(s: MessageSummary) => void>();
    const relay = (s: MessageSummary): void => {
      for (const l of [...listeners]) l(s);
    };
    this.#summaryListeners.add(relay);
    return {
      summary: () => this.#summary,
      onDidChange: (l): Disposable => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.#summaryListeners.delete(relay);
        this.#release();
      },
    };
  }

  #release(): void {
    if (--this.#refs > 0) return;
    this.close(true);
    this.onEmpty();
  }

  /** Forget the current subscription without telling the PBX (its connection is gone or it forgot us). */
  drop(unsubscribe = false): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#endAttempt(unsubscribe);
  }

  close(unsubscribe: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#endAttempt(unsubscribe);
  }

  markStale(): void {
    if (this.#status.state === 'unknown' || this.#status.state === 'offline' || this.#status.state === 'stale') return;
    this.#set({ state: 'stale' });
  }

  subscribe(ua: UserAgent): void {
    if (this.#closed || this.#viaList) return;
    this.#endAttempt(false);
    const core = ua.userAgentCore;
    const target = UserAgent.makeURI(this.uri);
    if (!target) {
      this.#set({ state: 'offline' });
      return;
    }
    const accept = this.event === 'dialog' ? 'application/dialog-info+xml' : 'application/simple-message-summary';
    const message = core.makeOutgoingRequestMessage('SUBSCRIBE', target, core.configuration.aor, target, {}, [
      `Event: ${this.event}`,
      `Accept: ${accept}`,
      `Expires: ${this.owner.expires}`,
      `Contact: ${core.configuration.contact.toString()}`,
      'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, INFO, OPTIONS, UPDATE',
    ]);
    const tracker = new DialogInfoTracker();
    // eslint-disable-next-line prefer-const -- referenced by the delegate callbacks
    let attempt: Attempt;
    const request = core.subscribe(message, {
      onNotify: ({ request: notify, subscription }) => {
        if (attempt.done) {
          notify.accept();
          return;
        }
        if (subscription && !attempt.dialog) this.#adoptDialog(attempt, subscription);
        this.#onNotify(attempt, notify);
      },
      onNotifyTimeout: () => this.#failed(attempt, 408, 'no NOTIFY after SUBSCRIBE'),
      onReject: (response) =>
        this.#failed(attempt, response.message.statusCode ?? 0, response.message.reasonPhrase ?? '', retryAfter(response.message)),
      onRedirect: (response) => this.#failed(attempt, response.message.statusCode ?? 0, 'redirect'),
    });
    attempt = { request, tracker, done: false, inFlight: true };
    this.owner.beginFlight();
    this.#attempt = attempt;
    this.#armFresh();
  }

  #land(attempt: Attempt, overload: boolean): void {
    if (!attempt.inFlight) return;
    attempt.inFlight = false;
    this.owner.endFlight(overload);
  }

  #adoptDialog(attempt: Attempt, dialog: Core.Subscription): void {
    attempt.dialog = dialog;
    dialog.autoRefresh = true;
    dialog.delegate = {
      onNotify: (notify) => {
        if (attempt.done) notify.accept();
        else this.#onNotify(attempt, notify);
      },
      onRefresh: (refresh) => {
        if (attempt.done) return;
        this.#armFresh();
        refresh.delegate = {
          onReject: (response) =>
            this.#failed(attempt, response.message.statusCode ?? 0, `refresh: ${response.message.reasonPhrase ?? ''}`),
        };
      },
      onTerminated: () => {
        if (!attempt.done) this.#failed(attempt, 0, 'subscription terminated');
      },
    };
  }

  #onNotify(attempt: Attempt, notify: Core.IncomingNotifyRequest): void {
    const msg = notify.message;
    notify.accept();
    this.#land(attempt, false);
    this.#notified = true;
    this.#failures = 0;
    clearTimeout(this.#freshTimer);
    this.#freshTimer = undefined;
    const ss = msg.parseHeader('Subscription-State') as { state?: string; reason?: string; expires?: number; params?: Record<string, unknown> } | undefined;
    const state = (ss?.state ?? '').toLowerCase();
    const body = typeof msg.body === 'string' ? msg.body : '';
    const contentType = msg.getHeader('Content-Type') ?? '';
    if (this.event === 'dialog') this.#applyDialogInfo(attempt, body, contentType, state);
    else if (body.trim()) this.applyMessageSummary(body, contentType);
    if (state === 'terminated') {
      const reason = (ss?.reason ?? '').toLowerCase();
      attempt.done = true;
      this.#endAttempt(false);
      if (FINAL_REASONS.has(reason)) {
        this.#set({ state: 'offline' });
        this.#retry(REJECTED_RETRY_MS);
      } else {
        // deactivated, timeout, probation, giveup or none: re-subscribe (after retry-after if given).
        const retryAfter = Number(ss?.params?.['retry-after']);
        this.#armFresh();
        this.#retry(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0);
      }
      return;
    }
    const expires = typeof ss?.expires === 'number' && ss.expires > 0 ? ss.expires : this.owner.expires;
    // Safety net: if neither the refresh (at 90 %) nor its NOTIFY happened by expiry, start a new subscription.
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(() => {
      if (attempt.done) return;
      this.owner.logger.info(`Subscription ${this.event} ${this.uri} expired without refresh`);
      this.#failed(attempt, 0, 'expired');
    }, timerDelay(expires * 1000 + 2000));
  }

  #applyDialogInfo(attempt: Attempt, body: string, contentType: string, subState: string): void {
    if (!body.trim()) {
      // Accepted, nothing published (yet): idle. A pending subscription (awaiting authorization) stays as it is.
      if (attempt.tracker.version === undefined && subState !== 'pending') this.#set({ state: 'idle' });
      else if (this.#status.state === 'stale' || this.#status.state === 'unknown') this.#set(this.#derived(attempt));
      return;
    }
    if (contentType && !/dialog-info\+xml/i.test(contentType)) {
      this.owner.logger.debug(`BLF ${this.uri}: ignoring body of type ${contentType.slice(0, 64)}`);
      return;
    }
    try {
      attempt.tracker.apply(body);
    } catch (e) {
      this.owner.logger.warn(`BLF ${this.uri}: unusable dialog-info body (${e instanceof Error ? e.message : String(e)})`);
      if (this.#status.state === 'unknown') this.#set({ state: 'idle' });
      return;
    }
    this.#set(this.#derived(attempt));
    this.#armLinger(attempt);
  }

  /** Re-derive when an early dialog starts to count as lingering (no NOTIFY will tell us). */
  #armLinger(attempt: Attempt): void {
    this.#armLingerFor(attempt.tracker, () => !attempt.done);
  }

  #armLingerFor(tracker: DialogInfoTracker, valid: () => boolean): void {
    clearTimeout(this.#lingerTimer);
    const at = tracker.nextExpiry();
    if (at === undefined) return;
    this.#lingerTimer = setTimeout(() => {
      if (!valid()) return;
      if (this.#status.state !== 'stale') this.#set(this.#derivedFrom(tracker));
      this.#armLingerFor(tracker, valid);
    }, timerDelay(at - Date.now() + 10));
    this.#lingerTimer.unref();
  }

  #derived(attempt: Attempt): Omit<PresenceStatus, 'since'> {
    return this.#derivedFrom(attempt.tracker);
  }

  #derivedFrom(tracker: DialogInfoTracker): Omit<PresenceStatus, 'since'> {
    const d = tracker.derive();
    return { state: d.state, ...(d.caller && { caller: d.caller }), ...(d.peer && { peer: d.peer }) };
  }

  applyMessageSummary(body: string, contentType: string): void {
    if (contentType && !/simple-message-summary/i.test(contentType)) return;
    const s = parseMessageSummary(body);
    if (!s) {
      this.owner.logger.warn(`MWI: unusable message-summary body`);
      return;
    }
    const prev = this.#summary;
    this.#summary = s;
    if (
      prev &&
      prev.waiting === s.waiting &&
      prev.newMessages === s.newMessages &&
      prev.oldMessages === s.oldMessages &&
      prev.newUrgent === s.newUrgent &&
      prev.oldUrgent === s.oldUrgent
    ) {
      return;
    }
    for (const l of [...this.#summaryListeners]) l(s);
  }

  #failed(attempt: Attempt, status: number, detail: string, retryAfterMs?: number): void {
    if (attempt.done || attempt !== this.#attempt) return;
    // 503 (overloaded) and no answer at all shrink the pacing window.
    this.#land(attempt, status === 503 || status === 408);
    attempt.done = true;
    this.owner.logger.info(`Subscription ${this.event} ${this.uri} ended: ${status || ''} ${detail}`.replace(/\s+/g, ' '));
    this.#endAttempt(false);
    const rejected = [403, 404, 405, 410, 480, 484, 485, 489, 501, 604].includes(status) || (status >= 600 && status < 700);
    if (rejected) {
      this.#set({ state: 'offline' });
      this.#retry(REJECTED_RETRY_MS);
      return;
    }
    this.markStale();
    if (retryAfterMs !== undefined) {
      // 503 with Retry-After (RFC 3261 §21.5.4): the server says when.
      this.#failures++;
      this.#retry(retryAfterMs);
      return;
    }
    if (status === 481 && this.#failures === 0) {
      // The PBX forgot the subscription (restart): subscribe afresh at once.
      this.#failures++;
      this.#retry(0);
      return;
    }
    this.#failures++;
    this.#retry(this.owner.backoff(this.#failures));
  }

  #retry(delayMs: number): void {
    clearTimeout(this.#retryTimer);
    if (this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.owner.enqueue(this);
    }, timerDelay(delayMs));
  }

  #armFresh(): void {
    if (this.#freshTimer) return;
    this.#freshTimer = setTimeout(() => {
      this.#freshTimer = undefined;
      this.markStale();
    }, FRESH_DEADLINE_MS);
  }

  #endAttempt(unsubscribe: boolean): void {
    clearTimeout(this.#freshTimer);
    clearTimeout(this.#expiryTimer);
    clearTimeout(this.#lingerTimer);
    this.#freshTimer = this.#expiryTimer = this.#lingerTimer = undefined;
    const a = this.#attempt;
    this.#attempt = undefined;
    if (!a) return;
    this.#land(a, false);
    a.done = true;
    try {
      if (a.dialog) {
        a.dialog.delegate = undefined;
        const s = a.dialog.subscriptionState as string;
        if (unsubscribe && (s === 'Active' || s === 'Pending')) {
          a.dialog.unsubscribe();
        }
        a.dialog.dispose();
      }
      a.request.waitNotifyStop();
      a.request.dispose();
    } catch (e) {
      this.owner.logger.debug(`Subscription cleanup ${this.uri}: ${String(e)}`);
    }
  }

  #set(next: Omit<PresenceStatus, 'since'>): void {
    const cur = this.#status;
    if (
      cur.state === next.state &&
      cur.caller?.user === next.caller?.user &&
      cur.caller?.name === next.caller?.name &&
      cur.peer?.user === next.peer?.user
    ) {
      return;
    }
    this.#status = { ...next, since: Date.now() };
    for (const l of [...this.#statusListeners]) {
      try {
        l(this.#status);
      } catch (e) {
        this.owner.logger.error(`Presence listener failed: ${String(e)}`);
      }
    }
  }
}
