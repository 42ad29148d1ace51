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

export type RegistrationState =
  | { readonly state: 'unregistered' }
  | { readonly state: 'registering'; readonly attempt: number }
  | { readonly state: 'registered'; readonly expiresAt: number }
  | {
      readonly state: 'failed';
      readonly reason: RegistrationFailureReason;
      /** Technical detail safe to show (status line, errno); never a password. */
      readonly detail: string;
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
