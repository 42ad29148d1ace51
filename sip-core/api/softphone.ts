import type { SipAccountConfig } from './account';
import type { CallSnapshot } from './call';
import type { MediaSessionFactory } from './media';
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
   * CRLF keep-alive interval (ms, default 25000; 0 disables). RFC 5626 §3.5.1 double-CRLF ping: keeps NAT
   * bindings open and lets a dead path (ICMP unreachable, reset) show up between REGISTER refreshes.
   */
  readonly keepAliveMs?: number;
  /** Overridable clock/backoff for tests. */
  readonly backoffMs?: (attempt: number) => number;
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
  sendDtmf(tones: string): Promise<void>;
  /** Re-offer media (new renderer attached, ICE restart). */
  renegotiate(): Promise<void>;
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
}

export class CallError extends Error {
  constructor(
    readonly code: 'invalid-state' | 'invalid-target' | 'not-registered' | 'media' | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}
