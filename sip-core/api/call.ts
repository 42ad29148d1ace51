/**
 * Call state machine (one per SIP dialog we take part in).
 *
 *  outgoing: dialing → ringing (18x) → active → ended
 *            dialing/ringing → ended (cancel, failure)
 *  incoming: incoming → active (answer) → ended
 *            incoming → ended (decline, caller cancelled)
 *  active ⇄ held (local hold; issue #3)
 *
 * Legal transitions (anything else throws "Invalid state transition from X to Y"):
 */
export type CallDirection = 'incoming' | 'outgoing';
export type CallStateName = 'dialing' | 'ringing' | 'incoming' | 'connecting' | 'active' | 'held' | 'ended';

const LEGAL: Record<CallStateName, readonly CallStateName[]> = {
  dialing: ['ringing', 'connecting', 'active', 'ended'],
  ringing: ['connecting', 'active', 'ended', 'ringing'],
  incoming: ['connecting', 'active', 'ended'],
  connecting: ['active', 'ended'],
  active: ['held', 'ended', 'active'],
  held: ['active', 'ended', 'held'],
  ended: [],
};

export function assertCallTransition(from: CallStateName, to: CallStateName): void {
  if (!LEGAL[from].includes(to)) throw new Error(`Invalid state transition from ${from} to ${to}`);
}

/** Why a call ended, in terms the UI can translate. */
export type CallEndReason =
  | 'local-hangup'
  | 'remote-hangup'
  | 'declined' // we declined an incoming call
  | 'cancelled' // we cancelled our outgoing call, or the caller gave up before answer
  | 'busy' // 486/600
  | 'rejected' // 603 or other 4xx-6xx
  | 'not-found' // 404/604
  | 'unavailable' // 480
  | 'timeout' // 408 / no answer
  | 'media-failed'
  | 'media-timeout' // no audio from the far end for the configured time: "the line was lost" (we sent BYE)
  | 'network'
  | 'answered-elsewhere'
  | 'transferred' // we transferred the call (blind or attended) and it succeeded
  | 'replaced' // another dialog replaced this one (INVITE with Replaces from the PBX or from this call's own peer)
  | 'deflected'; // we redirected a ringing incoming call (302) to another number

export interface RemoteParty {
  /** Display name as sent by the network, sanitised (control characters removed, length capped). */
  readonly displayName?: string;
  /** User part (number/extension) sanitised. */
  readonly user: string;
  /** Full SIP URI as a string (sanitised). */
  readonly uri: string;
}

export interface CallSnapshot {
  readonly id: string;
  readonly accountId: string;
  readonly direction: CallDirection;
  readonly state: CallStateName;
  readonly remote: RemoteParty;
  readonly mediaMode: 'webrtc' | 'rtp';
  readonly createdAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  readonly endReason?: CallEndReason;
  /** SIP status of the final failure, when there was one (e.g. 486). */
  readonly endStatus?: number;
  /** The far end put us on hold (its offer was sendonly/inactive, or c=0.0.0.0). Independent of our own hold. */
  readonly remoteHold?: boolean;
  /** Progress of the last transfer of this call (REFER), from the NOTIFY sipfrag. */
  readonly transfer?: TransferProgress;
  /**
   * Incoming only: the server asked for auto-answer (Call-Info `answer-after=N`, Alert-Info `auto-answer`/`intercom`,
   * RFC 5373 Answer-Mode). Seconds to wait; 0 = at once. The console decides whether to honour it. Only reported when
   * the INVITE is the PBX's own (one Via) or relayed by a proxy the account trusts (`trustRelayedHeaders`): a caller
   * can write these headers too (adapters/sipjs/trust.ts).
   */
  readonly autoAnswerAfter?: number;
  /**
   * Incoming only: this call replaced our call with this id (INVITE with Replaces, RFC 3891). Accepted only from the
   * PBX itself (an INVITE it originated) or from the replaced call's own peer (adapters/sipjs/trust.ts); anyone else
   * gets 403 and the call is untouched. sip-core answers such a call at once; the replaced call ends with `replaced`.
   */
  readonly replaces?: string;
  /**
   * Incoming only: the number the caller dialed (the To header's user part, sanitised), i.e. the DNIS when the PBX
   * keeps it: a receptionist answering for several companies greets by it; screen pop's `{called}`.
   */
  readonly called?: string;
  /**
   * Incoming only: the call was forwarded here (Diversion RFC 5806, else History-Info RFC 7044) — by whom, why, and
   * the number first dialed. Believed only where P-Asserted-Identity is (PBX-originated or a trusted proxy).
   */
  readonly diversion?: Diversion;
}

/** Why a call was forwarded (RFC 5806 reason values; History-Info causes are mapped onto them). */
export type DiversionReason =
  | 'unknown'
  | 'user-busy'
  | 'no-answer'
  | 'unavailable'
  | 'unconditional'
  | 'time-of-day'
  | 'do-not-disturb'
  | 'deflection'
  | 'follow-me'
  | 'out-of-service'
  | 'away';

export interface Diversion {
  /** The party that forwarded the call last (the colleague whose phone sent it here); sanitised. */
  readonly by: RemoteParty;
  readonly reason?: DiversionReason;
  /** The number first dialed, when the headers say (bottom Diversion entry, first History-Info entry). */
  readonly originallyCalled?: string;
  /** Redirections the headers report (1 or more). */
  readonly count: number;
}

export interface TransferProgress {
  readonly kind: 'blind' | 'attended';
  /** Target as given (blind) or the other call's remote user (attended). */
  readonly target: string;
  /** trying: REFER sent / 100 Trying; ringing: 18x; done: 2xx (call then ends with `transferred`); failed. */
  readonly state: 'trying' | 'ringing' | 'done' | 'failed';
  /** Final SIP status from the sipfrag (or the REFER's own rejection) when failed. */
  readonly status?: number;
}
