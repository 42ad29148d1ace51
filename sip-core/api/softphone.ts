import type { SipAccountConfig } from './account';
import type { CallSnapshot } from './call';
import type { MediaSessionFactory } from './media';
import type { MailboxWatch, PresenceOptions, Watch } from './presence';
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
  /** Place a call to a number, extension or SIP URI. */
  dial(target: string): Call;
  calls(): readonly Call[];
  /**
   * Busy-lamp field: watch a colleague's extension (RFC 4235). Subscriptions follow the connection (re-subscribe on
   * reconnect, refresh, stale on failure). Optional so that test doubles need not implement presence.
   */
  watch?(extension: string): Watch;
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
