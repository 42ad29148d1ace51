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
import { LIST_MAX_RESOURCES, listUris, MAX_LISTS, numberedListUri, splitEvenly } from '../../presence/list-uris';
import { rlsServicesDocumentOf, rlsServicesUrl, xcapPut, type XcapCredentials } from '../../presence/xcap';
import { dialTargetToUri } from './dial-target';
import { ListSubscription, retryAfter } from './list-subscription';

const DEFAULT_EXPIRES = 600;
const DEFAULT_RATE = 1000;
const DEFAULT_WINDOW = 32;
/** See PreemptiveDigest. */
const PREEMPTIVE_DIGEST = true;
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
  /** Sent with credentials computed from an earlier challenge (preemptive digest). */
  readonly preauthorized: boolean;
}

/**
 * Preemptive digest for SUBSCRIBEs (RFC 3261 §22.3: credentials may be reused for further requests of the same
 * realm; RFC 7616 §3.4.5: a nonce is reused with a growing nonce count, as phones do). Without it each of 500
 * SUBSCRIBEs is challenged (401) and sent again: twice the transactions for the PBX (Kamailio challenges every
 * out-of-dialog request). The last challenge a SUBSCRIBE received is kept per UA; a stale or refused nonce is
 * answered by a new challenge, which SIP.js follows as before.
 */
class PreemptiveDigest {
  #challenge: unknown;
  #header: 'authorization' | 'proxy-authorization' = 'authorization';
  #digest: Core.DigestAuthentication | undefined;
  readonly #make: () => Core.DigestAuthentication | undefined;
  /** A 403 to preemptive credentials: the server wants its own challenge each time. */
  disabled = false;

