/**
 * SUBSCRIBE/NOTIFY client for the dialog event package (RFC 4235, BLF) and message-summary (RFC 3842, MWI), on the
 * SIP.js core (not the SIP.js `Subscriber`, which hides response codes and refresh failures).
 *
 * One subscription per (event, target), shared by every Watch of it. Managed like a real client:
 * - rate-limited start (a queue drained at `subscribeRate`/s) so hundreds of favorites don't flood the PBX;
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
} from '../../api/presence';
import type { Disposable, SipLogger } from '../../api/softphone';
import { DialogInfoTracker } from '../../presence/dialog-info';
import { parseMessageSummary } from '../../presence/message-summary';
import { dialTargetToUri } from './dial-target';

const DEFAULT_EXPIRES = 600;
const DEFAULT_RATE = 200;
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
}

export interface PresenceSubscriptionsOptions extends PresenceOptions {
  readonly logger: SipLogger;
  /** Domain for extensions without one. */
  readonly domain: string;
  /** Our own address of record (`sip:user@domain`): the mailbox. */
  readonly aor: string;
  /** Backoff after failures (ms), attempt ≥ 1. */
  readonly backoffMs?: (attempt: number) => number;
}

export class PresenceSubscriptions {
  readonly #opts: PresenceSubscriptionsOptions;
  readonly #entries = new Map<string, SubscriptionEntry>();
  #ua: UserAgent | undefined;
  readonly #queue = new Set<SubscriptionEntry>();
  #pumpTimer: NodeJS.Timeout | undefined;

  constructor(options: PresenceSubscriptionsOptions) {
    this.#opts = options;
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
    for (const e of this.#entries.values()) {
      e.drop();
      this.enqueue(e);
    }
  }

  /** The generation is gone (connection dropped, reconnect): every known state becomes stale. */
  detach(): void {
    this.#ua = undefined;
    this.#queue.clear();
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
    const had = entries.some((e) => e.hadDialog);
    for (const e of entries) {
      e.drop(true);
      e.markStale();
    }
    this.#ua = undefined;
    if (had) await new Promise((r) => setTimeout(r, graceMs));
  }

  watch(extension: string): Watch {
    const uri = dialTargetToUri(extension, this.#opts.domain);
    const entry = this.#entry('dialog', uri);
    return entry.addWatch(extension);
  }

  watchMailbox(): MailboxWatch {
    const entry = this.#entry('message-summary', this.#opts.aor);
    return entry.addMailboxWatch();
  }

  /** Out-of-dialog NOTIFY (unsolicited MWI, RFC 3842 §3 allows it): true when handled. */
  unsolicitedNotify(event: string, contentType: string, body: string): boolean {
    if (event.trim().toLowerCase() !== 'message-summary') return false;
    const entry = this.#entries.get(`message-summary|${this.#opts.aor}`);
    if (!entry) return false;
    entry.applyMessageSummary(body, contentType);
    return true;
  }

  /** Number of active subscriptions (for tests and the bench). */
  stats(): { watched: number; active: number; queued: number } {
    let active = 0;
    for (const e of this.#entries.values()) if (e.fresh) active++;
    return { watched: this.#entries.size, active, queued: this.#queue.size };
  }

  #entry(event: EventKind, uri: string): SubscriptionEntry {
    const key = `${event}|${uri}`;
    let e = this.#entries.get(key);
    if (!e) {
      e = new SubscriptionEntry(this, event, uri, () => {
        this.#entries.delete(key);
        this.#queue.delete(e!);
      });
      this.#entries.set(key, e);
      if (this.#ua) this.enqueue(e);
    }
    return e;
  }

  enqueue(e: SubscriptionEntry): void {
    if (!this.#ua) return;
    this.#queue.add(e);
    this.#pump();
  }

  #pump(): void {
    if (this.#pumpTimer) return;
    const rate = Math.max(1, this.#opts.subscribeRate ?? DEFAULT_RATE);
    // Batches every 50 ms (or slower for low rates).
    const interval = Math.max(50, Math.ceil(1000 / rate));
    const perTick = Math.max(1, Math.round((rate * interval) / 1000));
    const tick = (): void => {
      this.#pumpTimer = undefined;
      const ua = this.#ua;
      if (!ua) return;
      let n = 0;
      for (const e of this.#queue) {
        if (n++ >= perTick) break;
        this.#queue.delete(e);
        e.subscribe(ua);
      }
      if (this.#queue.size > 0) this.#pumpTimer = setTimeout(tick, interval);
    };
    // First batch now, the rest paced.
    this.#pumpTimer = setTimeout(tick, 0);
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
  #closed = false;
  readonly #statusListeners = new Set<(s: PresenceStatus) => void>();
  readonly #summaryListeners = new Set<(s: MessageSummary) => void>();

  constructor(
    readonly owner: PresenceSubscriptions,
    readonly event: EventKind,
    readonly uri: string,
    readonly onEmpty: () => void,
  ) {}

  get hadDialog(): boolean {
    return this.#attempt?.dialog !== undefined;
  }
  /** Active subscription whose state is current. */
  get fresh(): boolean {
    return this.#attempt !== undefined && this.#notified && this.#freshTimer === undefined && this.#status.state !== 'stale';
  }

  addWatch(extension: string): Watch {
    this.#refs++;
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
    if (this.#closed) return;
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
      onReject: (response) => this.#failed(attempt, response.message.statusCode ?? 0, response.message.reasonPhrase ?? ''),
      onRedirect: (response) => this.#failed(attempt, response.message.statusCode ?? 0, 'redirect'),
    });
    attempt = { request, tracker, done: false };
    this.#attempt = attempt;
    this.#armFresh();
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
    clearTimeout(this.#lingerTimer);
    const at = attempt.tracker.nextExpiry();
    if (at === undefined) return;
    this.#lingerTimer = setTimeout(() => {
      if (attempt.done) return;
      if (this.#status.state !== 'stale') this.#set(this.#derived(attempt));
      this.#armLinger(attempt);
    }, timerDelay(at - Date.now() + 10));
    this.#lingerTimer.unref();
  }

  #derived(attempt: Attempt): Omit<PresenceStatus, 'since'> {
    const d = attempt.tracker.derive();
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

  #failed(attempt: Attempt, status: number, detail: string): void {
    if (attempt.done || attempt !== this.#attempt) return;
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
