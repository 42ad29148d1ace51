/**
 * Presence API: busy-lamp-field watches (RFC 4235 dialog event package) and our own message-waiting indicator
 * (RFC 3842 message-summary). No SIP.js type appears here.
 *
 * Watch states, as the receptionist reads them:
 * - `idle`     subscription active, the colleague has no dialog
 * - `ringing`  an incoming (recipient) early dialog: `caller` says who is calling
 * - `busy`     a confirmed dialog, or an outgoing call being set up
 * - `held`     every confirmed dialog is on hold (dialog-info `+sip.rendering` = no)
 * - `offline`  the PBX rejected or ended the subscription (unknown or unreachable extension)
 * - `stale`    we had a state but the connection dropped or a refresh got no fresh NOTIFY: the lamp may be wrong
 * - `unknown`  not subscribed yet
 */
/** Same shape as softphone.ts's Disposable (kept local: no import cycle). */
export type Disposable = () => void;

export type PresenceState = 'idle' | 'ringing' | 'busy' | 'held' | 'offline' | 'stale' | 'unknown';
export const PRESENCE_STATES: readonly PresenceState[] = ['idle', 'ringing', 'busy', 'held', 'offline', 'stale', 'unknown'];

export interface PresenceParty {
  readonly name?: string;
  readonly user: string;
}

export interface PresenceStatus {
  readonly state: PresenceState;
  /** Ringing: who is calling the colleague (remote identity of the early dialog). */
  readonly caller?: PresenceParty;
  /** Busy/held: who the colleague talks to, when dialog-info says so. */
  readonly peer?: PresenceParty;
  /** Epoch ms of the last state change. */
  readonly since: number;
}

export interface Watch {
  readonly extension: string;
  status(): PresenceStatus;
  onDidChange(listener: (status: PresenceStatus) => void): Disposable;
  /** Stop watching (un-SUBSCRIBE when nobody else watches the extension). Idempotent. */
  dispose(): void;
}

export interface MessageSummary {
  readonly waiting: boolean;
  readonly newMessages: number;
  readonly oldMessages: number;
  readonly newUrgent: number;
  readonly oldUrgent: number;
}

export interface MailboxWatch {
  /** undefined until the first NOTIFY. */
  summary(): MessageSummary | undefined;
  onDidChange(listener: (summary: MessageSummary) => void): Disposable;
  dispose(): void;
}

/**
 * RFC 4662 resource list for the busy lamps: one SUBSCRIBE for all listed extensions instead of one each.
 * - Asterisk (`type=resource_list` in pjsip.conf, `event=dialog`) or any server with a list the admin configured:
 *   set `uri` to that list (e.g. `sip:receptionist-blf@pbx`). Extensions the list does not carry are watched one by one.
 * - Kamailio/OpenSIPS with an XCAP server: set `xcapRoot` (e.g. `http://pbx:8080/xcap-root`); the console publishes its
 *   listed watches (the favorites) as an rls-services document (RFC 4826) under its own XUI, with the SIP digest
 *   credentials, and subscribes to `uri` (default `sip:<user>-blf@<domain>`).
 * When the server has no list (489, 404, 403, 420, 421, a NOTIFY that is not an RLMI multipart, no NOTIFY, an XCAP
 * error), every extension is watched by its own SUBSCRIBE (paced, see `subscribeWindow`) and the list is tried again
 * after a while.
 */
export interface ResourceListOptions {
  readonly uri?: string;
  readonly xcapRoot?: string;
}

export interface WatchOptions {
  /** Part of the resource list the console publishes (favorites); on-demand lamps are not. */
  readonly listed?: boolean;
}

export interface PresenceOptions {
  /** Requested subscription duration (s, default 600). */
  readonly expires?: number;
  /** Start at most this many SUBSCRIBEs per second (default 1000), so hundreds of favorites don't flood the PBX. */
  readonly subscribeRate?: number;
  /**
   * At most this many SUBSCRIBEs awaiting their first NOTIFY at once (default 32). Halved on a 503 or a timeout, grown
   * back by one per success: the pace follows what the server accepts.
   */
  readonly subscribeWindow?: number;
  /** Resource-list subscription (RFC 4662); absent: one SUBSCRIBE per extension. */
  readonly list?: ResourceListOptions;
}