  constructor(readonly ua: UserAgent) {
    const conf = ua.userAgentCore.configuration as { authenticationFactory(): Core.DigestAuthentication | undefined };
    const make = conf.authenticationFactory.bind(conf);
    this.#make = make;
    conf.authenticationFactory = () => {
      const d = make();
      if (!d) return d;
      const authenticate = d.authenticate.bind(d);
      d.authenticate = (request, challenge, body) => {
        const ok = authenticate(request, challenge, body);
        if (ok && request.method === 'SUBSCRIBE') {
          this.#challenge = challenge;
          this.#digest = undefined; // new nonce: count from 1 again
          // SIP.js sets the header right after this returns: 401 → Authorization, 407 → Proxy-Authorization.
          queueMicrotask(() => (this.#header = request.getHeader('proxy-authorization') ? 'proxy-authorization' : 'authorization'));
        }
        return ok;
      };
      return d;
    };
  }

  /** Adds credentials from the last challenge; false when there is none yet. */
  authorize(message: Core.OutgoingRequestMessage): boolean {
    if (this.disabled || this.#challenge === undefined) return false;
    this.#digest ??= this.#make();
    if (!this.#digest?.authenticate(message, this.#challenge)) return false;
    message.setHeader(this.#header, this.#digest.toString());
    return true;
  }
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
  /** Lists subscribed (the setting may name several, XCAP publishes one per LIST_MAX_RESOURCES), and those delivering. */
  lists: number;
  listsActive: number;
}

/** One RFC 4662 list of the account (the setting may name several): its own phase, failures and timers. */
interface ListSlot {
  readonly uri: string;
  phase: ListPhase;
  /** Bumped on every (re)start or stop of this list: stale callbacks check it. */
  gen: number;
  sub: ListSubscription | undefined;
  failures: number;
  /** First-NOTIFY deadline, transient retry or the retry after a fallback. */
  timer: NodeJS.Timeout | undefined;
  grace: NodeJS.Timeout | undefined;
  /** Users (extensions) this list carried in its last full state, plus those named since. */
  covered: Set<string>;
}

export class PresenceSubscriptions {
  readonly #opts: PresenceSubscriptionsOptions;
  readonly #entries = new Map<string, SubscriptionEntry>();
  #ua: UserAgent | undefined;
  #preauth: PreemptiveDigest | undefined;
  readonly #queue = new Set<SubscriptionEntry>();
  #pumpTimer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #window: number;
  readonly #maxWindow: number;
  // RFC 4662 lists (one or several, each falling back on its own)
  #slots: ListSlot[] = [];
  /** Bumped on every start/stop of all lists: the XCAP step checks it. */
  #listsGen = 0;
  /** The XCAP document is being published: every list is starting. */
  #xcapStarting = false;
  /** The XCAP server refused the document: no list until the retry timer. */
  #xcapFailed = false;
  /** Retry of all lists after an XCAP failure. */
  #listsTimer: NodeJS.Timeout | undefined;
  #xcapTimer: NodeJS.Timeout | undefined;
  /** Listed dialog entries waiting for the lists' first NOTIFYs (not queued meanwhile). */
  readonly #held = new Set<SubscriptionEntry>();
  /** The services and listed set last published over XCAP (to skip identical PUTs). */
  #published = '';
  /** The listed set changed while a list was starting: publish again once none is. */
  #republish = false;

  constructor(options: PresenceSubscriptionsOptions) {
    this.#opts = options;
    this.#maxWindow = Math.max(1, Math.floor(options.subscribeWindow ?? DEFAULT_WINDOW));
    this.#window = this.#maxWindow;
  }

  #xcap(): boolean {
    return !!this.#opts.list?.xcapRoot?.trim();
  }

  /** The configured list URIs; with only an XCAP root, the derived `sip:<user>-blf@<domain>`. */
  #listUris(): string[] {
    const l = this.#opts.list;
    if (!l) return [];
    const uris = listUris(l.uri?.trim(), this.#opts.domain);
    if (uris.length) return uris;
    return this.#xcap() ? [`sip:${userOf(this.#opts.aor)}-blf@${this.#opts.domain}`] : [];
  }

  /**
   * XCAP: the services the console publishes. Several configured URIs are used as they are; one URI grows numbered
   * siblings (`-2`, `-3`…) so that no list carries more than LIST_MAX_RESOURCES favorites.
   */
  #xcapServiceUris(): string[] {
    const uris = this.#listUris();
    if (uris.length !== 1) return uris;
    const listed = this.#dialogEntries().filter((e) => e.listed).length;
    const n = Math.min(MAX_LISTS, Math.max(1, Math.ceil(listed / LIST_MAX_RESOURCES)));
    return Array.from({ length: n }, (_, i) => numberedListUri(uris[0]!, i + 1));
  }

  /** Where the lists stand together: starting while any is; else active while any delivers; else fallback or off. */
  get #listPhase(): ListPhase {
    if (this.#xcapStarting || this.#slots.some((s) => s.phase === 'starting')) return 'starting';
    if (this.#slots.some((s) => s.phase === 'active')) return 'active';
    if (this.#xcapFailed || this.#slots.some((s) => s.phase === 'fallback')) return 'fallback';
    return 'off';
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
    if (this.#preauth?.ua !== ua) this.#preauth = new PreemptiveDigest(ua);
    this.#inFlight = 0;
    // A list the server did not offer is tried again on a new registration (another server, or reconfigured).
    if (this.#listUris().length && this.#listPhase !== 'starting' && this.#wantsList()) this.#startLists();
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
    this.#stopLists(false);
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
    const had = entries.some((e) => e.hadDialog) || this.#slots.some((s) => s.sub !== undefined);
    this.#ua = undefined; // nothing re-queued while the lists stop
    this.#stopLists(true);
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
    // First watch after registration: start the lists (this entry and the rest of the burst wait for them).
    if (this.#ua && this.#listPhase === 'off' && this.#listUris().length && this.#wantsList()) this.#startLists();
    if (isNew) this.enqueue(entry);
    else if (options.listed) this.#listedChanged();
    return w;
  }

  /** A list is worth setting up: something to publish (XCAP), or any lamp a configured list may carry. */
  #wantsList(): boolean {
    const xcap = this.#xcap();
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
    return {
      watched: this.#entries.size,
      active,
      queued: this.#queue.size,
      inFlight: this.#inFlight,
      window: this.#window,
      list: this.#listPhase,
      viaList,
      lists: this.#slots.length,
      listsActive: this.#slots.filter((s) => s.phase === 'active').length,
    };
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
      // Carried by a list already (an on-demand lamp of a listed colleague): no SUBSCRIBE of its own.
      if (this.#coveredByActive(e.user)) {
        e.useList(true);
        return;
      }
      // A list is being set up: listed extensions wait for the first NOTIFYs (bounded by LIST_FIRST_NOTIFY_MS).
      if (e.listed && this.#listPhase === 'starting') {
        this.#queue.delete(e);
        this.#held.add(e);
        return;
      }
    }
    this.#queue.add(e);
    this.#pump();
  }

  // ───────────── pacing (one SUBSCRIBE per extension) ─────────────

  /** Credentials from the last challenge on a new SUBSCRIBE (true when added). */
  preauthorize(ua: UserAgent, message: Core.OutgoingRequestMessage): boolean {
    return PREEMPTIVE_DIGEST && this.#preauth?.ua === ua ? this.#preauth.authorize(message) : false;
  }

  /** The server refused preemptive credentials (403): challenge every SUBSCRIBE again, as without them. */
  preauthRefused(): void {
    if (this.#preauth && !this.#preauth.disabled) {
      this.#preauth.disabled = true;
      this.logger.info('BLF: the server refused reused digest credentials; every SUBSCRIBE is challenged again');
    }
  }

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

  // ───────────── RFC 4662 resource lists ─────────────

  #dialogEntries(): SubscriptionEntry[] {
    return [...this.#entries.values()].filter((e) => e.event === 'dialog');
  }

  /** Some delivering list (other than `except`) carries this user. */
  #coveredByActive(user: string, except?: ListSlot): boolean {
    return this.#slots.some((s) => s !== except && s.phase === 'active' && s.covered.has(user));
  }

  /** (Re)start every list: the configured ones, or (XCAP) the console's own after publishing the favorites. */
  #startLists(): void {
    if (!this.#ua) return;
    this.#stopLists(false);
    const gen = ++this.#listsGen;
    if (!this.#xcap()) {
      this.#slots = this.#listUris().map((uri) => this.#newSlot(uri));
      for (const s of this.#slots) this.#startSlot(s, false);
      return;
    }
    this.#xcapStarting = true;
    // After the current burst of watches (favorites are watched in one loop), so the document has them all.
    new Promise((r) => setTimeout(r, 0))
      .then(() => {
        if (gen !== this.#listsGen) return;
        this.#slots = this.#xcapServiceUris().map((uri) => this.#newSlot(uri));
        return this.#publishLists();
      })
      .then(() => {
        if (gen !== this.#listsGen) return;
        this.#xcapStarting = false;
        for (const s of this.#slots) this.#startSlot(s, false);
      })
      .catch((e: unknown) => {
        if (gen === this.#listsGen) this.#xcapUnavailable(`XCAP: ${e instanceof Error ? e.message : String(e)}`);
      });
  }

  #newSlot(uri: string): ListSlot {
    return { uri, phase: 'off', gen: 0, sub: undefined, failures: 0, timer: undefined, grace: undefined, covered: new Set() };
  }

  /** Subscribe to one list; `publish`: (XCAP) make sure the document is current first (a list retried on its own). */
  #startSlot(slot: ListSlot, publish: boolean): void {
    const ua = this.#ua;
    if (!ua) return;
    this.#endSlot(slot, false);
    const gen = ++slot.gen;
    slot.phase = 'starting';
    slot.timer = setTimeout(() => {
      if (gen === slot.gen && slot.phase === 'starting') this.#slotUnavailable(slot, 0, 'no list NOTIFY in time');
    }, LIST_FIRST_NOTIFY_MS);
    const subscribe = (): void => {
      if (gen !== slot.gen || this.#ua !== ua) return;
      const list = new ListSubscription(slot.uri, this.expires, this.logger, {
        onList: (n) => {
          if (gen === slot.gen) this.#onList(slot, n);
        },
        onFailed: (unsupported, status, detail, retryAfterMs) => {
          if (gen === slot.gen) this.#onListFailed(slot, unsupported, status, detail, retryAfterMs);
        },
      });
      slot.sub = list;
      list.subscribe(ua);
    };
    if (publish && this.#xcap()) {
      this.#publishLists()
        .then(subscribe)
        .catch((e: unknown) => {
          if (gen === slot.gen) this.#slotUnavailable(slot, 0, `XCAP: ${e instanceof Error ? e.message : String(e)}`);
        });
    } else subscribe();
  }

  /**
   * End one list's subscription and timers; its lamps leave the list unless another list has them (`requeue`: and are
   * queued again, held while a list starts).
   */
  #endSlot(slot: ListSlot, unsubscribe: boolean, requeue = true): void {
    slot.gen++;
    clearTimeout(slot.timer);
    clearTimeout(slot.grace);
    slot.timer = slot.grace = undefined;
    slot.sub?.dispose(unsubscribe);
    slot.sub = undefined;
    const covered = slot.covered;
    slot.covered = new Set();
    if (slot.phase === 'starting' || slot.phase === 'active') slot.phase = 'off';
    for (const e of this.#dialogEntries()) if (e.viaList && covered.has(e.user) && !this.#coveredByActive(e.user)) {
      e.useList(false);
      if (requeue) this.enqueue(e);
    }
  }

  #stopLists(unsubscribe: boolean): void {
    this.#listsGen++;
    this.#xcapStarting = false;
    this.#xcapFailed = false;
    clearTimeout(this.#listsTimer);
    const slots = this.#slots;
    this.#slots = [];
    for (const s of slots) {
      s.phase = 'off';
      this.#endSlot(s, unsubscribe, false);
    }
    for (const e of this.#dialogEntries()) if (e.viaList) e.useList(false);
    this.#releaseHeld();
  }

  /** Listed entries that waited for the lists: covered ones join their list, the others get their own SUBSCRIBE. */
  #releaseHeld(): void {
    if (this.#listPhase === 'starting') return;
    const held = [...this.#held];
    this.#held.clear();
    if (this.#ua) for (const e of held) this.enqueue(e);
  }

  /** One document with every service; the favorites split evenly over them in a stable (sorted) order. */
  async #publishLists(): Promise<void> {
    const root = this.#opts.list?.xcapRoot?.trim();
    const creds = this.#opts.credentials;
    if (!root || !creds) throw new Error('no XCAP root or credentials');
    const services = this.#slots.map((s) => s.uri);
    const listed = this.#dialogEntries().filter((e) => e.listed).map((e) => e.uri).sort();
    const key = `${services.join(' ')}\n${listed.join('\n')}`;
    if (key === this.#published) return;
    const groups = splitEvenly(listed, services.length);
    await xcapPut(rlsServicesUrl(root, this.#opts.aor), 'application/rls-services+xml', rlsServicesDocumentOf(services.map((uri, i) => ({ uri, resources: groups[i] ?? [] }))), creds);
    this.#published = key;
    this.logger.info(`BLF lists ${services.join(', ')}: ${listed.length} extension(s) published over XCAP`);
  }

  /** Favorites added or removed: republish the lists (XCAP), debounced; the server updates the subscriptions. */
  listedChanged(): void {
    this.#listedChanged();
  }

  #listedChanged(): void {
    if (!this.#xcap()) return;
    const phase = this.#listPhase;
    if (phase === 'starting') {
      this.#republish = true;
      return;
    }
    if (phase !== 'active') return;
    clearTimeout(this.#xcapTimer);
    this.#xcapTimer = setTimeout(() => {
      if (this.#listPhase !== 'active') return;
      this.#publishLists().catch((e: unknown) => this.logger.warn(`BLF list: XCAP update failed (${e instanceof Error ? e.message : String(e)})`));
    }, XCAP_DEBOUNCE_MS);
    this.#xcapTimer.unref?.();
  }

  #onList(slot: ListSlot, n: ListNotify): void {
    if (slot.phase !== 'active') {
      slot.phase = 'active';
      clearTimeout(slot.timer);
      slot.timer = undefined;
      this.logger.info(`BLF list ${slot.uri}: active (${n.list.resources.length} resource(s) in the first NOTIFY)`);
    }
    slot.failures = 0;
    const byUser = new Map<string, SubscriptionEntry[]>();
    for (const e of this.#dialogEntries()) {
      const list = byUser.get(e.user);
      if (list) list.push(e);
      else byUser.set(e.user, [e]);
    }
    if (n.list.fullState) {
      const covered = new Set(n.resources.map((r) => r.user));
      const before = slot.covered;
      slot.covered = covered;
      // No longer in the list (the admin changed it): back to a SUBSCRIBE of their own, unless another list has them.
      for (const e of this.#dialogEntries()) if (e.viaList && before.has(e.user) && !covered.has(e.user) && !this.#coveredByActive(e.user)) {
        e.useList(false);
        this.enqueue(e);
      }
    } else for (const r of n.resources) slot.covered.add(r.user);
    this.#armGrace(slot);
    for (const r of n.resources) for (const e of byUser.get(r.user) ?? []) {
      if (!e.viaList) {
        this.#held.delete(e);
        this.#queue.delete(e);
        e.useList(true);
      } else if (n.list.fullState) e.resetList();
      e.applyListResource(r);
    }
    // Listed extensions no list carries (a static Asterisk list without them): their own SUBSCRIBE, once no list is
    // still starting.
    this.#releaseHeld();
    if (this.#republish && this.#listPhase !== 'starting') {
      this.#republish = false;
      this.#listedChanged();
    }
  }

  /** Extensions a list names but never gave a state: watched on their own rather than left dark. */
  #armGrace(slot: ListSlot): void {
    clearTimeout(slot.grace);
    const gen = slot.gen;
    slot.grace = setTimeout(() => {
      if (gen !== slot.gen || slot.phase !== 'active') return;
      const dark = this.#dialogEntries().filter((e) => e.viaList && e.status.state === 'unknown' && slot.covered.has(e.user));
      if (dark.length) this.logger.info(`BLF list ${slot.uri}: ${dark.length} resource(s) still without state after ${LIST_QUIET_MS} ms without NOTIFY, subscribed one by one`);
      for (const e of dark) {
        slot.covered.delete(e.user);
        if (this.#coveredByActive(e.user)) continue;
        e.useList(false);
        this.enqueue(e);
      }
    }, LIST_QUIET_MS);
    slot.grace.unref?.();
  }

  #onListFailed(slot: ListSlot, unsupported: boolean, status: number, detail: string, retryAfterMs?: number): void {
    slot.sub = undefined;
    const wasActive = slot.phase === 'active';
    if (unsupported || !wasActive || ++slot.failures >= LIST_MAX_FAILURES) {
      this.#slotUnavailable(slot, status, detail);
      return;
    }
    // Transient (refresh failed, terminated, expired): the lamps may be wrong until the list is back.
    for (const e of this.#dialogEntries()) if (e.viaList && slot.covered.has(e.user)) e.markStale();
    slot.phase = 'starting';
    const gen = ++slot.gen;
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      if (gen === slot.gen) this.#startSlot(slot, true);
    }, retryAfterMs ?? this.backoff(slot.failures));
  }

  /** This list is not offered here: its extensions on their own SUBSCRIBE; the list is tried again later. */
  #slotUnavailable(slot: ListSlot, status: number, detail: string): void {
    this.logger.info(`BLF list ${slot.uri}: unavailable (${`${status || ''} ${detail}`.trim()}), one SUBSCRIBE per extension`);
    this.#endSlot(slot, true);
    slot.phase = 'fallback';
    slot.failures = 0;
    this.#published = '';
    this.#releaseHeld();
    for (const e of this.#dialogEntries()) if (!e.hasAttempt) this.enqueue(e);
    const gen = slot.gen;
    slot.timer = setTimeout(() => {
      if (gen === slot.gen && this.#ua) this.#startSlot(slot, true);
    }, LIST_RETRY_MS);
    slot.timer.unref?.();
  }

  /** The XCAP server refused the favorites: no list at all; every lamp on its own SUBSCRIBE, all retried later. */
  #xcapUnavailable(detail: string): void {
    this.logger.info(`BLF lists: unavailable (${detail}), one SUBSCRIBE per extension`);
    this.#stopLists(true);
    this.#xcapFailed = true;
    this.#published = '';
    for (const e of this.#dialogEntries()) if (!e.hasAttempt) this.enqueue(e);
    const gen = this.#listsGen;
    this.#listsTimer = setTimeout(() => {
      if (gen === this.#listsGen && this.#ua) this.#startLists();
    }, LIST_RETRY_MS);
    this.#listsTimer.unref?.();
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
    const preauthorized = this.owner.preauthorize(ua, message);
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
    attempt = { request, tracker, done: false, inFlight: true, preauthorized };
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
    if (status === 403 && attempt.preauthorized) {
      // Maybe only our reused credentials were refused: once more with the server's own challenge.
      this.owner.preauthRefused();
      this.#retry(0);
      return;
    }
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
