/**
 * Raw SIP connections (one per account). Pure Node: no SIP.js here — the adapter in adapters/sipjs wraps these
 * into a SIP.js Transport. A connection carries whole SIP messages as strings in both directions.
 */
import type { SipTransportKind } from '../api/account';
import type { TlsProblem } from '../api/registration-state';

export type { TlsProblem };

/** Why a connection could not be made or was lost; mirrors RegistrationFailureReason's transport reasons. */
export type SipConnectionErrorKind = 'dns' | 'tls' | 'network' | 'timeout';

export class SipConnectionError extends Error {
  /** Kind `tls` only: the certificate problem behind it (from `code`; `handshake` when there is no better answer). */
  declare readonly tlsProblem?: TlsProblem;

  constructor(
    readonly kind: SipConnectionErrorKind,
    message: string,
    /** errno/OpenSSL code when there was one (e.g. ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SipConnectionError';
    if (kind === 'tls') this.tlsProblem = tlsProblemOf(code) ?? 'handshake';
  }
}

const TLS_PROBLEM_BY_CODE: Readonly<Record<string, TlsProblem>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-name',
  HOSTNAME_MISMATCH: 'wrong-name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  CERT_REVOKED: 'revoked',
};

/**
 * The certificate problem behind a Node/OpenSSL error code: a known verification code maps to its problem, any other
 * TLS code (see isTlsErrorCode) to `handshake`; no code or a non-TLS code (ECONNREFUSED…) gives undefined.
 */
export function tlsProblemOf(code: string | undefined): TlsProblem | undefined {
  if (code === undefined) return undefined;
  if (Object.prototype.hasOwnProperty.call(TLS_PROBLEM_BY_CODE, code)) return TLS_PROBLEM_BY_CODE[code];
  return isTlsErrorCode(code) ? 'handshake' : undefined;
}

export interface SipEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface SipConnection {
  readonly kind: SipTransportKind;
  /** Our side of the socket (valid after connect()); used for Via sent-by and Contact. */
  readonly local: SipEndpoint;
  readonly remote: SipEndpoint;
  connect(): Promise<void>;
  /** Resolves once handed to the socket; rejects with SipConnectionError. */
  send(text: string): Promise<void>;
  /** Idempotent; does not fire onClose. */
  close(): void;
  /** One complete SIP message. */
  onMessage: ((text: string) => void) | undefined;
  /**
   * The connection is gone (peer closed, reset) or, for UDP, the peer is unreachable (ICMP port unreachable
   * surfaces as ECONNREFUSED on a connected dgram socket). Not fired after close().
   */
  onClose: ((error?: SipConnectionError) => void) | undefined;
  /** A keep-alive pong (a CRLF between messages, RFC 5626 §4.4.1) arrived; stream transports only. */
  onPong?: (() => void) | undefined;
}

export interface SipConnectionOptions {
  readonly kind: SipTransportKind;
  readonly host: string;
  readonly port: number;
  /**
   * IP to connect to (e.g. from resolveSipServer); `host` stays the name used for TLS SNI/certificate check and
   * the WS URL/Host header. Without it `host` is resolved at connect().
   */
  readonly address?: string;
  /** Connect/handshake timeout (ms, default 8000). */
  readonly connectTimeoutMs?: number;
  /** TLS/WSS: verify the server certificate (default true). */
  readonly tlsVerify?: boolean;
  /** TLS/WSS: extra CA certificate(s), PEM; added to Node's default roots. */
  readonly tlsCa?: string;
  /** WS/WSS request path (default "/"). */
  readonly wsPath?: string;
  /** UDP: try this local port first (the previous connection's), else any free port. */
  readonly localPort?: number;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EPIPE',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ETIMEOUT', 'ESOCKETTIMEDOUT']);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** True for OpenSSL / Node TLS error codes (certificate verification, handshake, protocol). */
export function isTlsErrorCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code.startsWith('SELF_SIGNED') ||
    code.startsWith('DEPTH_ZERO') ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'ECONNRESET_TLS'
  );
}

/**
 * Map a socket/DNS/TLS error to our four kinds. `stage` says where it happened: an unknown error during the TLS
 * handshake is a TLS problem, anywhere else a network one.
 */
export function classifyConnectionError(err: unknown, stage: 'connect' | 'tls' | 'io' = 'io'): SipConnectionError {
  if (err instanceof SipConnectionError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined) {
    if (DNS_CODES.has(code)) return new SipConnectionError('dns', message, code);
    if (TIMEOUT_CODES.has(code)) return new SipConnectionError('timeout', message, code);
    if (isTlsErrorCode(code)) return new SipConnectionError('tls', message, code);
    if (NETWORK_CODES.has(code)) return new SipConnectionError('network', message, code);
  }
  if (stage === 'tls' || /ssl|tls|certificate/i.test(message)) return new SipConnectionError('tls', message, code);
  return new SipConnectionError('network', message, code);
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 8000;

/** IPv6 literals go in brackets in Via/Contact/URLs (RFC 3261 §25.1 IPv6reference). */
export function formatHostPort(endpoint: SipEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}
