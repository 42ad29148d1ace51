/**
 * Registration state machine (one per account).
 *
 *   unregistered ──start()──▶ registering ──200 OK──▶ registered
 *        ▲                      │    ▲                    │
 *        │                      │    └──refresh/retry─────┤ (refresh before expiry; on refresh
 *        │                      ▼                         │  failure → failed, then retry)
 *        └────stop()──────── failed(reason) ◀─────────────┘
 *                               │
 *                               └──backoff timer──▶ registering
 *
 * Legal transitions (anything else throws "Invalid state transition from X to Y"):
 * - unregistered → registering
 * - registering → registered | failed | unregistered
 * - registered → registering (refresh/re-register) | failed | unregistered
 * - failed → registering (retry) | unregistered
 */
export type RegistrationFailureReason =
  /** 401/407 after credentials were sent, or 403: the password or user name is wrong. */
  | 'auth'
  /** No answer from the server in time (UDP) or connect timed out. */
  | 'timeout'
  /** Host name did not resolve. */
  | 'dns'
  /** TLS handshake or certificate verification failed. */
  | 'tls'
  /** Connection refused / reset / network unreachable. */
  | 'network'
  /** Any other final non-2xx response (e.g. 404, 503). */
  | 'rejected';

/**
 * Why certificate verification or the TLS handshake failed (reason `tls`), in terms a receptionist can act on:
 * expired / not yet valid (check the date), another name, not signed by a trusted CA (install the company CA),
 * self-signed, revoked; `handshake` for anything else (protocol, cipher, alert from the server).
 */
export type TlsProblem = 'expired' | 'not-yet-valid' | 'wrong-name' | 'unknown-ca' | 'self-signed' | 'revoked' | 'handshake';

export type RegistrationState =
  | { readonly state: 'unregistered' }
  | { readonly state: 'registering'; readonly attempt: number; readonly server?: string }
  | {
      readonly state: 'registered';
      readonly expiresAt: number;
      /** The server in use, as the UI names it (e.g. "sip2.pbx.test:5060", "198.18.0.2:5060 (TCP)"). */
      readonly server?: string;
      /** Registered on a server after the first one of the account's list (failover): the UI says "on backup server". */
      readonly backup?: boolean;
    }
  | {
      readonly state: 'failed';
      readonly reason: RegistrationFailureReason;
      /** The server that failed, as the UI names it. */
      readonly server?: string;
      /** We were registered and the connection went away: the UI says "connection lost, reconnecting"; calls stay up. */
      readonly lost?: boolean;
      /** Technical detail safe to show (status line, errno); never a password. */
      readonly detail: string;
      /** Reason `tls` only: which certificate problem, when it is known (SipConnectionError.tlsProblem). */
      readonly tlsProblem?: TlsProblem;
      /** When the next automatic attempt happens (epoch ms), if any. */
      readonly retryAt?: number;
    };

export type RegistrationStateName = RegistrationState['state'];

const LEGAL: Record<RegistrationStateName, readonly RegistrationStateName[]> = {
  unregistered: ['registering'],
  registering: ['registered', 'failed', 'unregistered', 'registering'],
  registered: ['registering', 'failed', 'unregistered', 'registered'],
  failed: ['registering', 'unregistered', 'failed'],
};

export function assertRegistrationTransition(from: RegistrationStateName, to: RegistrationStateName): void {
  if (!LEGAL[from].includes(to)) throw new Error(`Invalid state transition from ${from} to ${to}`);
}

/** Backoff for registration retries: 2 s, 4 s, 8 s … capped at 60 s, with ±20 % jitter. */
export function registrationBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 2_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
