/** SIP account as sip-core needs it. Plain data: no SIP.js, no Electron. */
export type SipTransportKind = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
export type MediaMode = 'auto' | 'webrtc' | 'rtp';
/** Effective media mode once `auto` is resolved (see resolveMediaMode). */
export type ResolvedMediaMode = 'webrtc' | 'rtp';

export interface SipAccountConfig {
  /** Stable id used across the app (e.g. "acc-1"). */
  readonly id: string;
  readonly server: string;
  readonly port: number;
  readonly transport: SipTransportKind;
  readonly user: string;
  /** Digest user name; defaults to `user`. */
  readonly authUser?: string;
  /** Never logged; never part of an error message. */
  readonly password: string;
  readonly displayName?: string;
  /** SIP domain of the AOR; defaults to `server`. */
  readonly domain?: string;
  /** Outbound proxy as host[:port]; the transport is the account's. */
  readonly outboundProxy?: string;
  /** Requested REGISTER expiry in seconds (default 300). */
  readonly registerExpires?: number;
  readonly media: MediaMode;
  /** TLS/WSS: verify the server certificate (default true). */
  readonly tlsVerify?: boolean;
  /** Extra CA certificates (PEM) for TLS/WSS, e.g. a company CA. */
  readonly tlsCa?: string;
  /** WS/WSS request path (default "/"). */
  readonly wsPath?: string;
  /** How DTMF is sent: RFC 4733 telephone-event in the media (default) or SIP INFO (application/dtmf-relay). */
  readonly dtmfMode?: 'rfc4733' | 'info';
}

/** `auto` ⇒ WebRTC on WS/WSS accounts, RTP bridge on UDP/TCP/TLS. */
export function resolveMediaMode(account: Pick<SipAccountConfig, 'media' | 'transport'>): ResolvedMediaMode {
  if (account.media !== 'auto') return account.media;
  return account.transport === 'ws' || account.transport === 'wss' ? 'webrtc' : 'rtp';
}
