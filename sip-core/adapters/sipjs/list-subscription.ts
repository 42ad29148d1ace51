/**
 * One RFC 4662 resource-list subscription (Event: dialog, `Supported: eventlist`) on the SIP.js core: SUBSCRIBE to
 * the list URI, hand every NOTIFY body (multipart/related + RLMI) parsed to the owner, keep the dialog refreshed.
 *
 * States (each attempt):
 *   subscribing ──first list NOTIFY──▶ active ──refresh/NOTIFY──▶ active
 *        │                               │
 *        └─reject / no NOTIFY /          └─refresh rejected, terminated, expired ──▶ failed (transient)
 *          NOTIFY that is no list ──▶ failed (unsupported when the server says it has no such list)
 * The owner decides what a failure means (retry the list, or watch every extension on its own).
 */
import { UserAgent, type Core } from 'sip.js';
import type { SipLogger } from '../../api/softphone';
import { parseListNotify, RlmiError, type ListNotify } from '../../presence/rlmi';

/** RFC 4662 §5: the subscriber says it understands lists in every SUBSCRIBE, refreshes included. */
export const LIST_HEADERS = ['Supported: eventlist', 'Accept: application/dialog-info+xml, multipart/related, application/rlmi+xml'];
const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, INFO, OPTIONS, UPDATE';
/** RFC 6665 §4.1.3 reasons after which the same list will not come back by itself. */
const FINAL_REASONS = new Set(['rejected', 'noresource', 'invariant']);
/** Answers that mean "no such list here" rather than "try again later". */
export const LIST_UNSUPPORTED_STATUS = new Set([403, 404, 405, 410, 420, 421, 480, 484, 488, 489, 501, 604]);
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ListSubscriptionDelegate {
  /** A list NOTIFY, parsed. */
  onList(notify: ListNotify): void;
  /** The attempt is over. `unsupported`: the server has no such list (fall back); else a transient failure. */
  onFailed(unsupported: boolean, status: number, detail: string, retryAfterMs?: number): void;
}

