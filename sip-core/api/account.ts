/** SIP account as sip-core needs it. Plain data: no SIP.js, no Electron. */
import type { ResourceListOptions } from './presence';

export type SipTransportKind = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
export type MediaMode = 'auto' | 'webrtc' | 'rtp';
/** Effective media mode once `auto` is resolved (see resolveMediaMode). */
export type ResolvedMediaMode = 'webrtc' | 'rtp';

/** One SIP server of an account's ordered list (RFC 3263 input: a name is resolved NAPTR → SRV → A/AAAA). */
export interface SipServerConfig {
  readonly host: string;
  /** Absent: SRV decides (or the transport's default port). */
  readonly port?: number;
  /** Absent: the account's transport. */
  readonly transport?: SipTransportKind;
}

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
  /**
   * Servers in order of preference (failover: the next one when the one in use stops answering; back to the first
   * when it answers again). Absent: `server`/`port`/`transport` (or `outboundProxy`) is the only one.
   */
  readonly servers?: readonly SipServerConfig[];
  /** DNS servers ("ip" or "ip:port") for the SIP server names; absent: the system's. */
  readonly dnsServers?: readonly string[];
  /** CRLF keep-alive interval (s); 0 disables. Default 10. */
  readonly keepAliveSeconds?: number;
  /** A call that receives no audio for this long while both sides talk ends as "line lost" (s; default 30; 0 = never). */
  readonly mediaTimeoutSeconds?: number;
  /** RTP bridge: the local address to bind and advertise (default: the one the kernel routes to the PBX). */
  readonly mediaAddress?: string;
  /** How DTMF is sent: RFC 4733 telephone-event in the media (default) or SIP INFO (application/dtmf-relay). */
  readonly dtmfMode?: 'rfc4733' | 'info';
  /**
   * The server is a SIP proxy (Kamailio, OpenSIPS…) that polices what it relays from other user agents (RFC 3325
   * trust domain): it removes P-Asserted-Identity and the auto-answer headers (Call-Info `answer-after`, Alert-Info
   * auto-answer/intercom, Answer-Mode/Priv-Answer-Mode) from what they send and sets them itself. Then those headers
   * are believed in requests it relays, and an INVITE with Replaces is accepted from the replaced call's peer named by
   * P-Asserted-Identity. Default false: they are believed only in requests the server originated itself (one Via:
   * a PBX that is a back-to-back user agent, such as Asterisk). See adapters/sipjs/trust.ts.
   */
  readonly trustRelayedHeaders?: boolean;
  /** RFC 4662 resource list for the busy lamps (see presence.ts ResourceListOptions); absent: one SUBSCRIBE each. */
  readonly presenceList?: ResourceListOptions;
}

/** `auto` ⇒ WebRTC on WS/WSS accounts, RTP bridge on UDP/TCP/TLS. */
export function resolveMediaMode(account: Pick<SipAccountConfig, 'media' | 'transport'>): ResolvedMediaMode {
  if (account.media !== 'auto') return account.media;
  return account.transport === 'ws' || account.transport === 'wss' ? 'webrtc' : 'rtp';
}
