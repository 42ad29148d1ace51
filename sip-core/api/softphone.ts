import type { SipAccountConfig } from './account';
import type { CallSnapshot } from './call';
import type { MediaSessionFactory } from './media';
import type { MailboxWatch, PresenceOptions, Watch, WatchOptions } from './presence';
import type { RegistrationState } from './registration-state';

export type Disposable = () => void;

/** Where sip-core writes its trace. Implementations must never receive a password or Authorization value. */
export interface SipLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Raw SIP messages as sent/received, already redacted by sip-core. */
  sipTrace?(direction: 'in' | 'out', text: string): void;
}

export interface SoftphoneOptions {
  readonly account: SipAccountConfig;
  readonly media: MediaSessionFactory;
  readonly logger?: SipLogger;
  /** User-Agent header. */
  readonly userAgent?: string;
  /** How long a UDP/TCP REGISTER may wait for an answer before `failed(timeout)` (ms, default 8000). */
  readonly requestTimeoutMs?: number;
  /**
   * CRLF keep-alive interval (ms; default the account's keepAliveSeconds, else 10000; 0 disables). RFC 5626 §3.5.1
   * double-CRLF ping: keeps NAT bindings open and lets a dead path (ICMP unreachable, reset) show up between REGISTER
   * refreshes.
   */
  readonly keepAliveMs?: number;
  /** How long a server we were registered on may fail (a restart) before we move to the next one (ms, default 5000). */
  readonly failoverAfterMs?: number;
  /** On a backup server, how often the first server is probed with OPTIONS (ms, default 15000). */
  readonly failbackProbeMs?: number;
  /** RFC 5626 instance id + reg-id in REGISTER (default true). */
  readonly outbound?: boolean;
  /** Overridable clock/backoff for tests. */
  readonly backoffMs?: (attempt: number) => number;
  /** BLF/MWI subscription tuning (expiry, start-up rate). */
  readonly presence?: PresenceOptions;
}

/** A call handle. All mutating methods reject with a CallError on an illegal request. */
export interface Call {
  readonly id: string;
  snapshot(): CallSnapshot;
  onDidChange(listener: (snapshot: CallSnapshot) => void): Disposable;
  /** Answer an incoming call. */
  answer(): Promise<void>;
  /** Decline an incoming call with 486 Busy Here or 603 Decline. */
  decline(code?: 486 | 603): Promise<void>;
  /** Cancel (outgoing, not answered) or BYE (established). Idempotent once ended. */
  hangup(): Promise<void>;
  /** RFC 4733 telephone-event, or SIP INFO (application/dtmf-relay) when the account's dtmfMode is `info`. */
  sendDtmf(tones: string): Promise<void>;
  /** Re-offer media (new renderer attached, ICE restart). */
  renegotiate(): Promise<void>;
  /**
   * Local hold (RFC 3264 §8.4 / RFC 6337): re-INVITE with a=sendonly (a=inactive if the far end holds us too);
   * state becomes `held` when the PBX accepts. unhold() re-INVITEs with a=sendrecv (recvonly if remotely held).
   */
  hold(): Promise<void>;
  unhold(): Promise<void>;
  /**
   * Blind transfer (RFC 3515 REFER, RFC 5589 §6): Refer-To the target; `transfer` in the snapshot follows the
   * NOTIFY sipfrag. On 2xx we send BYE and the call ends with `transferred`. On failure the call stays up (still
   * held if it was) and the promise rejects with CallError('transfer-failed') whose message gives the status.
   */
  transfer(target: string): Promise<void>;
  /**
   * Attended transfer (RFC 5589 §7): REFER this call's remote to `other`'s remote, Refer-To carrying Replaces of the
   * `other` dialog. Both calls end with `transferred` on success. Same failure behaviour as transfer().
   * If the transferee accepted the REFER but the target refused the INVITE with Replaces (a phone without RFC 3891,
   * e.g. baresip 1.0), the default `semi-attended` fallback hangs up `other` and blind-transfers this call to
   * `other`'s remote address (the target rings again); `fallback: 'none'` just fails.
   */
  transferTo(other: Call, options?: TransferOptions): Promise<void>;
  /** Incoming, not yet answered: 302 Moved Temporarily to the target (ends with `deflected`). */
  deflect(target: string): Promise<void>;
}