export class ListSubscription {
  #request: Core.OutgoingSubscribeRequest | undefined;
  #dialog: Core.Subscription | undefined;
  #done = false;
  #active = false;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly uri: string,
    readonly expires: number,
    readonly logger: SipLogger,
    readonly delegate: ListSubscriptionDelegate,
  ) {}

  /** A list NOTIFY has been received on this attempt. */
  get active(): boolean {
    return this.#active && !this.#done;
  }

  subscribe(ua: UserAgent): void {
    const core = ua.userAgentCore;
    const target = UserAgent.makeURI(this.uri);
    if (!target) {
      this.#fail(true, 0, `bad list URI ${this.uri.slice(0, 128)}`);
      return;
    }
    const message = core.makeOutgoingRequestMessage('SUBSCRIBE', target, core.configuration.aor, target, {}, [
      'Event: dialog',
      ...LIST_HEADERS,
      `Expires: ${this.expires}`,
      `Contact: ${core.configuration.contact.toString()}`,
      ALLOW,
    ]);
    this.#request = core.subscribe(message, {
      onNotify: ({ request: notify, subscription }) => {
        if (this.#done) {
          notify.accept();
          return;
        }
        if (subscription && !this.#dialog) this.#adopt(subscription, core);
        this.#onNotify(notify);
      },
      onNotifyTimeout: () => this.#fail(!this.#active, 408, 'no NOTIFY after the list SUBSCRIBE'),
      onReject: (response) => {
        const status = response.message.statusCode ?? 0;
        this.#fail(LIST_UNSUPPORTED_STATUS.has(status), status, response.message.reasonPhrase ?? '', retryAfter(response.message));
      },
      onRedirect: (response) => this.#fail(true, response.message.statusCode ?? 0, 'redirect'),
    });
  }

  #adopt(dialog: Core.Subscription, core: Core.UserAgentCore): void {
    this.#dialog = dialog;
    // SIP.js refreshes and un-subscribes with Event/Expires/Contact only; without `Supported: eventlist` Kamailio's
    // rls hands the refresh to plain presence, which does not know the dialog (481).
    const headers = (expires: number): string[] => [ALLOW, 'Event: dialog', ...LIST_HEADERS, `Expires: ${expires}`, `Contact: ${core.configuration.contact.toString()}`];
    Object.assign(dialog, {
      refresh: () => dialog.subscribe(undefined, { extraHeaders: headers(this.expires) }),
      unsubscribe: () => dialog.subscribe(undefined, { extraHeaders: headers(0) }),
    });
    dialog.autoRefresh = true;
    dialog.delegate = {
      onNotify: (notify) => {
        if (this.#done) notify.accept();
        else this.#onNotify(notify);
      },
      onRefresh: (refresh) => {
        if (this.#done) return;
        refresh.delegate = {
          onReject: (response) => {
            const status = response.message.statusCode ?? 0;
            this.#fail(false, status, `refresh: ${response.message.reasonPhrase ?? ''}`, retryAfter(response.message));
          },
        };
      },
      onTerminated: () => this.#fail(false, 0, 'list subscription terminated'),
    };
  }

  #onNotify(notify: Core.IncomingNotifyRequest): void {
    const msg = notify.message;
    notify.accept();
    const ss = msg.parseHeader('Subscription-State') as { state?: string; reason?: string; expires?: number; params?: Record<string, unknown> } | undefined;
    const state = (ss?.state ?? '').toLowerCase();
    const body = typeof msg.body === 'string' ? msg.body : '';
    const contentType = msg.getHeader('Content-Type') ?? '';
    if (body.trim()) {
      let parsed: ListNotify | undefined;
      try {
        parsed = parseListNotify(body, contentType);
      } catch (e) {
        const why = e instanceof RlmiError ? e.message : String(e);
        if (!this.#active) {
          // The server took the list URI for a single resource (no list by that name): not a list server. After this
          // turn, once SIP.js has made the new dialog active, so that it can be un-SUBSCRIBEd.
          setTimeout(() => this.#fail(true, 0, `not a resource list NOTIFY (${why})`), 0);
          return;
        }
        this.logger.warn(`BLF list ${this.uri}: unusable NOTIFY body (${why})`);
      }
      if (parsed) {
        this.#active = true;
        this.delegate.onList(parsed);
      }
    }
    if (this.#done) return;
    if (state === 'terminated') {
      const reason = (ss?.reason ?? '').toLowerCase();
      const ra = Number(ss?.params?.['retry-after']);
      this.#fail(FINAL_REASONS.has(reason), 0, `terminated${reason ? ` (${reason})` : ''}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
      return;
    }
    const expires = typeof ss?.expires === 'number' && ss.expires > 0 ? ss.expires : this.expires;
    // Safety net: neither the refresh (at 90 %) nor its NOTIFY came by expiry.
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(() => this.#fail(false, 0, 'list subscription expired'), Math.min(expires * 1000 + 2000, MAX_TIMER_MS));
  }

  #fail(unsupported: boolean, status: number, detail: string, retryAfterMs?: number): void {
    if (this.#done) return;
    this.logger.info(`BLF list ${this.uri}: ${status || ''} ${detail}`.replace(/\s+/g, ' ').trim());
    // Not a list after all (a plain resource answered): end that subscription at the server too.
    this.dispose(unsupported);
    this.delegate.onFailed(unsupported, status, detail, retryAfterMs);
  }

  /** End the attempt; `unsubscribe`: tell the server (Expires: 0). Idempotent; no callback. */
  dispose(unsubscribe: boolean): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#expiryTimer);
    try {
      const d = this.#dialog;
      if (d) {
        d.delegate = undefined;
        const s = d.subscriptionState as string;
        if (unsubscribe && (s === 'Active' || s === 'Pending')) d.unsubscribe();
        d.dispose();
      }
      this.#request?.waitNotifyStop();
      this.#request?.dispose();
    } catch (e) {
      this.logger.debug(`BLF list cleanup ${this.uri}: ${String(e)}`);
    }
  }
}

/** Retry-After (s) of a response, in ms; undefined when absent or absurd. */
export function retryAfter(message: { getHeader(name: string): string | undefined }): number | undefined {
  const v = Number.parseInt(message.getHeader('Retry-After') ?? '', 10);
  return Number.isFinite(v) && v > 0 && v < 86_400 ? v * 1000 : undefined;
}
