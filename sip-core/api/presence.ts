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

export interface PresenceOptions {
  /** Requested subscription duration (s, default 600). */
  readonly expires?: number;
  /** Start at most this many SUBSCRIBEs per second (default 200), so hundreds of favorites don't flood the PBX. */
  readonly subscribeRate?: number;
}