export interface TransferOptions {
  /** What transferTo() does when the target refuses the INVITE with Replaces (default `semi-attended`). */
  readonly fallback?: 'semi-attended' | 'none';
}

/**
 * A number to present on an outgoing call, chosen by the receptionist among those the administrator provisions.
 * `user` is the number or extension (only `0-9 A-Z a-z + * # . _ -`, 1..64 characters); `displayName` defaults to the
 * account's display name (`''`: none). Control, bidi and zero-width characters are refused, not cleaned: a display
 * name comes from provisioning, and a silently altered one would present something nobody chose.
 */
export interface PresentedIdentity {
  readonly user: string;
  readonly displayName?: string;
}

/**
 * Per-call options of Softphone.dial().
 *
 * The From header always keeps the account's own user: PBXs identify and authorise a caller by it (Asterisk's
 * `identify_by = username`, Kamailio's `auth_check` with the From/auth user check), so putting the presented number
 * there would get the call refused or billed to nobody. The presented identity travels in an RFC 3325 header to the
 * PBX, which is trusted to assert it onwards (Asterisk: `trust_id_inbound = yes` on the console's endpoint).
 */
export interface DialOptions {
  /**
   * Absent: no identity header (the PBX presents the account's configured caller ID).
   * A PresentedIdentity: `<identityHeader>: "displayName" <sip:user@domain>`.
   * `'anonymous'`: presentation restricted (CLIR): `Privacy: id` (RFC 3323 §4.2, RFC 3325 §9.3) with the identity
   * header carrying the account's own number, so the PBX still knows who calls (and can honour the privacy request,
   * which Asterisk reads only next to a P-Asserted-Identity), and the From display name "Anonymous" (RFC 3323
   * §4.1.1) for hops that pass From through unchanged; the From URI stays the account's, see above.
   */
  readonly identity?: PresentedIdentity | 'anonymous';
  /**
   * `pai` (default): P-Asserted-Identity (RFC 3325 §9.1), what Asterisk reads with `trust_id_inbound = yes`.
   * `ppi`: P-Preferred-Identity (RFC 3325 §9.2), for proxies and SBCs that turn a preferred identity into an asserted
   * one (Asterisk ignores it: the endpoint's configured caller ID is presented, and `Privacy` is not honoured).
   */
  readonly identityHeader?: 'pai' | 'ppi';
  /**
   * A call without audio (feature codes the console dials on the receptionist's behalf, e.g. `*78`): no renderer or
   * RTP bridge is involved; the offer is plain RTP/AVP `a=inactive` on the discard port (RFC 3264 §5.1 allows it).
   */
  readonly silent?: boolean;
}

export interface Softphone {
  readonly accountId: string;
  registration(): RegistrationState;
  onDidChangeRegistration(listener: (state: RegistrationState) => void): Disposable;
  onIncomingCall(listener: (call: Call) => void): Disposable;
  /** Connect the transport and REGISTER; keeps retrying with backoff until stop(). */
  start(): Promise<void>;
  /** Un-REGISTER (best effort), end calls, close the transport. */
  stop(): Promise<void>;
  /** Network changed / resumed from sleep: reconnect and re-register now. */
  reconnect(): Promise<void>;
  /**
   * Place a call to a number, extension or SIP URI. `options.identity` chooses the number the far end is shown (see
   * DialOptions). Throws CallError('invalid-target') for an undialable target or an unacceptable identity, before
   * anything is sent.
   */
  dial(target: string, options?: DialOptions): Call;
  calls(): readonly Call[];
  /**
   * Busy-lamp field: watch a colleague's extension (RFC 4235). Subscriptions follow the connection (re-subscribe on
   * reconnect, refresh, stale on failure). Optional so that test doubles need not implement presence.
   */
  watch?(extension: string, options?: WatchOptions): Watch;
  /** Our own mailbox (RFC 3842 message-summary). */
  watchMailbox?(): MailboxWatch;
}

export class CallError extends Error {
  constructor(
    readonly code: 'invalid-state' | 'invalid-target' | 'not-registered' | 'media' | 'network' | 'transfer-failed',
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}
